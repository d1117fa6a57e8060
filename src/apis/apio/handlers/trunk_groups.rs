//! Group trunk groups and their backup view.

use hyper::StatusCode;
use serde_json::json;

use super::{body_object, query_flag};
use crate::apis::apio::errors::ApioError;
use crate::apis::apio::model::ApioState;
use crate::apis::apio::model::trunk_groups::{DeleteOptions, WriteRules};
use crate::engine::call::Call;
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, ApioError>;

/// Setting `apio.backward_trunkgroup_limitcalls` (default true): the vendor's
/// `BACKWARD_TRUNKGROUP_LIMITCALLS` behaviour.
pub const BACKWARD_LIMIT_CALLS: &str = "apio.backward_trunkgroup_limitcalls";

/// Setting `apio.teams_config.dr_sbc_device` (default `SBC-team`, the document's example; `null`
/// turns it off): the vendor's `TEAMS_CONFIG.DR_SBC_DEVICE`.
pub const TEAMS_SBC_DEVICE: &str = "apio.teams_config.dr_sbc_device";

fn rules(call: &Call<'_>) -> WriteRules {
    WriteRules {
        backward_limit_calls: call.settings.bool_or(BACKWARD_LIMIT_CALLS, true),
        teams_sbc_device: match call.settings.get(TEAMS_SBC_DEVICE) {
            Some(v) => v.as_str().map(String::from),
            None => Some("SBC-team".to_string()),
        },
    }
}

/// `GET .../trunk_groups/`
pub fn list(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let body = state.list_trunk_groups(
        call.param("tenant_id"),
        call.param("group_id"),
        call.query.get("trunkingMode"),
        query_flag(call, "includeEnterpriseTrunkGroups").unwrap_or(false),
    )?;
    Ok(Reply::json(StatusCode::OK, body))
}

/// `POST .../trunk_groups/`: 201 with the trunk group as GET shows it.
pub fn create(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let rules = rules(call);
    let body = body_object(call);
    let (t, g) = (
        call.param("tenant_id").to_string(),
        call.param("group_id").to_string(),
    );
    let created = state.create_trunk_group(&t, &g, &body, rules, call.ids)?;
    Ok(Reply::json(StatusCode::CREATED, created))
}

/// `GET .../trunk_groups/{instance_name}/`
pub fn get(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let tg = state.trunk_group(
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
    )?;
    Ok(Reply::json(StatusCode::OK, tg))
}

/// `PUT .../trunk_groups/{instance_name}/`: 200 with the updated trunk group.
pub fn update(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let tg = state.update_trunk_group(
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
        &body_object(call),
        rules(call),
    )?;
    Ok(Reply::json(StatusCode::OK, tg))
}

/// `DELETE .../trunk_groups/{instance_name}/`: the options come from the JSON body, then the
/// query, then the scenario settings `apio.trunk_group.*` (the vendor's `TRUNK_GROUP`).
pub fn delete(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let body = body_object(call);
    let option = |names: &[&str], setting: &str| {
        names
            .iter()
            .find_map(|n| body.get(*n).and_then(serde_json::Value::as_bool))
            .or_else(|| names.iter().find_map(|n| query_flag(call, n)))
            .unwrap_or_else(|| call.settings.bool_or(setting, false))
    };
    let opts = DeleteOptions {
        on_cascade: option(&["on_cascade"], "apio.trunk_group.on_cascade"),
        keep_device: option(&["keep_device"], "apio.trunk_group.keep_device"),
        keep_numbers: option(
            &["keep_numbers", "keep_number"],
            "apio.trunk_group.keep_numbers",
        ),
    };
    state.delete_trunk_group(
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
        opts,
    )?;
    Ok(Reply::json(StatusCode::OK, json!({})))
}

/// `GET .../trunk_groups/{instance_name}/backup/`
pub fn get_backup(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let backup = state.backup(
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
    )?;
    Ok(Reply::json(StatusCode::OK, backup))
}

/// `PUT .../trunk_groups/{instance_name}/backup/`: 200 with the backup details.
pub fn update_backup(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let backup = state.update_backup(
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
        &body_object(call),
    )?;
    Ok(Reply::json(StatusCode::OK, backup))
}
