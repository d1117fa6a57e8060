//! The vendor's code and wording for an error a fault rule (without its own `code`) or
//! `Prefer: code=N` injects: each operation's 404 says what the document's status table says
//! for it, with the code the fake itself answers for that case; 400, 403 and 500 use the
//! document's common wording. Nothing here mentions trunkmock's own settings.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::errors::Code;
use crate::engine::family::VendorError;

/// The 404 of each operation: the code the handler answers for a missing resource, and the
/// document's words for it.
fn not_found(operation_id: &str) -> (Code, &'static str) {
    const TRUNK_GROUP: &str =
        "No trunk group found for the specified subscription and trunk group index";
    const TRUNK_GROUP_OF_TENANT: &str =
        "No trunk group found for the specified subscription and tenant";
    match operation_id {
        "fusion_list_trunk_groups" => (
            Code::NoTrunkGroups,
            "No trunk group found for the specified subscription",
        ),
        "fusion_list_access_trunks"
        | "fusion_create_access_trunks"
        | "fusion_create_peer_trunk" => (Code::TrunkGroupNotFound, TRUNK_GROUP_OF_TENANT),
        "fusion_get_access_trunk" | "fusion_modify_access_trunk" | "fusion_delete_access_trunk" => {
            (
                Code::AccessTrunkNotFound,
                "No access trunk found for the specified trunk group, subscription and tenant",
            )
        }
        "fusion_list_peer_trunks" => (
            Code::TrunkGroupNotFound,
            "No peer trunk found for the specified subscription",
        ),
        "fusion_get_peer_trunk" | "fusion_modify_peer_trunk" | "fusion_delete_peer_trunk" => (
            Code::PeerTrunkNotFound,
            "No peer trunk found for the specified trunk group, subscription and tenant",
        ),
        "fusion_bulk_trunk_groups" | "fusion_bulk_access_trunks" | "fusion_bulk_peer_trunks" => (
            Code::TenantNotFound,
            "The path tenant / subscription doesn't exist",
        ),
        "fusion_list_trunk_group_bulk_jobs"
        | "fusion_list_access_trunk_bulk_jobs"
        | "fusion_list_peer_trunk_bulk_jobs"
        | "fusion_list_subscription_trunk_group_bulk_jobs"
        | "fusion_list_subscription_access_trunk_bulk_jobs"
        | "fusion_list_subscription_peer_trunk_bulk_jobs" => (
            Code::NoBulkHistory,
            "No bulk history found or the path tenant / subscription doesn't exist",
        ),
        _ => (Code::TrunkGroupNotFound, TRUNK_GROUP),
    }
}

/// `None` when the rule names its own code (it is answered as given) or for a status the
/// document does not list (the generic rendering stays).
pub fn vendor_error(
    operation_id: &str,
    status: StatusCode,
    code: Option<&Value>,
) -> Option<VendorError> {
    if code.is_some() {
        return None;
    }
    let (code, message) = match status.as_u16() {
        400 => (Code::InvalidRequest, "Error while processing the request"),
        403 => (
            Code::Forbidden,
            "The API consumer doesn't have sufficient rights to perform this action",
        ),
        404 => not_found(operation_id),
        500 => (Code::Internal, "Uncatched error on server side"),
        _ => return None,
    };
    Some(VendorError {
        code: Some(json!(code.number())),
        message: message.to_string(),
    })
}
