//! One function per fusion operation, grouped by resource: read the call, ask the model,
//! answer. The helpers here read what every fusion path shares.

pub mod access_trunks;
pub mod bulk_jobs;
pub mod disaster_recovery;
pub mod numbers;
pub mod peer_trunks;
pub mod trunk_children;
pub mod trunk_groups;

use super::errors::FusionError;
use super::model::paging::{PageRequest, query_fingerprint};
use super::model::{ParentKey, Parents};
use crate::apis::fusion::Call;
use crate::engine::call::Params;
use crate::engine::reply::Reply;

pub type Result = std::result::Result<Reply, FusionError>;

/// The parents a path names, as the contract declared and converted them.
pub fn parent_key(params: &Params) -> ParentKey<'_> {
    ParentKey {
        draas_instance: params.path_str("draas_instance"),
        tenant: params.path_str("uuid"),
        subscription: params.path_int("subscription_id"),
    }
}

/// Strict parents unless the session's settings opt in to `any_parent`.
pub fn parents(call: &Call<'_>) -> Parents {
    if call.settings.any_parent {
        Parents::Lenient
    } else {
        Parents::Strict
    }
}

/// A list refuses a query parameter its contract does not declare (400, code 1000), so a typo
/// such as `?pagesize=5` is not silently ignored.
pub fn known_query(call: &Call<'_>) -> std::result::Result<(), FusionError> {
    let unknown = call
        .raw_query
        .0
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| call.params.query_value(name).is_none());
    match unknown {
        Some(name) => Err(FusionError::Invalid(format!(
            "unknown query parameter '{name}'"
        ))),
        None => Ok(()),
    }
}

/// `withStatus` given as `true`, `1` or without a value (`?withStatus`).
pub fn with_status(call: &Call<'_>) -> bool {
    call.query_bool("withStatus").unwrap_or(false)
}

/// The page a list call asks for: `page_size` (the contract has checked its range) and the
/// `next` token. Only a `page_size` the client wrote overrides the size a token remembers,
/// so its presence is read from the raw query rather than the defaulted value.
pub fn page_request(call: &Call<'_>) -> std::result::Result<PageRequest, FusionError> {
    let explicit = call
        .raw_query
        .contains("page_size")
        .then(|| call.query_int("page_size"))
        .flatten()
        .map(|n| n as usize);
    let query = query_fingerprint(
        call.raw_query
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    PageRequest::new(explicit, call.query_str("next"), query).map_err(FusionError::Invalid)
}
