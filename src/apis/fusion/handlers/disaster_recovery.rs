//! `/trunkgroups/{id}/disaster_recovery`, `.../status` and `.../toggle`.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Result, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::model::FusionState;
use crate::apis::fusion::model::disaster_recovery::Plan;
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

#[derive(Debug, Default, Deserialize)]
struct Plans {
    plans: Vec<Plan>,
}

/// `PUT .../disaster_recovery`: 200 with one result per plan.
pub fn set_plans(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let req: Plans = call.body_as()?;
    let id = call.param_int("id");
    let results =
        state.set_disaster_recovery_plans(parent_key(call.params), parents(call), id, req.plans)?;
    let results: Vec<Value> = results.iter().map(views::plan_result).collect();
    Ok(Reply::json(StatusCode::OK, json!({ "results": results })))
}

#[derive(Debug, Default, Deserialize)]
struct Status {
    status: bool,
}

/// `PUT .../disaster_recovery/status`
pub fn set_status(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let req: Status = call.body_as()?;
    let id = call.param_int("id");
    let status = state.set_disaster_recovery_status(
        parent_key(call.params),
        parents(call),
        id,
        Some(req.status),
    )?;
    Ok(Reply::json(StatusCode::OK, json!({ "status": status })))
}

/// `PUT .../disaster_recovery/toggle`
pub fn toggle(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let id = call.param_int("id");
    let status =
        state.set_disaster_recovery_status(parent_key(call.params), parents(call), id, None)?;
    Ok(Reply::json(StatusCode::OK, json!({ "status": status })))
}
