//! The `operator` family: incoming trunks of customer accounts and the customers themselves,
//! served as a JSON:API 1.0 API under `/api/rest/public/operator`
//! (operator-incoming-trunks-jsonapi.txt).

pub mod auth;
pub mod errors;
pub mod handlers;
pub mod jsonapi;
pub mod model;
pub mod negotiation;
pub mod settings;
pub mod views;

use hyper::{HeaderMap, Method};

use crate::engine::family::{Family, HandlerTable};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use errors::OperatorError;
use model::OperatorState;
use settings::OperatorSettings;

/// A call as the operator handlers read it: with the family's typed settings.
pub type Call<'a> = crate::engine::call::Call<'a, OperatorSettings>;

pub struct Operator;

impl Family for Operator {
    type State = OperatorState;
    type Settings = OperatorSettings;
    type Error = OperatorError;

    fn name(&self) -> &'static str {
        "operator"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &[jsonapi::API_ROOT]
    }

    fn handlers(&self) -> HandlerTable<Self> {
        vec![
            (
                "operator_list_incoming_trunks",
                handlers::list_incoming_trunks,
            ),
            (
                "operator_create_incoming_trunk",
                handlers::create_incoming_trunk,
            ),
            ("operator_get_incoming_trunk", handlers::get_incoming_trunk),
            (
                "operator_get_incoming_trunk_customer_relationship",
                handlers::get_incoming_trunk_customer_relationship,
            ),
            (
                "operator_get_incoming_trunk_customer",
                handlers::get_incoming_trunk_customer,
            ),
            (
                "operator_update_incoming_trunk",
                handlers::update_incoming_trunk,
            ),
            (
                "operator_delete_incoming_trunk",
                handlers::delete_incoming_trunk,
            ),
            ("operator_list_customers", handlers::list_customers),
            ("operator_create_customer", handlers::create_customer),
            ("operator_get_customer", handlers::get_customer),
            ("operator_update_customer", handlers::update_customer),
            ("operator_delete_customer", handlers::delete_customer),
        ]
    }

    fn check_state(
        &self,
        state: OperatorState,
        _: &OperatorSettings,
    ) -> Result<OperatorState, crate::engine::family::StateError> {
        state.normalise()
    }

    fn auth(&self) -> Option<&'static crate::engine::auth::AuthRules> {
        Some(&auth::RULES)
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }

    /// JSON:API media type rules (415/406) come before schema validation.
    fn preflight(&self, method: &Method, headers: &HeaderMap) -> Result<(), Reply> {
        negotiation::check(method, headers)
    }

    /// An injected 404 on one resource reads exactly like the real one, which names the id.
    fn vendor_error_at(
        &self,
        operation_id: &str,
        status: hyper::StatusCode,
        code: Option<&serde_json::Value>,
        path: &crate::engine::call::Pairs,
    ) -> Option<crate::engine::family::VendorError> {
        if status != hyper::StatusCode::NOT_FOUND || code.is_some() {
            return None;
        }
        let ty = match operation_id {
            "operator_get_customer" | "operator_update_customer" | "operator_delete_customer" => {
                "customers"
            }
            id if id.starts_with("operator_") && !id.starts_with("operator_list_") => {
                "incoming_trunks"
            }
            _ => return None,
        };
        let id = path.get("id")?;
        let detail = errors::OperatorError::NotFound { ty, id: id.into() }
            .objects()
            .into_iter()
            .next()?;
        Some(crate::engine::family::VendorError {
            code: Some(serde_json::Value::String(detail.code)),
            message: detail.detail,
        })
    }
}
