//! Immediate trunking connectivity: the same four operations for number ranges and for
//! prefixes, written once over the kind ([`Numbers`] or [`Prefixes`], see
//! [`ItcKind`](crate::apis::apio::model::itc_kinds::ItcKind)); the handler table names each
//! instance.

use std::collections::HashMap;

use hyper::StatusCode;
use serde_json::json;

use crate::apis::apio::Call;
use crate::apis::apio::errors::ApioError;
use crate::apis::apio::model::ApioState;
use crate::apis::apio::views::{self, ItcView};
use crate::engine::reply::Reply;

pub use crate::apis::apio::model::itc_kinds::{Numbers, Prefixes};

type Result = std::result::Result<Reply, ApioError>;

fn ids<'a>(call: &'a Call<'_>) -> (&'a str, &'a str) {
    (call.param("tenant_id"), call.param("group_id"))
}

/// The entries of an assign or remove body: `{"numbers": [...]}` or `{"prefixes": [...]}`
/// (the contract allows that one key only, with at least one entry).
fn wanted<K: ItcView>(call: &Call<'_>) -> std::result::Result<Vec<K::Wanted>, ApioError> {
    let mut body: HashMap<String, Vec<K::Wanted>> = call.body_as()?;
    Ok(body.remove(K::KEY).unwrap_or_default())
}

/// `GET .../numbers/` or `.../prefixes/`: what the group holds.
pub fn list<K: ItcView>(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let (t, g) = ids(call);
    let held = state.itc_held::<K>(t, g)?;
    Ok(Reply::json(StatusCode::OK, views::itc_held::<K>(g, held)))
}

/// `GET .../available_numbers/` or `.../available_prefixes/`: what the tenant still offers.
pub fn available<K: ItcView>(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let (t, g) = ids(call);
    let free = state.itc_available::<K>(t, g)?;
    Ok(Reply::json(StatusCode::OK, views::itc_available::<K>(free)))
}

/// `POST`: 201 `{}` as documented.
pub fn assign<K: ItcView>(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = wanted::<K>(call)?;
    let (t, g) = ids(call);
    state.assign_itc::<K>(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::CREATED, json!({})))
}

/// `DELETE`: 200 `{}` as documented.
pub fn remove<K: ItcView>(state: &mut ApioState, call: &mut Call<'_>) -> Result {
    let wanted = wanted::<K>(call)?;
    let (t, g) = ids(call);
    state.remove_itc::<K>(t, g, &wanted)?;
    Ok(Reply::json(StatusCode::OK, json!({})))
}
