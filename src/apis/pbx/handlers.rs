//! One function per PBX operation: read the call, ask the model, answer.

use hyper::StatusCode;
use hyper::header::CONTENT_DISPOSITION;
use serde_json::{Map, Value, json};

use super::errors::PbxError;
use super::model::{ListQuery, PbxState};
use crate::engine::call::Call;
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, PbxError>;

/// The body as an object; the contract guarantees one, so the empty fallback never applies.
fn body_object<'a>(call: &'a Call<'_>, empty: &'a Map<String, Value>) -> &'a Map<String, Value> {
    call.body.as_object().unwrap_or(empty)
}

/// `GET /api/providers`
pub fn list_providers(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    // The contract has already checked skip ≥ 0 and top in 1..=100.
    let number = |name: &str, default: usize| {
        call.query
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let q = ListQuery {
        filter: call.query.get("filter"),
        search: call.query.get("search"),
        orderby: call.query.get("orderby"),
        skip: number("skip", 0),
        top: number("top", 100),
    };
    let (count, items) = state.list(&q)?;
    #[derive(serde::Serialize)]
    struct Page<'a> {
        count: usize,
        items: Vec<super::model::SummaryView<'a>>,
    }
    Ok(Reply::json_of(StatusCode::OK, &Page { count, items }))
}

/// `POST /api/providers`
pub fn create_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    // `call.body` is a shared reference of its own: borrow it apart from `call.ids`.
    let empty = Map::new();
    let body = call.body.as_object().unwrap_or(&empty);
    let id = state.create(body, call.ids)?;
    Ok(Reply::json(StatusCode::CREATED, json!({ "id": id })))
}

/// `GET /api/providers/{id}`
pub fn get_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    Ok(Reply::json_of(
        StatusCode::OK,
        &state.view(call.param("id"))?,
    ))
}

/// `POST /api/providers/{id}`: 200 with no body, as documented.
pub fn update_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    let empty = Map::new();
    state.update(call.param("id"), body_object(call, &empty))?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /api/providers/{id}/status`
pub fn get_provider_status(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    let status = state.status(call.param("id"))?;
    Ok(Reply::json(StatusCode::OK, json!({ "status": status })))
}

/// `POST /api/providers/{id}/destroy`
pub fn destroy_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    state.destroy(call.param("id"))?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// `GET /api/providers/export`: every provider as a JSON file download.
pub fn export_providers(state: &mut PbxState, _call: &mut Call<'_>) -> Result {
    let body = serde_json::to_vec_pretty(&state.export()).unwrap_or_default();
    Ok(
        Reply::bytes(StatusCode::OK, "application/octet-stream", body).with_header(
            CONTENT_DISPOSITION,
            "attachment; filename=\"providers.json\"",
        ),
    )
}
