//! The `operator` family: incoming trunks of customer accounts and the customers themselves,
//! served as a JSON:API 1.0 API under `/api/rest/public/operator`
//! (operator-incoming-trunks-jsonapi.txt).

pub mod errors;
pub mod handlers;
pub mod jsonapi;
pub mod model;
pub mod negotiation;

use serde_json::Value;

use crate::engine::call::Call;
use crate::engine::family::{Family, Handler, StateError, deserialize_state};
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use crate::engine::settings::Settings;
use errors::OperatorError;
use model::OperatorState;

pub struct Operator;

impl Family for Operator {
    type State = OperatorState;
    type Error = OperatorError;

    fn name(&self) -> &'static str {
        "operator"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &[jsonapi::API_ROOT]
    }

    fn handlers(&self) -> Vec<(&'static str, Handler<OperatorState, OperatorError>)> {
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

    fn load_state(&self, seed: Option<&Value>, _: &Settings) -> Result<OperatorState, StateError> {
        let state: OperatorState = match seed {
            Some(v) => deserialize_state(v)?,
            None => OperatorState::default(),
        };
        state.normalise()
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        errors::render_problem(problem)
    }

    /// JSON:API media type rules (415/406) come before schema validation.
    fn preflight(&self, call: &Call<'_>) -> Result<(), Reply> {
        negotiation::check(call)
    }
}
