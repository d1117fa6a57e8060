//! What the fault step answers in place of the handler: a fired rule's error, canned response
//! or broken connection, and the documented status a `Prefer: code=N` header asks for. Errors
//! are rendered by the family that owns the request, through its [`Shape`].

use hyper::StatusCode;

use super::{Action, FaultRng, WireFault, canned_reply, response_description};
use crate::engine::contracts::{Contracts, Operation};
use crate::engine::problem::{Location, Problem, ProblemKind, Violation};
use crate::engine::reply::Reply;

/// Renders a problem in the error shape of the family a request belongs to.
pub trait Shape {
    fn render(&self, problem: &Problem) -> Reply;
}

/// A firing rule's answer: an error in the family's shape, a canned response, or a
/// placeholder for a broken connection (never sent: the server breaks the connection).
pub fn rule_answer(
    shape: &dyn Shape,
    action: &Action,
    rng: &FaultRng,
) -> (Reply, Option<WireFault>) {
    match action {
        Action::Error {
            status,
            code,
            message,
        } => {
            let mut p = Problem::new(*status, ProblemKind::Injected, message.clone());
            p.vendor_code = code.clone();
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
/// status is answered in the family's shape with the contract's wording; a success is
/// handled normally, and when the handler answers another status an empty success the
/// contract documents without a body is answered as asked (otherwise the real answer
/// goes back without `Preference-Applied: code`).
pub fn preferred_answer(
    shape: &dyn Shape,
    contracts: &Contracts,
    op: &Operation,
    code: u16,
    handle: impl FnOnce() -> Reply,
) -> Reply {
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
        return shape.render(&p);
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    if code >= 400 {
        let message = response_description(contracts, op, code)
            .or_else(|| status.canonical_reason().map(str::to_string))
            .unwrap_or_default();
        return shape.render(&Problem::new(status, ProblemKind::Injected, message));
    }
    let reply = handle();
    let bodiless = op
        .responses
        .get(&code.to_string())
        .is_some_and(|r| r.media_type.is_none());
    if reply.status != status && bodiless {
        Reply::empty(status)
    } else {
        reply
    }
}
