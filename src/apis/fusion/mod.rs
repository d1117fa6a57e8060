//! The `fusion` family: DRaaS trunking under `/api/v01/draas/{draas_instance}/tenants/{uuid}`
//! (fusion-draas-trunking.txt): trunk groups, their numbers and disaster recovery, peer trunk
//! groups; access trunks, the peer trunks API and bulk jobs build on the same state.

pub mod errors;
pub mod handlers;
pub mod model;

use serde_json::Value;

use crate::engine::family::{Family, HandlerTable, StateError, deserialize_state};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use crate::engine::settings::Settings;
use errors::FusionError;
use model::FusionState;

pub struct Fusion;

impl Family for Fusion {
    type State = FusionState;
    type Error = FusionError;

    fn name(&self) -> &'static str {
        "fusion"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &["/api/v01/draas"]
    }

    fn handlers(&self) -> HandlerTable<FusionState, FusionError> {
        use handlers::{disaster_recovery as dr, numbers, trunk_groups as tg};
        vec![
            ("fusion_list_trunk_groups", tg::list),
            ("fusion_get_trunk_group", tg::get),
            ("fusion_create_trunk_group", tg::create),
            ("fusion_update_trunk_group", tg::update),
            ("fusion_delete_trunk_group", tg::delete),
            ("fusion_list_trunk_group_numbers", numbers::list),
            ("fusion_add_trunk_group_numbers", numbers::add),
            ("fusion_remove_trunk_group_numbers", numbers::remove),
            ("fusion_set_disaster_recovery_plans", dr::set_plans),
            ("fusion_set_disaster_recovery_status", dr::set_status),
            ("fusion_toggle_disaster_recovery", dr::toggle),
        ]
    }

    fn load_state(&self, seed: Option<&Value>, _: &Settings) -> Result<FusionState, StateError> {
        let state: FusionState = match seed {
            Some(v) => deserialize_state(v)?,
            None => FusionState::default(),
        };
        state.normalise()
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }

    fn tick(&self, state: &mut FusionState, now_ms: i64, _settings: &Settings) {
        state.settle(now_ms);
    }
}
