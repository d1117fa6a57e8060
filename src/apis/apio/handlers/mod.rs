//! One function per apio operation: read the call, ask the model, answer. Split like the
//! model: [`trunk_groups`] and [`connectivity`].

pub mod connectivity;
pub mod trunk_groups;

use super::Call;
use super::errors::ApioError;

/// A list refuses a query parameter its contract does not declare (400 with `details`), so a
/// typo such as `?trunkingmode=teamsDR` is not silently ignored.
pub fn known_query(call: &Call<'_>) -> Result<(), ApioError> {
    let unknown = call
        .raw_query
        .0
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| call.params.query_value(name).is_none());
    match unknown {
        Some(name) => Err(ApioError::bad(format!("Unknown query parameter '{name}'."))),
        None => Ok(()),
    }
}
