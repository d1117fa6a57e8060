//! The vendor's code and wording for an error a fault rule or `Prefer: code=N` injects: the
//! immediate trunking connectivity document's sub-errors (19 worded for numbers or prefixes as
//! the operation is, 46) and its 404 text; the trunk group document lists no error texts, so its
//! operations answer plain `details` sentences in the vendor's style.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::errors::SubCode;
use crate::engine::family::VendorError;

fn sub(code: SubCode) -> VendorError {
    VendorError {
        code: Some(json!(code.code())),
        message: code.message().to_string(),
    }
}

fn details(message: &str) -> VendorError {
    VendorError {
        code: None,
        message: message.to_string(),
    }
}

/// `None` for a code or status the documents do not word (the rule's own text stays).
pub fn vendor_error(
    operation_id: &str,
    status: StatusCode,
    code: Option<&Value>,
) -> Option<VendorError> {
    let connectivity = operation_id.contains("_itc_");
    let not_available = if operation_id.contains("prefixes") {
        SubCode::PrefixNotAvailable
    } else {
        SubCode::NumberRangeNotAvailable
    };
    if let Some(code) = code {
        return match code.as_i64() {
            Some(19) => Some(sub(not_available)),
            Some(46) => Some(sub(SubCode::NotAvailableInEnterpriseMode)),
            _ => None,
        };
    }
    let changes = operation_id.contains("_assign_") || operation_id.contains("_remove_");
    match status.as_u16() {
        400 if connectivity && changes => Some(sub(not_available)),
        400 if connectivity => Some(sub(SubCode::NotAvailableInEnterpriseMode)),
        400 => Some(details("Invalid data due to bad parameters.")),
        404 if connectivity => Some(details("Service is not assigned to this group.")),
        404 if matches!(
            operation_id,
            "apio_list_trunk_groups" | "apio_create_trunk_group"
        ) =>
        {
            Some(details("Group not found."))
        }
        404 => Some(details("Trunk group not found.")),
        _ => None,
    }
}
