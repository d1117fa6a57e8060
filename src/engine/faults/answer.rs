//! What the fault step answers in place of the handler: a fired rule's error, canned response
//! or broken connection, and the documented status a `Prefer: code=N` header asks for. Errors
//! are rendered by the family that owns the request, through its [`Shape`], with the vendor's
//! code and wording for that status on that operation when the rule does not name its own.

use hyper::StatusCode;
use serde_json::Value;

use super::{Action, FaultRng, WireFault, canned_reply, response_description};
use crate::engine::contracts::{Contracts, Operation};
use crate::engine::family::VendorError;
use crate::engine::problem::{Location, Problem, ProblemKind, Violation};
use crate::engine::reply::Reply;

/// Renders a problem in the error shape of the family a request belongs to.
pub trait Shape {
    fn render(&self, problem: &Problem) -> Reply;

    /// The family's vendor code and wording for an injected error (see
    /// [`crate::engine::family::Family::vendor_error`]).
    fn vendor_error(
        &self,
        _operation_id: &str,
        _status: StatusCode,
        _code: Option<&Value>,
    ) -> Option<VendorError> {
        None
    }
}

/// The error a rule asks for, in the vendor's terms: a rule without `code` takes the vendor's
/// code for the status, and a rule without `message` (the rule book then holds the status's
/// reason phrase) takes the vendor's wording for that code.
fn injected_problem(
    shape: &dyn Shape,
    operation_id: &str,
    status: StatusCode,
    code: Option<&Value>,
    message: &str,
) -> Problem {
    let vendor = shape.vendor_error(operation_id, status, code);
    let unworded = status.canonical_reason() == Some(message);
    let message = match &vendor {
        Some(v) if unworded => v.message.clone(),
        _ => message.to_string(),
    };
    let mut p = Problem::new(status, ProblemKind::Injected, message);
    p.vendor_code = code.cloned().or_else(|| vendor.and_then(|v| v.code));
    p
}

/// A firing rule's answer: an error in the family's shape, a canned response, or a
/// placeholder for a broken connection (never sent: the server breaks the connection).
pub fn rule_answer(
    shape: &dyn Shape,
    operation_id: &str,
    action: &Action,
    rng: &FaultRng,
) -> (Reply, Option<WireFault>) {
    match action {
        Action::Error {
            status,
            code,
            message,
        } => {
            let p = injected_problem(shape, operation_id, *status, code.as_ref(), message);
            (shape.render(&p), None)
        }
        Action::Response {
            status,
            headers,
            body,
        } => (canned_reply(*status, headers, body.as_ref()), None),
        Action::Wire(kind) => (
            Reply::empty(StatusCode::OK),
            Some(WireFault::new(*kind, rng)),
        ),
    }
}

/// `Prefer: code=N`: an undocumented N is refused naming the documented ones; an error
/// status is answered in the family's shape with the vendor's code and wording for it (the
/// contract's description when the family has none); a success is handled normally, and when
/// the handler answers another status an empty success the contract documents without a body
/// is answered as asked. The flag says whether the answer is the one asked for (only then is
/// `Preference-Applied: code=N` sent).
pub fn preferred_answer(
    shape: &dyn Shape,
    contracts: &Contracts,
    op: &Operation,
    code: u16,
    handle: impl FnOnce() -> Reply,
) -> (Reply, bool) {
    let documented = op.documented_statuses();
    if !documented.contains(&code) {
        let list = documented
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let p = Problem::validation(vec![Violation {
            location: Location::Header,
            field: "Prefer".into(),
            message: format!(
                "code={code} is not a documented answer of {}; documented: {list}",
                op.operation_id
            ),
        }]);
        return (shape.render(&p), false);
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    if code >= 400 {
        let p = match shape.vendor_error(&op.operation_id, status, None) {
            Some(v) => {
                let mut p = Problem::new(status, ProblemKind::Injected, v.message);
                p.vendor_code = v.code;
                p
            }
            None => {
                let message = response_description(contracts, op, code)
                    .or_else(|| status.canonical_reason().map(str::to_string))
                    .unwrap_or_default();
                Problem::new(status, ProblemKind::Injected, message)
            }
        };
        return (shape.render(&p), true);
    }
    let reply = handle();
    let bodiless = op
        .responses
        .get(&code.to_string())
        .is_some_and(|r| r.media_type.is_none());
    if reply.status == status {
        (reply, true)
    } else if bodiless {
        (Reply::empty(status), true)
    } else {
        (reply, false)
    }
}
