//! One function per apio operation: read the call, ask the model, answer. Split like the
//! model: [`trunk_groups`] and [`connectivity`].

pub mod connectivity;
pub mod trunk_groups;

use serde_json::{Map, Value};

use crate::engine::call::Call;

/// The body as an object (the contract has already checked its shape).
fn body_object(call: &Call<'_>) -> Map<String, Value> {
    call.body.as_object().cloned().unwrap_or_default()
}

/// A boolean query parameter (the contract has already checked it reads as one).
fn query_flag(call: &Call<'_>, name: &str) -> Option<bool> {
    call.query.get(name).map(|v| matches!(v, "true" | "1" | ""))
}
