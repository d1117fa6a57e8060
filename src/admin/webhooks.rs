//! `/__admin/webhooks`: a session's receivers (`GET`, `POST`, `DELETE`, `DELETE /{id}`), the
//! attempts made (`GET /deliveries`) and delivery faults (`GET`, `POST`, `DELETE /faults`).

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{error, ok, parse_json};
use crate::engine::reply::Reply;
use crate::engine::store::Session;
use crate::webhooks::{DeliveryFault, Receiver};

/// A body holding one JSON object or a list of them, as a list.
fn one_or_many(body: &[u8]) -> Result<Vec<Value>, Reply> {
    Ok(match parse_json(body)? {
        Value::Array(a) => a,
        other => vec![other],
    })
}

pub fn list(session: &Session) -> Reply {
    ok(json!({ "webhooks": session.webhooks.list() }))
}

/// Takes one receiver or a list of them.
pub fn add(session: &Session, body: &[u8]) -> Reply {
    let items = match one_or_many(body) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut parsed = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<Receiver>(item) {
            Ok(r) if r.url.starts_with("http://") => parsed.push(r),
            Ok(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("webhook {i}: url must start with http://"),
                );
            }
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("webhook {i}: {e}")),
        }
    }
    let added: Vec<Receiver> = parsed
        .into_iter()
        .map(|r| session.webhooks.add(r))
        .collect();
    Reply::json(StatusCode::CREATED, json!({ "webhooks": added }))
}

pub fn remove(session: &Session, id: &str) -> Reply {
    if session.webhooks.remove(id) {
        Reply::empty(StatusCode::NO_CONTENT)
    } else {
        error(
            StatusCode::NOT_FOUND,
            format!("no webhook with id {id} in session {}", session.name),
        )
    }
}

pub fn clear(session: &Session) -> Reply {
    session.webhooks.clear();
    Reply::empty(StatusCode::NO_CONTENT)
}

pub fn deliveries(session: &Session) -> Reply {
    let d = session.webhooks.deliveries();
    ok(json!({ "deliveries": d, "count": d.len() }))
}

pub fn faults(session: &Session) -> Reply {
    ok(json!({ "faults": session.webhooks.faults() }))
}

/// Takes one delivery fault or a list of them.
pub fn add_faults(session: &Session, body: &[u8]) -> Reply {
    let items = match one_or_many(body) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut parsed = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let f = match serde_json::from_value::<DeliveryFault>(item) {
            Ok(f) => f,
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("fault {i}: {e}")),
        };
        if let Err(e) = f.check() {
            return error(StatusCode::BAD_REQUEST, format!("fault {i}: {e}"));
        }
        parsed.push(f);
    }
    let n = parsed.len();
    for f in parsed {
        session.webhooks.add_fault(f);
    }
    Reply::json(
        StatusCode::CREATED,
        json!({ "added": n, "faults": session.webhooks.faults() }),
    )
}

pub fn clear_faults(session: &Session) -> Reply {
    session.webhooks.clear_faults();
    Reply::empty(StatusCode::NO_CONTENT)
}
