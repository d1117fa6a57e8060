//! Immediate trunking connectivity numbers and prefixes.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::apis::apio::Call;
use crate::apis::apio::errors::ApioError;
use crate::apis::apio::model::ApioState;
use crate::apis::apio::model::connectivity::RangeRequest;
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, ApioError>;

fn ids<'a>(call: &'a Call<'_>) -> (&'a str, &'a str) {
    (call.param("tenant_id"), call.param("group_id"))
}

/// The `numbers` entries of the body (the contract guarantees `minPhoneNumber`).
fn ranges(call: &Call<'_>) -> Vec<RangeRequest> {
    call.body_object()
        .get("numbers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| RangeRequest {
                    min: e["minPhoneNumber"].as_str().unwrap_or_default().to_string(),
                    max: e["maxPhoneNumber"].as_str().map(String::from),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `prefixes` entries of the body.
fn prefixes(call: &Call<'_>) -> Vec<String> {
    call.body_object()
        .get("prefixes")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| e["prefix"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub fn list_numbers(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g) = ids(call);
    Ok(Reply::json(StatusCode::OK, state.itc_numbers(t, g)?))
}

pub fn available_numbers(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g) = ids(call);
    Ok(Reply::json(
        StatusCode::OK,
        state.itc_available_numbers(t, g)?,
    ))
}

/// 201 `{}` as documented.
pub fn assign_numbers(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = ranges(call);
    let (t, g) = ids(call);
    state.assign_itc_numbers(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::CREATED, json!({})))
}

/// 200 `{}` as documented.
pub fn remove_numbers(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = ranges(call);
    let (t, g) = ids(call);
    state.remove_itc_numbers(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::OK, json!({})))
}

pub fn list_prefixes(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g) = ids(call);
    Ok(Reply::json(StatusCode::OK, state.itc_prefixes(t, g)?))
}

pub fn available_prefixes(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g) = ids(call);
    Ok(Reply::json(
        StatusCode::OK,
        state.itc_available_prefixes(t, g)?,
    ))
}

pub fn assign_prefixes(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = prefixes(call);
    let (t, g) = ids(call);
    state.assign_itc_prefixes(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::CREATED, json!({})))
}

pub fn remove_prefixes(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = prefixes(call);
    let (t, g) = ids(call);
    state.remove_itc_prefixes(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::OK, json!({})))
}
