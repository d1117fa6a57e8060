//! The `fusion` family: DRaaS trunking under `/api/v01/draas/{draas_instance}/tenants/{uuid}`
//! (fusion-draas-trunking.txt): trunk groups, their numbers and disaster recovery, peer trunk
//! groups; access trunks, the peer trunks API and bulk jobs build on the same state.

pub mod auth;
pub mod errors;
pub mod handlers;
pub mod injected;
pub mod model;
pub mod notifications;
pub mod settings;
mod tick;
pub mod views;

use crate::engine::family::{Family, HandlerTable, StateError, VendorError};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use errors::FusionError;
use model::FusionState;
use settings::FusionSettings;

/// A call as the fusion handlers read it: with the family's typed settings.
pub type Call<'a> = crate::engine::call::Call<'a, FusionSettings>;

pub struct Fusion;

impl Family for Fusion {
    type State = FusionState;
    type Settings = FusionSettings;
    type Error = FusionError;

    fn name(&self) -> &'static str {
        "fusion"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &["/api/v01/draas", "/api/v01/auth/"]
    }

    fn handlers(&self) -> HandlerTable<Self> {
        use handlers::{access_trunks as at, bulk_jobs as bulk, peer_trunks as pt};
        use handlers::{disaster_recovery as dr, numbers, trunk_groups as tg};
        vec![
            ("fusion_login", auth::login),
            ("fusion_refresh", auth::refresh),
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
            // Part 2: access trunks, the peer trunks API, bulk jobs.
            ("fusion_list_access_trunks", at::list),
            ("fusion_get_access_trunk", at::get),
            ("fusion_create_access_trunks", at::create),
            ("fusion_modify_access_trunk", at::modify),
            ("fusion_delete_access_trunk", at::delete),
            ("fusion_list_peer_trunks", pt::list),
            ("fusion_get_peer_trunk", pt::get),
            ("fusion_create_peer_trunk", pt::create),
            ("fusion_modify_peer_trunk", pt::modify),
            ("fusion_delete_peer_trunk", pt::delete),
            ("fusion_bulk_trunk_groups", bulk::bulk_trunk_groups),
            ("fusion_bulk_access_trunks", bulk::bulk_access_trunks),
            ("fusion_bulk_peer_trunks", bulk::bulk_peer_trunks),
            (
                "fusion_list_trunk_group_bulk_jobs",
                bulk::trunk_group_history,
            ),
            (
                "fusion_list_access_trunk_bulk_jobs",
                bulk::access_trunk_history,
            ),
            ("fusion_list_peer_trunk_bulk_jobs", bulk::peer_trunk_history),
            (
                "fusion_list_subscription_trunk_group_bulk_jobs",
                bulk::trunk_group_history,
            ),
            (
                "fusion_list_subscription_access_trunk_bulk_jobs",
                bulk::access_trunk_history,
            ),
            (
                "fusion_list_subscription_peer_trunk_bulk_jobs",
                bulk::peer_trunk_history,
            ),
        ]
    }

    fn check_state(
        &self,
        state: FusionState,
        _: &FusionSettings,
    ) -> Result<FusionState, StateError> {
        state.normalise()?.check_access_trunks_and_bulk_jobs()
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }

    /// The API answers JSON only: an `Accept` that rules JSON out is refused with 406.
    fn preflight(&self, _method: &hyper::Method, headers: &hyper::HeaderMap) -> Result<(), Reply> {
        if crate::engine::http::accepts_json(headers) {
            return Ok(());
        }
        let problem = Problem::new(
            hyper::StatusCode::NOT_ACCEPTABLE,
            crate::engine::problem::ProblemKind::NotAcceptable,
            "this API answers application/json only; the Accept header rules it out",
        );
        Err(errors::render_problem(&problem))
    }

    fn take_events(&self, state: &mut FusionState) -> Vec<crate::engine::events::FamilyEvent> {
        std::mem::take(&mut state.events)
    }

    fn event_name(
        &self,
        operation_id: &str,
        request: &serde_json::Value,
        answer: &serde_json::Value,
    ) -> Option<String> {
        notifications::event_name(operation_id, request, answer)
    }

    fn vendor_error(
        &self,
        operation_id: &str,
        status: hyper::StatusCode,
        code: Option<&serde_json::Value>,
    ) -> Option<VendorError> {
        injected::vendor_error(operation_id, status, code)
    }

    fn auth(&self) -> Option<&'static crate::engine::auth::AuthRules> {
        Some(&auth::RULES)
    }

    fn tick(&self, state: &mut FusionState, now_ms: i64, settings: &FusionSettings) {
        tick::tick(state, now_ms, settings);
    }
}
