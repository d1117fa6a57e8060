//! One function per fusion operation, grouped by resource: read the call, ask the model,
//! answer. The helpers here read what every fusion path shares.

pub mod access_trunks;
pub mod bulk_jobs;
pub mod disaster_recovery;
pub mod numbers;
pub mod peer_trunks;
pub mod trunk_groups;

use serde::de::DeserializeOwned;

use super::errors::FusionError;
use super::model::{ParentKey, Parents};
use crate::engine::call::{Call, Pairs};
use crate::engine::reply::Reply;

pub type Result = std::result::Result<Reply, FusionError>;

/// The settings key that makes only the scenario's tenants and subscriptions exist.
pub const STRICT_PARENTS_SETTING: &str = "fusion.strict_parents";

/// The parents a path names. The contract has checked `subscription_id` is an integer.
pub fn parent_key(params: &Pairs) -> ParentKey<'_> {
    ParentKey {
        draas_instance: params.get("draas_instance").unwrap_or_default(),
        tenant: params.get("uuid").unwrap_or_default(),
        subscription: params
            .get("subscription_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or_default(),
    }
}

/// Strict or lenient parents, from the session's settings.
pub fn parents(call: &Call<'_>) -> Parents {
    if call.settings.bool_or(STRICT_PARENTS_SETTING, false) {
        Parents::Strict
    } else {
        Parents::Lenient
    }
}

/// An integer path parameter (`id`, `trunkgroup_id`), checked by the contract.
pub fn id_param(call: &Call<'_>, name: &str) -> i64 {
    call.param(name).parse().unwrap_or_default()
}

/// `withStatus` given as `true`, `1` or without a value (`?withStatus`).
pub fn with_status(call: &Call<'_>) -> bool {
    call.query
        .get("withStatus")
        .is_some_and(|v| matches!(v, "" | "true" | "1"))
}

/// The JSON body as the write type (the contract has checked its shape already).
pub fn body<T: DeserializeOwned + Default>(call: &Call<'_>) -> std::result::Result<T, FusionError> {
    if call.body.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(call.body.clone())
        .map_err(|e| FusionError::Invalid(format!("request body: {e}")))
}
