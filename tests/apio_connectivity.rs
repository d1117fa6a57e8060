//! The apio immediate trunking connectivity API (numbers and prefixes) over real HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const ITC: &str =
    "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity/";
const ENTERPRISE: &str =
    "/api/v1/tenant/ApioEntTest/group/ApioEntGrpTest/services/immediate_trunking_connectivity/";

fn at(what: &str) -> String {
    format!("{ITC}{what}/")
}

/// `(min, max)` of every range in a list answer.
fn ranges(list: &Value, key: &str) -> Vec<(String, String)> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["minPhoneNumber"].as_str().unwrap().to_string(),
                r["maxPhoneNumber"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn prefixes(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["prefix"].as_str().unwrap().to_string())
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

// The document's example request bodies, JSON as printed.
fn assign_numbers_example() -> Value {
    json!({"numbers": [{"minPhoneNumber": "+3225126999", "maxPhoneNumber": "+3225126999"}]})
}

fn remove_numbers_example() -> Value {
    json!({"numbers": [{"minPhoneNumber": "+3225126999"}]})
}

fn prefixes_example() -> Value {
    json!({"prefixes": [{"prefix": "+32-01"}, {"prefix": "+32-02"}]})
}

#[tokio::test]
async fn the_lists_show_the_seeded_ranges_and_prefixes() {
    let srv = TestServer::start().await;
    let mut answers = serde_json::Map::new();
    for what in [
        "numbers",
        "available_numbers",
        "prefixes",
        "available_prefixes",
    ] {
        let resp = srv.get(&at(what)).await;
        resp.expect(200);
        answers.insert(what.into(), resp.json);
    }
    insta::assert_json_snapshot!(answers);
}

#[tokio::test]
async fn the_documents_number_examples_assign_and_remove_a_whole_range() {
    let srv = TestServer::start().await;
    let assigned = srv.post(&at("numbers"), assign_numbers_example()).await;
    assigned.expect(201);
    assert_eq!(assigned.json, json!({}));
    let held = ranges(&srv.get(&at("numbers")).await.json, "numbers");
    assert!(held.contains(&pair("+3225126999", "+3225126999")));
    let free = ranges(
        &srv.get(&at("available_numbers")).await.json,
        "available_numbers",
    );
    assert!(!free.contains(&pair("+3225126999", "+3225126999")));

    let removed = srv
        .delete_with_body(&at("numbers"), remove_numbers_example())
        .await;
    removed.expect(200);
    assert_eq!(removed.json, json!({}));
    let held = ranges(&srv.get(&at("numbers")).await.json, "numbers");
    assert!(!held.contains(&pair("+3225126999", "+3225126999")));
    let free = ranges(
        &srv.get(&at("available_numbers")).await.json,
        "available_numbers",
    );
    assert_eq!(
        free[0],
        pair("+3225126999", "+3225126999"),
        "back, in number order"
    );
}

#[tokio::test]
async fn anything_but_exactly_an_available_range_is_refused_with_sub_error_19() {
    let srv = TestServer::start().await;
    let before = srv.get("/__admin/state").await.json;
    let resp = srv
        .post(
            &at("numbers"),
            json!({"numbers": [
                {"minPhoneNumber": "+3225127000", "maxPhoneNumber": "+3225127009"},
                {"minPhoneNumber": "+3225127000", "maxPhoneNumber": "+3225127004"},
                {"minPhoneNumber": "+3225127003", "maxPhoneNumber": "+3225127009"},
                {"minPhoneNumber": "+3299999999", "maxPhoneNumber": "+3299999999"},
                {"minPhoneNumber": "+3226127000", "maxPhoneNumber": "+3226127002"}
            ]}),
        )
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    // All or nothing: the valid first entry was not assigned either.
    assert_eq!(srv.get("/__admin/state").await.json, before);
}

#[tokio::test]
async fn the_same_range_twice_in_one_request_is_refused() {
    let srv = TestServer::start().await;
    let entry = json!({"minPhoneNumber": "+3225127000", "maxPhoneNumber": "+3225127009"});
    let resp = srv
        .post(&at("numbers"), json!({"numbers": [entry, entry]}))
        .await;
    resp.expect(400);
    assert_eq!(resp.json["errors"].as_array().unwrap().len(), 1);
    assert_eq!(resp.json["errors"][0]["code"], 19);
}

#[tokio::test]
async fn removing_anything_but_exactly_an_assigned_range_is_refused_with_sub_error_19() {
    let srv = TestServer::start().await;
    for entry in [
        json!({"minPhoneNumber": "+3226127001"}),
        json!({"minPhoneNumber": "+3226127000", "maxPhoneNumber": "+3226127001"}),
        json!({"minPhoneNumber": "+3225127000"}),
    ] {
        let resp = srv
            .delete_with_body(&at("numbers"), json!({"numbers": [entry]}))
            .await;
        resp.expect(400);
        assert_eq!(
            resp.json["errors"][0]["name"], "NOT_AVAILABLE_FOR_ASSIGNMENT",
            "{entry}"
        );
    }
    let whole = srv
        .delete_with_body(
            &at("numbers"),
            json!({"numbers": [
        {"minPhoneNumber": "+3226127000", "maxPhoneNumber": "+3226127002"}]}),
        )
        .await;
    whole.expect(200);
}

#[tokio::test]
async fn a_range_one_group_holds_is_not_available_to_another_group() {
    let srv = TestServer::start().await;
    let other =
        "/api/v1/tenant/footenant/group/othergroup/services/immediate_trunking_connectivity/";
    srv.post(&at("numbers"), assign_numbers_example())
        .await
        .expect(201);
    let resp = srv
        .post(&format!("{other}numbers/"), assign_numbers_example())
        .await;
    resp.expect(400);
    assert_eq!(resp.json["errors"][0]["code"], 19);
    // Nor can the other group remove it.
    let resp = srv
        .delete_with_body(&format!("{other}numbers/"), remove_numbers_example())
        .await;
    resp.expect(400);
    let available = srv.get(&format!("{other}available_numbers/")).await;
    assert!(
        !ranges(&available.json, "available_numbers").contains(&pair("+3225126999", "+3225126999"))
    );
}

#[tokio::test]
async fn the_documents_prefix_examples_assign_then_remove_prefixes() {
    let srv = TestServer::start().await;
    // The seed keeps both example prefixes available, so the examples replay in the document's
    // order: assign, then remove.
    assert_eq!(
        prefixes(&srv.get(&at("prefixes")).await.json, "prefixes"),
        ["+32-05", "+32-06"]
    );
    let assigned = srv.post(&at("prefixes"), prefixes_example()).await;
    assigned.expect(201);
    assert_eq!(assigned.json, json!({}));
    assert_eq!(
        prefixes(&srv.get(&at("prefixes")).await.json, "prefixes"),
        ["+32-01", "+32-02", "+32-05", "+32-06"]
    );
    assert_eq!(
        prefixes(
            &srv.get(&at("available_prefixes")).await.json,
            "available_prefixes"
        ),
        ["+32-03", "+32-04"]
    );
    // Assigned twice: the second time they are no longer available.
    let refused = srv.post(&at("prefixes"), prefixes_example()).await;
    refused.expect(400);
    insta::assert_json_snapshot!("prefixes_already_assigned", refused.json);

    srv.delete_with_body(&at("prefixes"), prefixes_example())
        .await
        .expect(200);
    assert_eq!(
        prefixes(&srv.get(&at("prefixes")).await.json, "prefixes"),
        ["+32-05", "+32-06"]
    );
    assert_eq!(
        prefixes(
            &srv.get(&at("available_prefixes")).await.json,
            "available_prefixes"
        ),
        ["+32-01", "+32-02", "+32-03", "+32-04"]
    );
}

#[tokio::test]
async fn an_unknown_prefix_is_refused_with_the_prefix_wording_of_sub_error_19() {
    let srv = TestServer::start().await;
    let add = srv
        .post(&at("prefixes"), json!({"prefixes": [{"prefix": "+32-99"}]}))
        .await;
    add.expect(400);
    let remove = srv
        .delete_with_body(&at("prefixes"), json!({"prefixes": [{"prefix": "+32-03"}]}))
        .await;
    remove.expect(400);
    insta::assert_json_snapshot!([add.json, remove.json]);
}

#[tokio::test]
async fn every_operation_answers_sub_error_46_for_an_enterprise_tenant() {
    let srv = TestServer::start().await;
    let calls = [
        (Method::GET, "numbers/", Value::Null),
        (
            Method::POST,
            "numbers/",
            json!({"numbers": [{"minPhoneNumber": "+3227000000"}]}),
        ),
        (
            Method::DELETE,
            "numbers/",
            json!({"numbers": [{"minPhoneNumber": "+3227000000"}]}),
        ),
        (Method::GET, "available_numbers/", Value::Null),
        (Method::GET, "prefixes/", Value::Null),
        (Method::POST, "prefixes/", prefixes_example()),
        (Method::DELETE, "prefixes/", prefixes_example()),
        (Method::GET, "available_prefixes/", Value::Null),
    ];
    for (method, what, body) in calls {
        let mut req = srv.req(method.clone(), &format!("{ENTERPRISE}{what}"));
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await;
        resp.expect(400);
        assert_eq!(
            resp.json,
            json!({"errors": [{"code": 46, "name": "NOT_AVAILABLE_IN_ENTERPRISE_MODE",
                "message": "This API is not available in Enterprise Mode.",
                "detail": "tenant ApioEntTest is an Enterprise"}]}),
            "{method} {what}"
        );
    }
}

#[tokio::test]
async fn a_group_without_the_service_is_404() {
    let srv = TestServer::start().await;
    let plain =
        "/api/v1/tenant/footenant/group/plaingroup/services/immediate_trunking_connectivity/";
    let resp = srv.get(&format!("{plain}numbers/")).await;
    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
    srv.post(
        &format!("{plain}prefixes/"),
        json!({"prefixes": [{"prefix": "+32-03"}]}),
    )
    .await
    .expect(404);
    srv.get(&format!("{plain}available_prefixes/"))
        .await
        .expect(404);
}

#[tokio::test]
async fn an_unknown_tenant_or_group_is_404() {
    let srv = TestServer::start().await;
    for path in [
        "/api/v1/tenant/nobody/group/foogroup/services/immediate_trunking_connectivity/numbers/",
        "/api/v1/tenant/footenant/group/nogroup/services/immediate_trunking_connectivity/prefixes/",
    ] {
        let resp = srv.get(path).await;
        resp.expect(404);
        assert!(resp.json["details"].as_str().unwrap().contains("not found"));
    }
}

#[tokio::test]
async fn a_connectivity_url_without_its_trailing_slash_is_404_saying_so() {
    let srv = TestServer::start().await;
    let resp = srv.get(&format!("{ITC}numbers")).await;
    common::apio::assert_refused_for_its_missing_slash(&resp);
}

#[tokio::test]
async fn a_body_without_entries_or_with_a_bad_number_is_refused_by_the_contract() {
    let srv = TestServer::start().await;
    for body in [
        json!({"numbers": []}),
        json!({"numbers": [{"maxPhoneNumber": "+3225126999"}]}),
        json!({"numbers": [{"minPhoneNumber": "not a number"}]}),
        json!({"prefixes": [{"prefix": "+32-03"}]}),
    ] {
        let resp = srv.post(&at("numbers"), body.clone()).await;
        resp.expect(400);
        assert!(resp.json["fields"].is_object(), "{body}: {}", resp.json);
    }
}

#[tokio::test]
async fn sessions_hold_their_own_assignments() {
    let srv = TestServer::start().await;
    srv.req(Method::POST, &at("numbers"))
        .session("a")
        .json(&assign_numbers_example())
        .send()
        .await
        .expect(201);
    let in_b = srv
        .req(Method::GET, &at("numbers"))
        .session("b")
        .send()
        .await;
    assert!(!ranges(&in_b.json, "numbers").contains(&pair("+3225126999", "+3225126999")));
    let in_a = srv
        .req(Method::GET, &at("numbers"))
        .session("a")
        .send()
        .await;
    assert!(ranges(&in_a.json, "numbers").contains(&pair("+3225126999", "+3225126999")));
}

#[tokio::test]
async fn an_entry_given_twice_in_one_call_says_so() {
    let srv = TestServer::start().await;
    let twice = json!({"prefixes": [{"prefix": "+32-01"}, {"prefix": "+32-01"}]});
    let resp = srv.post(&at("prefixes"), twice).await;
    resp.expect(400);
    assert_eq!(
        resp.json["errors"][0]["detail"],
        "+32-01 is given twice in this request"
    );
    assert_eq!(resp.json["errors"].as_array().unwrap().len(), 1);
    // All or nothing: the first one was not assigned either.
    let available = srv.get(&at("available_prefixes")).await;
    assert!(available.text().contains("+32-01"));
}
