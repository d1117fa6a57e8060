//! `/trunkgroups/{trunkgroup_id}/numbers`.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::model::FusionState;
use crate::apis::fusion::model::numbers::AddOutcome;
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

/// `GET .../numbers`
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let id = call.param_int("trunkgroup_id");
    let tg = state.trunk_group(parent_key(call.params), parents(call), id)?;
    let numbers: Vec<Value> = tg.numbers.iter().map(views::number).collect();
    Ok(Reply::json(StatusCode::OK, json!({ "numbers": numbers })))
}

/// The add body. `countryCode` is checked by the contract and changes nothing: numbers must
/// already be E.164, so it is not read here.
#[derive(Debug, Default, Deserialize)]
struct AddNumbers {
    numbers: Vec<String>,
}

/// `POST .../numbers`: 200 with the numbers added and those refused (with why).
pub fn add(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let req: AddNumbers = call.body_as()?;
    let id = call.param_int("trunkgroup_id");
    let outcomes = state.add_numbers(
        parent_key(call.params),
        parents(call),
        id,
        &req.numbers,
        call.settings.max_numbers_per_trunk_group,
    )?;
    let mut added = Vec::new();
    let mut refused = Vec::new();
    for o in outcomes {
        match o {
            AddOutcome::Added(n) => added.push(views::number(&n)),
            AddOutcome::Refused { number, reason } => {
                refused.push(json!({ "number": number, "reason": reason }))
            }
        }
    }
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "numbers": added, "refused": refused }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveNumbers {
    connection_ids: Vec<i64>,
}

/// `DELETE .../numbers`: 204, no body.
pub fn remove(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let req: RemoveNumbers = call.body_as()?;
    let id = call.param_int("trunkgroup_id");
    state.remove_numbers(
        parent_key(call.params),
        parents(call),
        id,
        &req.connection_ids,
    )?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}
