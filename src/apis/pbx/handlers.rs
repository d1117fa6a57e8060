//! One function per PBX operation: read the call, ask the model, answer.

use hyper::StatusCode;
use hyper::header::CONTENT_DISPOSITION;
use serde_json::{Map, json};

use super::Call;
use super::errors::PbxError;
use super::model::{ListQuery, PbxState};
use super::views::{Page, PublicView, SummaryView};
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, PbxError>;

/// The query parameters `GET /api/providers` reads.
const LIST_QUERY: &[&str] = &["filter", "search", "orderby", "skip", "top"];

/// Refuses query parameters the operation does not read, each named: the real server is
/// strict, and a silently ignored `$filter` (OData's spelling) or `colour` would hand back
/// the whole list as if it had been filtered.
fn only_query(call: &Call<'_>, known: &[&str]) -> std::result::Result<(), PbxError> {
    let mut detail = Map::new();
    for (name, _) in &call.raw_query.0 {
        if known.contains(&name.as_str()) || detail.contains_key(name) {
            continue;
        }
        let hint = match name.strip_prefix('$') {
            Some(bare) if known.contains(&bare) => {
                format!("is not a query parameter; this API spells it '{bare}', without '$'")
            }
            _ if known.is_empty() => "is not a query parameter; this operation takes none".into(),
            _ => format!(
                "is not a query parameter; this operation takes {}",
                known.join(", ")
            ),
        };
        detail.insert(name.clone(), hint.into());
    }
    if detail.is_empty() {
        Ok(())
    } else {
        Err(PbxError::Validation(detail.into()))
    }
}

/// `GET /api/providers`
pub fn list_providers(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, LIST_QUERY)?;
    // The contract has checked skip ≥ 0 and top in 1..=100, and gives their defaults.
    let count = |name: &str| call.query_int(name).map_or(0, |n| n as usize);
    let q = ListQuery {
        filter: call.query_str("filter"),
        search: call.query_str("search"),
        orderby: call.query_str("orderby"),
        skip: count("skip"),
        top: count("top"),
    };
    let (count, found) = state.list(&q)?;
    let items = found.into_iter().map(SummaryView).collect();
    Ok(Reply::json_of(StatusCode::OK, &Page { count, items }))
}

/// `POST /api/providers`
pub fn create_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    // `call.body` is a shared reference of its own: borrow it apart from `call.ids`.
    let empty = Map::new();
    let body = call.body.as_object().unwrap_or(&empty);
    let id = state.create(body, call.ids, call.settings.max_providers)?;
    Ok(Reply::json(StatusCode::CREATED, json!({ "id": id })))
}

/// `GET /api/providers/{id}`
pub fn get_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    Ok(Reply::json_of(
        StatusCode::OK,
        &PublicView(state.view(call.param("id"))?),
    ))
}

/// `POST /api/providers/{id}`: 200 with no body, as documented.
pub fn update_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    state.update(call.param("id"), call.body_object())?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /api/providers/{id}/status`
pub fn get_provider_status(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    let status = state.status(call.param("id"))?;
    Ok(Reply::json(StatusCode::OK, json!({ "status": status })))
}

/// `POST /api/providers/{id}/destroy`
pub fn destroy_provider(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    state.destroy(call.param("id"))?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// `GET /api/providers/export`: every provider as a JSON file download.
pub fn export_providers(state: &mut PbxState, call: &mut Call<'_>) -> Result {
    only_query(call, &[])?;
    let all: Vec<PublicView> = state.export().into_iter().map(PublicView).collect();
    let body = serde_json::to_vec_pretty(&all).unwrap_or_default();
    Ok(
        Reply::bytes(StatusCode::OK, "application/octet-stream", body).with_header(
            CONTENT_DISPOSITION,
            "attachment; filename=\"providers.json\"",
        ),
    )
}
