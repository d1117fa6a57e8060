//! The `pbx` family: PBX SIP trunk providers under `/api/providers` (pbx-providers.txt).

pub mod auth;
pub mod errors;
pub mod filter;
pub mod handlers;
pub mod model;
pub mod settings;
pub mod views;

use crate::engine::family::{Family, HandlerTable, StateError};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use errors::PbxError;
use model::PbxState;
use settings::PbxSettings;

/// A call as the pbx handlers read it: with the family's typed settings.
pub type Call<'a> = crate::engine::call::Call<'a, PbxSettings>;

pub struct Pbx;

impl Family for Pbx {
    type State = PbxState;
    type Settings = PbxSettings;
    type Error = PbxError;

    fn name(&self) -> &'static str {
        "pbx"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &["/api/providers", "/api/auth/"]
    }

    fn handlers(&self) -> HandlerTable<Self> {
        vec![
            ("pbx_sign_in", auth::sign_in),
            ("pbx_refresh", auth::refresh),
            ("pbx_list_providers", handlers::list_providers),
            ("pbx_create_provider", handlers::create_provider),
            ("pbx_get_provider", handlers::get_provider),
            ("pbx_update_provider", handlers::update_provider),
            ("pbx_get_provider_status", handlers::get_provider_status),
            ("pbx_destroy_provider", handlers::destroy_provider),
            ("pbx_export_providers", handlers::export_providers),
        ]
    }

    fn check_state(&self, state: PbxState, settings: &PbxSettings) -> Result<PbxState, StateError> {
        state.normalise(settings.max_providers)
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }

    fn auth(&self) -> Option<&'static crate::engine::auth::AuthRules> {
        Some(&auth::RULES)
    }

    fn vendor_error(
        &self,
        _operation_id: &str,
        status: hyper::StatusCode,
        code: Option<&serde_json::Value>,
    ) -> Option<crate::engine::family::VendorError> {
        code.is_none().then(|| auth::vendor_error(status)).flatten()
    }
}
