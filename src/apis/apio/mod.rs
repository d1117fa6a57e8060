//! The `apio` family: the BroadWorks orchestration API (APIO) — group trunk groups with their
//! backup view (apio-group-trunk-groups.txt) under `/api/v1/tenants/...`, and immediate
//! trunking connectivity numbers and prefixes (apio-immediate-trunking-connectivity.txt)
//! under `/api/v1/tenant/...`. Every URL ends with `/`.

pub mod auth;
pub mod errors;
pub mod handlers;
pub mod injected;
pub mod model;
pub mod settings;
pub mod views;

use crate::engine::family::{Family, HandlerTable, StateError, VendorError};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use errors::ApioError;
use handlers::connectivity::{self, Numbers, Prefixes};
use handlers::trunk_groups;
use model::ApioState;
use settings::ApioSettings;

/// A call as the apio handlers read it: with the family's typed settings.
pub type Call<'a> = crate::engine::call::Call<'a, ApioSettings>;

pub struct Apio;

impl Family for Apio {
    type State = ApioState;
    type Settings = ApioSettings;
    type Error = ApioError;

    fn name(&self) -> &'static str {
        "apio"
    }

    /// Both prefixes, so an unknown URL under either (e.g. one without its trailing slash)
    /// is answered in the apio shape.
    fn base_paths(&self) -> &'static [&'static str] {
        &[
            "/api/v1/tenants/",
            "/api/v1/tenant/",
            "/api/v1/login",
            "/api/v1/logout",
        ]
    }

    fn handlers(&self) -> HandlerTable<Self> {
        vec![
            ("apio_login", auth::login),
            ("apio_logout", auth::logout),
            ("apio_list_trunk_groups", trunk_groups::list),
            ("apio_create_trunk_group", trunk_groups::create),
            ("apio_get_trunk_group", trunk_groups::get),
            ("apio_update_trunk_group", trunk_groups::update),
            ("apio_delete_trunk_group", trunk_groups::delete),
            ("apio_get_trunk_group_backup", trunk_groups::get_backup),
            (
                "apio_update_trunk_group_backup",
                trunk_groups::update_backup,
            ),
            ("apio_list_itc_numbers", connectivity::list::<Numbers>),
            ("apio_assign_itc_numbers", connectivity::assign::<Numbers>),
            ("apio_remove_itc_numbers", connectivity::remove::<Numbers>),
            (
                "apio_list_itc_available_numbers",
                connectivity::available::<Numbers>,
            ),
            ("apio_list_itc_prefixes", connectivity::list::<Prefixes>),
            ("apio_assign_itc_prefixes", connectivity::assign::<Prefixes>),
            ("apio_remove_itc_prefixes", connectivity::remove::<Prefixes>),
            (
                "apio_list_itc_available_prefixes",
                connectivity::available::<Prefixes>,
            ),
        ]
    }

    fn check_state(&self, state: ApioState, _: &ApioSettings) -> Result<ApioState, StateError> {
        state.normalise()
    }

    fn auth(&self) -> Option<&'static crate::engine::auth::AuthRules> {
        Some(&auth::RULES)
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

    fn vendor_error(
        &self,
        operation_id: &str,
        status: hyper::StatusCode,
        code: Option<&serde_json::Value>,
    ) -> Option<VendorError> {
        injected::vendor_error(operation_id, status, code)
    }
}
