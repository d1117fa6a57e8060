//! The `pbx` family: PBX SIP trunk providers under `/api/providers` (pbx-providers.txt).

pub mod errors;
pub mod filter;
pub mod handlers;
pub mod model;

use serde_json::Value;

use crate::engine::family::{Family, Handler, StateError, deserialize_state};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use crate::engine::settings::Settings;
use errors::PbxError;
use model::PbxState;

pub struct Pbx;

impl Family for Pbx {
    type State = PbxState;
    type Error = PbxError;

    fn name(&self) -> &'static str {
        "pbx"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &["/api/providers"]
    }

    fn handlers(&self) -> Vec<(&'static str, Handler<PbxState, PbxError>)> {
        vec![
            ("pbx_list_providers", handlers::list_providers),
            ("pbx_create_provider", handlers::create_provider),
            ("pbx_get_provider", handlers::get_provider),
            ("pbx_update_provider", handlers::update_provider),
            ("pbx_get_provider_status", handlers::get_provider_status),
            ("pbx_destroy_provider", handlers::destroy_provider),
            ("pbx_export_providers", handlers::export_providers),
        ]
    }

    fn load_state(&self, seed: Option<&Value>, _: &Settings) -> Result<PbxState, StateError> {
        let state: PbxState = match seed {
            Some(v) => deserialize_state(v)?,
            None => PbxState::default(),
        };
        state.normalise()
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }
}
