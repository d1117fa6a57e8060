//! Group trunk groups and their backup view.

use hyper::StatusCode;
use serde_json::json;

use crate::apis::apio::Call;
use crate::apis::apio::errors::ApioError;
use crate::apis::apio::model::ApioState;
use crate::apis::apio::model::trunk_groups::{DeleteOptions, WriteRules};
use crate::apis::apio::views;
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, ApioError>;

fn rules(call: &Call<'_>) -> WriteRules {
    WriteRules {
        backward_limit_calls: call.settings.backward_trunkgroup_limitcalls,
        teams_sbc_device: call.settings.teams_config.dr_sbc_device.clone(),
        max_trunk_groups_per_group: call.settings.max_trunk_groups_per_group,
        max_items_per_group: call.settings.max_items_per_group,
    }
}

/// The tenant, group and trunk group an instance URL names.
fn instance<'a>(call: &'a Call<'_>) -> (&'a str, &'a str, &'a str) {
    (
        call.param("tenant_id"),
        call.param("group_id"),
        call.param("instance_name"),
    )
}

/// `GET .../trunk_groups/`
pub fn list(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    // The filters come in the query or, as the document shows them, in a JSON body.
    let body = call.body_object();
    let mode = call
        .query_str("trunkingMode")
        .or_else(|| body.get("trunkingMode").and_then(serde_json::Value::as_str));
    let enterprise = call
        .query_bool("includeEnterpriseTrunkGroups")
        .or_else(|| {
            body.get("includeEnterpriseTrunkGroups")
                .and_then(serde_json::Value::as_bool)
        })
        .unwrap_or(false);
    let trunks = state.list_trunk_groups(
        call.param("tenant_id"),
        call.param("group_id"),
        mode,
        enterprise,
    )?;
    let tenant = call.param("tenant_id");
    Ok(Reply::json(
        StatusCode::OK,
        views::trunk_group_list(tenant, trunks),
    ))
}

/// `POST .../trunk_groups/`: 201 with the trunk group as GET shows it.
pub fn create(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let rules = rules(call);
    // Cloned: the body is read while `call.ids` is lent out mutably.
    let body = call.body_object().clone();
    let (t, g) = (
        call.param("tenant_id").to_string(),
        call.param("group_id").to_string(),
    );
    let (group, created) = state.create_trunk_group(&t, &g, &body, rules, call.ids)?;
    Ok(Reply::json(
        StatusCode::CREATED,
        views::trunk_group(group, created),
    ))
}

/// `GET .../trunk_groups/{instance_name}/`
pub fn get(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g, name) = instance(call);
    let (group, tg) = state.trunk_group(t, g, name)?;
    Ok(Reply::json(StatusCode::OK, views::trunk_group(group, tg)))
}

/// `PUT .../trunk_groups/{instance_name}/`: 200 with the updated trunk group.
pub fn update(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g, name) = instance(call);
    let (group, tg) = state.update_trunk_group(t, g, name, call.body_object(), rules(call))?;
    Ok(Reply::json(StatusCode::OK, views::trunk_group(group, tg)))
}

/// `DELETE .../trunk_groups/{instance_name}/`: the options come from the JSON body, then the
/// query, then the scenario settings `apio.trunk_group.*` (the vendor's `TRUNK_GROUP`).
pub fn delete(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let body = call.body_object();
    let option = |names: &[&str], default: bool| {
        names
            .iter()
            .find_map(|n| body.get(*n).and_then(serde_json::Value::as_bool))
            .or_else(|| names.iter().find_map(|n| call.query_bool(n)))
            .unwrap_or(default)
    };
    let defaults = &call.settings.trunk_group;
    let opts = DeleteOptions {
        on_cascade: option(&["on_cascade"], defaults.on_cascade),
        keep_device: option(&["keep_device"], defaults.keep_device),
        keep_numbers: option(&["keep_numbers", "keep_number"], defaults.keep_numbers),
    };
    let (t, g, name) = instance(call);
    state.delete_trunk_group(t, g, name, opts)?;
    Ok(Reply::json(StatusCode::OK, json!({})))
}

/// `GET .../trunk_groups/{instance_name}/backup/`
pub fn get_backup(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g, name) = instance(call);
    let tg = state.backup(t, g, name)?;
    Ok(Reply::json(StatusCode::OK, views::backup(tg)))
}

/// `PUT .../trunk_groups/{instance_name}/backup/`: 200 with the backup details.
pub fn update_backup(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let (t, g, name) = instance(call);
    let tg = state.update_backup(t, g, name, call.body_object(), rules(call))?;
    Ok(Reply::json(StatusCode::OK, views::backup(tg)))
}
