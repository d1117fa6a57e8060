//! Reading apio answers: what several apio test files look for in the same way.

use serde_json::Value;

use super::Resp;

/// The trunk group names of an apio trunk groups list answer, in order.
pub fn trunk_names(list: &Value) -> Vec<&str> {
    list["trunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

/// An apio URL without its trailing slash is a 404 whose details say so.
#[track_caller]
pub fn assert_refused_for_its_missing_slash(resp: &Resp) {
    resp.expect(404);
    assert!(
        resp.json["details"]
            .as_str()
            .unwrap()
            .ends_with("the URL must end with '/'"),
        "{}",
        resp.text()
    );
}
