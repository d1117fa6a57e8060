//! `GET /__admin/contracts` and `GET /__admin/contracts/{family}`: the OpenAPI documents the
//! server runs on (built in, or from `--contracts DIR`), so Swagger UI, code generators and
//! contract testers can fetch them from a running server; `admin` is the admin API's own.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{error, ok};
use crate::engine::Engine;
use crate::engine::reply::Reply;

/// One line per family: family, title, version and where to fetch the document.
pub(super) fn list(engine: &Engine) -> Reply {
    let contracts: Vec<Value> = engine
        .contracts
        .documents
        .iter()
        .map(|(family, doc)| {
            let info = doc.get("info");
            let field = |k: &str| info.and_then(|i| i.get(k)).cloned().unwrap_or(Value::Null);
            json!({
                "family": family,
                "title": field("title"),
                "version": field("version"),
                "url": format!("/__admin/contracts/{family}"),
            })
        })
        .collect();
    ok(json!({ "contracts": contracts }))
}

/// The whole OpenAPI document of one family, as loaded;
/// `admin` is the admin API's own contract, built in whatever `--contracts` says.
pub(super) fn document(engine: &Engine, family: &str) -> Reply {
    if family == "admin" {
        return match serde_json::from_str(crate::embedded::ADMIN_CONTRACT) {
            Ok(doc) => ok(doc),
            Err(e) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the built-in admin contract is not JSON: {e}"),
            ),
        };
    }
    match engine.contracts.documents.get(family) {
        Some(doc) => ok(doc.clone()),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no contract for a family named {family}; see GET /__admin/contracts"),
        ),
    }
}
