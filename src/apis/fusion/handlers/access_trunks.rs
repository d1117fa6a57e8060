//! `/trunkgroups/{trunkgroup_id}/access_trunks` and `.../access_trunks/{id}`. Get, modify and
//! delete are the shared ones of `trunk_children`; the list searches and sorts, and a create
//! makes one access trunk per POP.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::trunk_children::{self as children, ChildResource};
use super::{Result, page_request, parent_key, parents};
use crate::apis::fusion::Call;
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::model::access_trunks::{self, AccessTrunk, AccessTrunkInput};
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::trunk_groups::TrunkGroup;
use crate::apis::fusion::model::{FusionState, ParentKey, Parents};
use crate::apis::fusion::views;
use crate::engine::reply::Reply;

impl ChildResource for AccessTrunk {
    type Body = AccessTrunkInput;
    const LIST_KEY: &'static str = "accessTrunks";
    const STATUS_ON_REQUEST: bool = true;

    fn body(call: &Call<'_>) -> std::result::Result<AccessTrunkInput, FusionError> {
        AccessTrunkInput::from_json(call.body)
    }

    fn modify(
        state: &mut FusionState,
        (key, parents, tg_id): (ParentKey<'_>, Parents, i64),
        id: i64,
        body: &AccessTrunkInput,
        cx: WriteContext<'_>,
    ) -> std::result::Result<(), FusionError> {
        state.modify_access_trunk(key, parents, tg_id, id, body, cx)
    }

    fn view(state: &FusionState, _: &TrunkGroup, at: &AccessTrunk, with_status: bool) -> Value {
        views::access_trunk(at, &state.pops, with_status)
    }
}

/// `GET .../access_trunks`: searched, sorted and paged.
pub fn list(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    super::known_query(call)?;
    let tg_id = call.param_int("trunkgroup_id");
    let tg = state.trunk_group(parent_key(call.params), parents(call), tg_id)?;
    let page = page_request(call)?;
    let needle = call
        .query_str("search")
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let mut found: Vec<&AccessTrunk> = tg
        .access_trunks
        .iter()
        .filter(|a| needle.as_deref().is_none_or(|n| a.matches_search(n)))
        .collect();
    let descending = call
        .query_str("dir")
        .is_some_and(|d| d.eq_ignore_ascii_case("desc"));
    access_trunks::sort(&mut found, call.query_str("sort"), descending)?;
    children::list_page(state, call, tg, page, found)
}

/// `GET .../access_trunks/{id}`
pub fn get(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::get::<AccessTrunk>(state, call)
}

/// `POST .../access_trunks`: 200 `{"accessTrunks": [...]}`, one per POP.
pub fn create(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    let tg_id = call.param_int("trunkgroup_id");
    let input = AccessTrunk::body(call)?;
    let (key, parents) = (parent_key(call.params), parents(call));
    let ids = state.create_access_trunks(key, parents, tg_id, &input, WriteContext::of(call))?;
    let tg = state.trunk_group(key, parents, tg_id)?;
    let created: Vec<Value> = tg
        .access_trunks
        .iter()
        .filter(|a| ids.contains(&a.id))
        .map(|a| views::access_trunk(a, &state.pops, false))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "accessTrunks": created }),
    ))
}

/// `PUT .../access_trunks/{id}`: 200 with the access trunk.
pub fn modify(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::modify::<AccessTrunk>(state, call)
}

/// `DELETE .../access_trunks/{id}`: 204, no body.
pub fn delete(state: &mut FusionState, call: &mut Call<'_>) -> Result {
    children::delete::<AccessTrunk>(state, call)
}
