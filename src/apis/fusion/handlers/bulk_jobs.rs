//! The bulk PUTs (`.../trunkgroups/bulk`, `.../accesstrunks/bulk`, `.../peertrunks/bulk`) and the
//! tenant's bulk job histories (`.../trunkgroups/bulk_jobs`, ...).

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Result, known_query, page_request, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::bulk_filters::Filters;
use crate::apis::fusion::model::bulk_jobs::{self, BulkKind};
use crate::apis::fusion::model::paging::page_envelope;
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::{FusionState, Parents};
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

/// Seeded `ongoing` jobs start their run the first time a client reaches the bulk API.
fn start_seeded(state: &mut FusionState, call: &Call<'_>) {
    let duration = call.settings.bulk_duration_seconds.as_ms();
    for ti in 0..state.tenants.len() {
        let jobs = &mut state.tenants[ti].bulk_jobs;
        for id in bulk_jobs::start_seeded(jobs, call.now_ms, duration) {
            let due = Some(call.now_ms + duration.max(0));
            state.schedule_job(ti, id, due);
        }
    }
}

/// Records the job and answers its "process is started" code at once.
fn submit(state: &mut FusionState, call: &mut Call<'_>, kind: BulkKind) -> Result {
    start_seeded(state, call);
    // The contract requires `name` (a string) and `data` (an array of objects).
    let title = call
        .body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let items = call
        .body
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (key, parents) = (parent_key(call.params), parents(call));
    let cx = WriteContext::of(call);
    state.submit_bulk_job(key, parents, kind, title, items, cx)?;
    let (code, reason) = kind.started();
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "code": code, "reason": reason }),
    ))
}

/// `PUT .../trunkgroups/bulk` → 3077
pub fn bulk_trunk_groups(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    submit(state, call, BulkKind::TrunkGroups)
}

/// `PUT .../accesstrunks/bulk` → 3078
pub fn bulk_access_trunks(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    submit(state, call, BulkKind::AccessTrunks)
}

/// `PUT .../peertrunks/bulk` → 3079
pub fn bulk_peer_trunks(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    submit(state, call, BulkKind::PeerTrunks)
}

/// One kind's history for the path's tenant: newest first, searched, filtered, paged.
fn history(state: &mut FusionState, call: &mut Call<'_>, kind: BulkKind) -> Result {
    known_query(call)?;
    start_seeded(state, call);
    let instance = call.param("draas_instance");
    let tenant = call.param("uuid");
    let page = page_request(call)?;
    let filters =
        Filters::parse(call.raw_query.get_all("filters")).map_err(FusionError::Invalid)?;
    let known = state.tenant(instance, tenant);
    if known.is_none() && parents(call) == Parents::Strict {
        return Err(FusionError::TenantNotFound {
            draas_instance: instance.to_string(),
            uuid: tenant.to_string(),
        });
    }
    // Under `.../subscriptions/{subscription_id}/...` the history is that subscription's.
    let subscription = call
        .params
        .path_value("subscription_id")
        .map(|_| call.params.path_int("subscription_id"));
    if subscription.is_some() {
        state.subscription(parent_key(call.params), parents(call))?;
    }
    let jobs = known.map(|t| t.bulk_jobs.as_slice()).unwrap_or_default();
    let mut found = bulk_jobs::history(jobs, kind, call.query_str("search"), &filters);
    if let Some(id) = subscription {
        found.retain(|j| j.subscription_id == id);
    }
    if found.is_empty() && call.settings.empty_list_404 {
        return Err(FusionError::NoBulkHistory(kind.as_str()));
    }
    let items = found.into_iter().map(views::bulk_job).collect();
    Ok(Reply::json(
        StatusCode::OK,
        page_envelope(items, page, "bulks"),
    ))
}

/// `GET .../tenants/{uuid}/trunkgroups/bulk_jobs`
pub fn trunk_group_history(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    history(state, call, BulkKind::TrunkGroups)
}

/// `GET .../tenants/{uuid}/accesstrunks/bulk_jobs`
pub fn access_trunk_history(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    history(state, call, BulkKind::AccessTrunks)
}

/// `GET .../tenants/{uuid}/peertrunks/bulk_jobs`
pub fn peer_trunk_history(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    history(state, call, BulkKind::PeerTrunks)
}
