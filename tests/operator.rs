//! The operator family (JSON:API 1.0 incoming trunks and customers) over real HTTP.
//!
//! Besides the contract check every `send()` makes, each response body here is validated
//! against the official JSON:API 1.0 response schema, and each create/update document sent is
//! validated against the official request schemas (tests/data/jsonapi/).

mod common;

use std::sync::OnceLock;

use common::{Resp, TestServer};
use jsonschema::Validator;
use reqwest::Method;
use serde_json::{Value, json};

const TRUNKS: &str = "/api/rest/public/operator/incoming_trunks";
const CUSTOMERS: &str = "/api/rest/public/operator/customers";
const MEDIA_TYPE: &str = "application/vnd.api+json";
/// The base URL the vendor's examples use; tests set it so bodies match the document.
const VENDOR_BASE: &str = "https://api.telecom.center";
const PATCHED_ID: &str = "960bb5a5-8416-43eb-b55f-b6ce9d984350";

// ---------------------------------------------------------------------------------------------
// JSON:API schema checks

struct JsonApiSchemas {
    response: Validator,
    create: Validator,
    update: Validator,
}

fn schemas() -> &'static JsonApiSchemas {
    static SCHEMAS: OnceLock<JsonApiSchemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let load = |name: &str| -> Value {
            let path = common::repo().join("tests/data/jsonapi").join(name);
            serde_json::from_slice(&std::fs::read(&path).expect("schema file"))
                .expect("schema JSON")
        };
        let base = load("schema-1.0.json");
        let id = base["$id"].as_str().expect("$id").to_string();
        let registry = jsonschema::Registry::new()
            .add(&id, base)
            .and_then(|r| r.prepare())
            .expect("registry");
        let build = |schema: &Value| {
            jsonschema::options()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(schema)
                .expect("schema compiles")
        };
        JsonApiSchemas {
            response: build(&json!({ "$ref": id })),
            create: build(&load("schema_create_resource-1.0.json")),
            update: build(&load("schema_update_resource-1.0.json")),
        }
    })
}

fn violations(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every answer is a JSON:API document (or an empty 204), with the JSON:API media type.
#[track_caller]
fn assert_jsonapi(resp: &Resp) {
    assert_eq!(
        resp.header("content-type"),
        Some(MEDIA_TYPE),
        "status {}: {}",
        resp.status,
        resp.text()
    );
    if resp.status == 204 {
        assert!(resp.bytes.is_empty(), "a 204 has no body");
        return;
    }
    let errors = violations(&schemas().response, &resp.json);
    assert!(
        errors.is_empty(),
        "response breaks the JSON:API 1.0 schema: {errors:?}\n{}",
        resp.text()
    );
}

/// A create (POST) or update (PATCH) document must satisfy the JSON:API request schema.
#[track_caller]
fn assert_request_document(method: &Method, doc: &Value) {
    let validator = if *method == Method::POST {
        &schemas().create
    } else {
        &schemas().update
    };
    let errors = violations(validator, doc);
    assert!(
        errors.is_empty(),
        "{method} document breaks the JSON:API request schema: {errors:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The bytes of a create/update document, after checking it against the JSON:API request schema.
#[track_caller]
fn request_body(method: &Method, doc: &Value) -> Vec<u8> {
    assert_request_document(method, doc);
    serde_json::to_vec(doc).unwrap()
}

/// A server whose default session writes links with the vendor's base URL.
async fn start() -> TestServer {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({ "operator": { "base_url": VENDOR_BASE } }))
        .await;
    srv
}

/// Sends a JSON:API request (checked against the request schema) and checks the answer.
async fn send(srv: &TestServer, method: Method, path: &str, doc: Option<Value>) -> Resp {
    let mut req = srv.req(method.clone(), path).header("accept", MEDIA_TYPE);
    if let Some(doc) = &doc {
        req = req.body(MEDIA_TYPE, request_body(&method, doc));
    }
    let resp = req.send().await;
    assert_jsonapi(&resp);
    resp
}

async fn get(srv: &TestServer, path: &str) -> Resp {
    send(srv, Method::GET, path, None).await
}

async fn post(srv: &TestServer, path: &str, doc: Value) -> Resp {
    send(srv, Method::POST, path, Some(doc)).await
}

async fn patch(srv: &TestServer, path: &str, doc: Value) -> Resp {
    send(srv, Method::PATCH, path, Some(doc)).await
}

async fn delete(srv: &TestServer, path: &str) -> Resp {
    send(srv, Method::DELETE, path, None).await
}

/// Sends a document that is deliberately NOT a valid JSON:API request (the point of the test);
/// asserts that the official schema agrees it is invalid.
async fn send_broken_document(srv: &TestServer, method: Method, path: &str, doc: Value) -> Resp {
    let validator = if method == Method::POST {
        &schemas().create
    } else {
        &schemas().update
    };
    assert!(
        !violations(validator, &doc).is_empty(),
        "this document is valid JSON:API"
    );
    let resp = srv
        .req(method, path)
        .body(MEDIA_TYPE, serde_json::to_vec(&doc).unwrap())
        .send()
        .await;
    assert_jsonapi(&resp);
    resp
}

/// Sends a request built directly with reqwest (for headers `Req` always sets), unchecked.
async fn send_built(builder: reqwest::RequestBuilder) -> Resp {
    common::read_response(builder.send().await.expect("request sent")).await
}

fn new_trunk(customer: &str, attributes: Value) -> Value {
    json!({"data": {"type": "incoming_trunks", "attributes": attributes,
        "relationships": {"customer": {"data": {"type": "customers", "id": customer}}}}})
}

fn new_customer(id: &str, name: &str) -> Value {
    json!({"data": {"type": "customers", "id": id, "attributes": {"name": name}}})
}

/// The ids of a JSON:API collection answer, in order.
fn resource_ids(resp: &Resp) -> Vec<String> {
    resp.json["data"]
        .as_array()
        .expect("a collection")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// `(status, code, source)` of every error object, for compact assertions.
fn errors(resp: &Resp) -> Vec<(String, String, Value)> {
    resp.json["errors"]
        .as_array()
        .expect("an error document")
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
                e.get("source").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn error(status: &str, code: &str, source: Value) -> (String, String, Value) {
    (status.to_string(), code.to_string(), source)
}

/// The answer has `status` and exactly one error object, with that status, `code` and
/// `source`.
#[track_caller]
fn assert_single_error(resp: &Resp, status: u16, code: &str, source: Value) {
    resp.expect(status);
    assert_eq!(errors(resp), vec![error(&status.to_string(), code, source)]);
}

/// The document's POST example, JSON as shown.
fn documented_create() -> Value {
    json!({"data": {"type": "incoming_trunks",
        "attributes": {"name": "From provider", "transport_protocol": "UDP",
            "destination_field": "RURI_USERPART", "codecs": ["PCMU", "PCMA", "telephone-event/8000"]},
        "relationships": {"customer": {"data": {"id": "123", "type": "customers"}}}}})
}

/// The document's PATCH example, JSON as shown.
fn documented_update() -> Value {
    json!({"data": {"id": PATCHED_ID, "type": "incoming_trunks",
        "attributes": {"name": "Updated trunk", "transport_protocol": "TCP",
            "destination_field": "TO_USERPART", "codecs": ["PCMU"]}}})
}

// ---------------------------------------------------------------------------------------------
// Incoming trunks: the documented examples

#[tokio::test]
async fn the_collection_is_exactly_the_documents_list_example() {
    // Arrange
    let srv = start().await;
    let trunk = |id: &str, name: &str, domain: &str| {
        json!({"id": id, "type": "incoming_trunks",
            "links": {"self": format!("https://api.telecom.center/api/rest/public/operator/incoming_trunks/{id}")},
            "attributes": {"name": name, "codecs": ["PCMU", "PCMA", "telephone-event/8000"],
                "transport_protocol": "UDP", "domain": domain, "destination_field": "RURI_USERPART"}})
    };
    let expected = json!({
        "data": [
            trunk("7b473ea4-f583-4a84-b862-db3dc0b20f8a", "Default", "3391246915096.did-gw-sandbox.phone.systems"),
            trunk("95c00bac-989f-4ae1-95e8-66bea63bf998", "Default", "3391283683653.did-gw-sandbox.phone.systems"),
            trunk(PATCHED_ID, "Default", "3391283750930.did-gw-sandbox.phone.systems"),
            trunk("9f5021f5-210d-4194-bcc6-f4f9141fb3a8", "From provider", "3391285728100.did-gw-sandbox.phone.systems"),
        ],
        "meta": {"record_count": 4},
        "links": {
            "first": "https://api.telecom.center/api/rest/public/operator/incoming_trunks?page%5Bnumber%5D=1&page%5Bsize%5D=50",
            "last": "https://api.telecom.center/api/rest/public/operator/incoming_trunks?page%5Bnumber%5D=1&page%5Bsize%5D=50"
        }
    });

    // Act
    let resp = get(&srv, TRUNKS).await;

    // Assert
    resp.expect(200);
    assert_eq!(resp.json, expected);
}

#[tokio::test]
async fn creating_the_documents_example_answers_201_with_location_equal_to_links_self() {
    let srv = start().await;

    let resp = post(&srv, TRUNKS, documented_create()).await;

    resp.expect(201);
    let self_link = resp.json["data"]["links"]["self"].as_str().unwrap();
    assert_eq!(resp.header("location"), Some(self_link));
    let id = resp.json["data"]["id"].as_str().unwrap();
    assert_eq!(self_link, format!("{VENDOR_BASE}{TRUNKS}/{id}"));
    assert_eq!(uuid_version(id), Some('4'));
    insta::assert_json_snapshot!(resp.json);
    // The new trunk is stored: it can be read back as created.
    let back = get(&srv, &format!("{TRUNKS}/{id}")).await;
    back.expect(200);
    assert_eq!(back.json["data"], resp.json["data"]);
}

fn uuid_version(id: &str) -> Option<char> {
    (id.len() == 36).then(|| id.chars().nth(14)).flatten()
}

#[tokio::test]
async fn a_trunk_created_with_no_attributes_gets_every_default() {
    let srv = start().await;

    let resp = post(&srv, TRUNKS, new_trunk("123", json!({}))).await;

    resp.expect(201);
    let attrs = &resp.json["data"]["attributes"];
    assert_eq!(attrs["name"], Value::Null);
    assert_eq!(attrs["transport_protocol"], "UDP");
    assert_eq!(attrs["destination_field"], "RURI_USERPART");
    assert_eq!(
        attrs["codecs"],
        json!(["PCMU", "PCMA", "telephone-event/8000"])
    );
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn the_documents_update_example_changes_the_trunk_and_keeps_its_domain() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");

    let resp = patch(&srv, &path, documented_update()).await;

    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    let back = get(&srv, &path).await;
    assert_eq!(back.json["data"], resp.json["data"]);
    assert_eq!(
        back.json["data"]["attributes"]["domain"],
        "3391283750930.did-gw-sandbox.phone.systems"
    );
}

#[tokio::test]
async fn deleting_a_trunk_answers_204_without_a_body_and_then_404() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");

    let first = delete(&srv, &path).await;
    let second = delete(&srv, &path).await;

    first.expect(204);
    assert!(first.bytes.is_empty());
    assert_single_error(&second, 404, "record_not_found", Value::Null);
    get(&srv, &path).await.expect(404);
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 3);
}

#[tokio::test]
async fn every_documented_example_request_is_accepted_by_the_contract_and_by_json_api() {
    let srv = start().await;
    let contracts = &srv.engine().contracts;
    for (operation, doc, method) in [
        (
            "operator_create_incoming_trunk",
            documented_create(),
            Method::POST,
        ),
        (
            "operator_update_incoming_trunk",
            documented_update(),
            Method::PATCH,
        ),
    ] {
        let op = contracts
            .operations
            .iter()
            .find(|o| &*o.operation_id == operation)
            .expect("operation");
        assert_eq!(op.validate_body(&doc), vec![], "{operation}");
        assert_request_document(&method, &doc);
    }
}

// ---------------------------------------------------------------------------------------------
// Incoming trunks: generated domains

#[tokio::test]
async fn generated_domains_are_unique_and_never_reused_even_after_a_delete() {
    let srv = start().await;
    let seeded: Vec<String> = get(&srv, TRUNKS).await.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["attributes"]["domain"].as_str().unwrap().to_string())
        .collect();
    let mut seen: std::collections::HashSet<String> = seeded.into_iter().collect();

    for _ in 0..10 {
        let created = post(&srv, TRUNKS, new_trunk("123", json!({"name": "churn"}))).await;
        created.expect(201);
        let domain = created.json["data"]["attributes"]["domain"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            domain.ends_with(".did-gw-sandbox.phone.systems"),
            "{domain}"
        );
        assert!(
            seen.insert(domain.clone()),
            "domain {domain} was handed out twice"
        );
        let id = created.json["data"]["id"].as_str().unwrap();
        delete(&srv, &format!("{TRUNKS}/{id}")).await.expect(204);
    }
}

#[tokio::test]
async fn a_domain_sent_on_create_is_refused_as_not_an_attribute_a_create_takes() {
    let srv = start().await;

    let resp = post(
        &srv,
        TRUNKS,
        new_trunk("123", json!({"domain": "mine.example.com"})),
    )
    .await;

    // The create schema has no `domain` (the server generates it), so a generated client
    // cannot send one and a hand-written one hears so from the schema check.
    assert_single_error(
        &resp,
        422,
        "validation_error",
        json!({"pointer": "/data/attributes/domain"}),
    );
}

// ---------------------------------------------------------------------------------------------
// Incoming trunks: refusals on create and update

#[tokio::test]
async fn create_for_a_customer_that_does_not_exist_is_404_pointing_at_the_relationship() {
    let srv = start().await;

    let resp = post(&srv, TRUNKS, new_trunk("999", json!({}))).await;

    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 4);
}

#[tokio::test]
async fn create_with_a_client_generated_id_is_403() {
    let srv = start().await;
    let mut doc = new_trunk("123", json!({}));
    doc["data"]["id"] = json!("11111111-2222-4333-8444-555555555555");

    let resp = post(&srv, TRUNKS, doc).await;

    assert_single_error(
        &resp,
        403,
        "client_generated_id",
        json!({"pointer": "/data/id"}),
    );
}

#[tokio::test]
async fn create_with_another_type_is_409() {
    let srv = start().await;
    let mut doc = new_trunk("123", json!({}));
    doc["data"]["type"] = json!("outgoing_trunks");

    let resp = post(&srv, TRUNKS, doc).await;

    resp.expect(409);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn create_without_the_customer_relationship_is_422() {
    let srv = start().await;

    let resp = post(
        &srv,
        TRUNKS,
        json!({"data": {"type": "incoming_trunks", "attributes": {"name": "x"}}}),
    )
    .await;

    assert_single_error(
        &resp,
        422,
        "validation_error",
        json!({"pointer": "/data/relationships"}),
    );
}

#[tokio::test]
async fn invalid_attributes_are_422_with_one_error_object_per_member() {
    let srv = start().await;
    let doc = new_trunk(
        "123",
        json!({"transport_protocol": "SCTP", "destination_field": "FROM_USERPART", "codecs": ["PCMU", "MP3"], "name": 7}),
    );

    let resp = post(&srv, TRUNKS, doc).await;

    resp.expect(422);
    let mut pointers: Vec<String> = errors(&resp)
        .into_iter()
        .map(|(status, code, source)| {
            assert_eq!(
                (status.as_str(), code.as_str()),
                ("422", "validation_error")
            );
            source["pointer"].as_str().unwrap().to_string()
        })
        .collect();
    pointers.sort();
    assert_eq!(
        pointers,
        vec![
            "/data/attributes/codecs/1",
            "/data/attributes/destination_field",
            "/data/attributes/name",
            "/data/attributes/transport_protocol",
        ]
    );
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn an_unknown_attribute_is_422_pointing_at_the_attribute_itself() {
    let srv = start().await;

    let resp = post(
        &srv,
        TRUNKS,
        new_trunk("123", json!({"name": "x", "colour": "red"})),
    )
    .await;

    assert_single_error(
        &resp,
        422,
        "validation_error",
        json!({"pointer": "/data/attributes/colour"}),
    );
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 4);
}

#[tokio::test]
async fn a_document_without_data_is_not_json_api_and_answers_422() {
    let srv = start().await;

    let resp = send_broken_document(
        &srv,
        Method::POST,
        TRUNKS,
        json!({"type": "incoming_trunks"}),
    )
    .await;

    resp.expect(422);
    let pointers: Vec<Value> = errors(&resp)
        .into_iter()
        .map(|(_, _, s)| s["pointer"].clone())
        .collect();
    assert!(pointers.contains(&json!("/data")), "{pointers:?}");
}

#[tokio::test]
async fn patch_changes_only_the_attributes_given() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");
    let before = get(&srv, &path).await.json["data"]["attributes"].clone();

    let resp = patch(
        &srv,
        &path,
        json!({"data": {"type": "incoming_trunks", "id": PATCHED_ID, "attributes": {"destination_field": "TO_USERPART"}}}),
    )
    .await;

    resp.expect(200);
    let mut expected = before;
    expected["destination_field"] = json!("TO_USERPART");
    assert_eq!(resp.json["data"]["attributes"], expected);
}

#[tokio::test]
async fn patch_with_null_clears_the_name() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");

    let resp = patch(&srv, &path, json!({"data": {"type": "incoming_trunks", "id": PATCHED_ID, "attributes": {"name": null}}})).await;

    resp.expect(200);
    assert_eq!(resp.json["data"]["attributes"]["name"], Value::Null);
}

#[tokio::test]
async fn patch_whose_id_differs_from_the_url_is_409() {
    let srv = start().await;
    let other = "7b473ea4-f583-4a84-b862-db3dc0b20f8a";

    let resp = patch(
        &srv,
        &format!("{TRUNKS}/{PATCHED_ID}"),
        json!({"data": {"type": "incoming_trunks", "id": other, "attributes": {"name": "x"}}}),
    )
    .await;

    assert_single_error(
        &resp,
        409,
        "key_not_included_in_url",
        json!({"pointer": "/data/id"}),
    );
    // Neither trunk changed.
    assert_eq!(
        get(&srv, &format!("{TRUNKS}/{other}")).await.json["data"]["attributes"]["name"],
        "Default"
    );
    assert_eq!(
        get(&srv, &format!("{TRUNKS}/{PATCHED_ID}")).await.json["data"]["attributes"]["name"],
        "Default"
    );
}

#[tokio::test]
async fn patch_with_another_type_is_409() {
    let srv = start().await;

    let resp = patch(
        &srv,
        &format!("{TRUNKS}/{PATCHED_ID}"),
        json!({"data": {"type": "customers", "id": PATCHED_ID}}),
    )
    .await;

    assert_single_error(
        &resp,
        409,
        "type_mismatch",
        json!({"pointer": "/data/type"}),
    );
}

#[tokio::test]
async fn patch_of_an_unknown_trunk_is_404() {
    let srv = start().await;
    let id = "00000000-0000-4000-8000-000000000000";

    let resp = patch(
        &srv,
        &format!("{TRUNKS}/{id}"),
        json!({"data": {"type": "incoming_trunks", "id": id, "attributes": {"name": "x"}}}),
    )
    .await;

    assert_single_error(&resp, 404, "record_not_found", Value::Null);
}

#[tokio::test]
async fn the_customer_relationship_cannot_be_changed_but_may_be_sent_unchanged() {
    let srv = start().await;
    post(&srv, CUSTOMERS, new_customer("456", "Second"))
        .await
        .expect(201);
    let path = format!("{TRUNKS}/{PATCHED_ID}");
    let with_customer = |customer: &str| {
        json!({"data": {"type": "incoming_trunks", "id": PATCHED_ID, "attributes": {"name": "moved"},
            "relationships": {"customer": {"data": {"type": "customers", "id": customer}}}}})
    };

    let change = patch(&srv, &path, with_customer("456")).await;
    let same = patch(&srv, &path, with_customer("123")).await;

    assert_single_error(
        &change,
        403,
        "relationship_not_updatable",
        json!({"pointer": "/data/relationships/customer"}),
    );
    same.expect(200);
    assert_eq!(same.json["data"]["attributes"]["name"], "moved");
    let owner = get(&srv, &format!("{path}?include=customer")).await;
    assert_eq!(
        owner.json["data"]["relationships"]["customer"]["data"]["id"],
        "123"
    );
}

#[tokio::test]
async fn a_fetched_trunk_can_be_sent_back_but_its_domain_cannot_change() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");
    let fetched = get(&srv, &path).await.json["data"].clone();
    let mut round_trip = json!({"data": {"type": "incoming_trunks", "id": PATCHED_ID, "attributes": fetched["attributes"].clone()}});

    let same = patch(&srv, &path, round_trip.clone()).await;
    round_trip["data"]["attributes"]["domain"] = json!("1.did-gw-sandbox.phone.systems");
    let changed = patch(&srv, &path, round_trip).await;

    same.expect(200);
    assert_single_error(
        &changed,
        422,
        "read_only_attribute",
        json!({"pointer": "/data/attributes/domain"}),
    );
}

#[tokio::test]
async fn an_unknown_trunk_is_a_404_error_object() {
    let srv = start().await;

    let resp = get(&srv, &format!("{TRUNKS}/no-such-trunk")).await;

    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
}

// ---------------------------------------------------------------------------------------------
// Incoming trunks: filters, sorting, pagination, sparse fieldsets, include

/// Two more customers with one trunk each, named so sorting shows.
async fn more_trunks(srv: &TestServer) -> (String, String) {
    post(srv, CUSTOMERS, new_customer("7", "Seven"))
        .await
        .expect(201);
    post(srv, CUSTOMERS, new_customer("8", "Eight"))
        .await
        .expect(201);
    let a = post(
        srv,
        TRUNKS,
        new_trunk("7", json!({"name": "Alpha", "transport_protocol": "TCP"})),
    )
    .await;
    let b = post(srv, TRUNKS, new_trunk("8", json!({"name": "Zulu"}))).await;
    (
        a.json["data"]["id"].as_str().unwrap().to_string(),
        b.json["data"]["id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn filters_select_by_customer_domain_and_id() {
    let srv = start().await;
    let (alpha, zulu) = more_trunks(&srv).await;

    let by_customer = get(&srv, &format!("{TRUNKS}?filter[customer.id]=7,8")).await;
    let by_domain = get(
        &srv,
        &format!("{TRUNKS}?filter%5Bdomain%5D=3391283683653.did-gw-sandbox.phone.systems"),
    )
    .await;
    let by_id = get(
        &srv,
        &format!("{TRUNKS}?filter[id]={zulu}&filter[customer.id]=8"),
    )
    .await;
    let none = get(
        &srv,
        &format!("{TRUNKS}?filter[customer.id]=123&filter[id]={alpha}"),
    )
    .await;

    let mut both = vec![alpha.clone(), zulu.clone()];
    both.sort();
    assert_eq!(resource_ids(&by_customer), both);
    assert_eq!(by_customer.json["meta"]["record_count"], 2);
    assert_eq!(
        resource_ids(&by_domain),
        vec!["95c00bac-989f-4ae1-95e8-66bea63bf998"]
    );
    assert_eq!(resource_ids(&by_id), vec![zulu]);
    assert_eq!(resource_ids(&none), Vec::<String>::new());
    assert_eq!(none.json["meta"]["record_count"], 0);
}

#[tokio::test]
async fn an_unsupported_filter_is_400_naming_the_parameter() {
    let srv = start().await;

    let resp = get(&srv, &format!("{TRUNKS}?filter[name]=Default")).await;

    assert_single_error(
        &resp,
        400,
        "filter_not_allowed",
        json!({"parameter": "filter[name]"}),
    );
}

#[tokio::test]
async fn sort_takes_several_fields_and_a_minus_for_descending() {
    let srv = start().await;
    let (alpha, zulu) = more_trunks(&srv).await;

    let resp = get(&srv, &format!("{TRUNKS}?sort=-transport_protocol,-name,id")).await;

    resp.expect(200);
    // UDP before TCP (descending), names descending within; the three "Default" trunks by id.
    assert_eq!(
        resource_ids(&resp),
        vec![
            zulu,
            "9f5021f5-210d-4194-bcc6-f4f9141fb3a8".to_string(),
            "7b473ea4-f583-4a84-b862-db3dc0b20f8a".to_string(),
            "95c00bac-989f-4ae1-95e8-66bea63bf998".to_string(),
            PATCHED_ID.to_string(),
            alpha,
        ]
    );
}

#[tokio::test]
async fn an_unsupported_sort_field_is_400() {
    let srv = start().await;

    let resp = get(&srv, &format!("{TRUNKS}?sort=name,-codecs")).await;

    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn pages_carry_first_prev_next_and_last_links_that_keep_the_other_parameters() {
    let srv = start().await;
    more_trunks(&srv).await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}?sort=id&page[number]=2&page[size]=2"),
    )
    .await;

    resp.expect(200);
    assert_eq!(resp.json["data"].as_array().unwrap().len(), 2);
    assert_eq!(resp.json["meta"]["record_count"], 6);
    let link =
        |n: u32| format!("{VENDOR_BASE}{TRUNKS}?sort=id&page%5Bnumber%5D={n}&page%5Bsize%5D=2");
    assert_eq!(
        resp.json["links"],
        json!({"first": link(1), "prev": link(1), "next": link(3), "last": link(3)})
    );
    // Following `next` gives the third page and no `next` after it.
    let next = resp.json["links"]["next"]
        .as_str()
        .unwrap()
        .trim_start_matches(VENDOR_BASE)
        .to_string();
    let third = get(&srv, &next).await;
    assert_eq!(third.json["data"].as_array().unwrap().len(), 2);
    assert!(third.json["links"].get("next").is_none());
    assert_eq!(third.json["links"]["prev"], link(2));
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_and_points_back() {
    let srv = start().await;

    let resp = get(&srv, &format!("{TRUNKS}?page[number]=9&page[size]=3")).await;

    resp.expect(200);
    assert_eq!(resp.json["data"], json!([]));
    assert_eq!(resp.json["meta"]["record_count"], 4);
    let link = |n: u32| format!("{VENDOR_BASE}{TRUNKS}?page%5Bnumber%5D={n}&page%5Bsize%5D=3");
    assert_eq!(
        resp.json["links"],
        json!({"first": link(1), "prev": link(2), "last": link(2)})
    );
}

#[tokio::test]
async fn page_sizes_outside_1_to_1000_are_400_naming_the_parameter() {
    let srv = start().await;

    let zero = get(&srv, &format!("{TRUNKS}?page[size]=0")).await;
    let huge = get(&srv, &format!("{TRUNKS}?page[size]=1001")).await;
    let word = get(&srv, &format!("{TRUNKS}?page[number]=first")).await;
    let max = get(&srv, &format!("{TRUNKS}?page[size]=1000")).await;

    for (resp, parameter) in [
        (&zero, "page[size]"),
        (&huge, "page[size]"),
        (&word, "page[number]"),
    ] {
        resp.expect(400);
        assert_eq!(
            errors(resp),
            vec![error(
                "400",
                "invalid_parameter_value",
                json!({"parameter": parameter})
            )]
        );
    }
    max.expect(200);
}

#[tokio::test]
async fn sparse_fieldsets_return_only_the_fields_asked_for() {
    let srv = start().await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}/{PATCHED_ID}?fields[incoming_trunks]=domain,name&include=customer&fields[customers]=language"),
    )
    .await;

    resp.expect(200);
    // `customer` is not in the fieldset, so no relationships are written even though included.
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(
        resp.json["data"]["attributes"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["name", "domain"]
    );
    assert!(resp.json["data"].get("relationships").is_none());
    assert_eq!(
        resp.json["included"][0]["attributes"],
        json!({"language": "EN"})
    );
}

#[tokio::test]
async fn naming_customer_in_the_fieldset_shows_the_linkage_without_including_it() {
    let srv = start().await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}/{PATCHED_ID}?fields[incoming_trunks]=customer"),
    )
    .await;

    resp.expect(200);
    assert!(resp.json["data"].get("attributes").is_none());
    assert_eq!(
        resp.json["data"]["relationships"],
        json!({"customer": {
            "links": {
                "self": format!("{VENDOR_BASE}{TRUNKS}/{PATCHED_ID}/relationships/customer"),
                "related": format!("{VENDOR_BASE}{TRUNKS}/{PATCHED_ID}/customer"),
            },
            "data": {"type": "customers", "id": "123"}
        }})
    );
    assert!(resp.json.get("included").is_none());
}

#[tokio::test]
async fn an_empty_fieldset_leaves_only_identity_and_links() {
    let srv = start().await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}?fields[incoming_trunks]=&page[size]=1"),
    )
    .await;

    resp.expect(200);
    let first = &resp.json["data"][0];
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["id", "type", "links"]
    );
}

#[tokio::test]
async fn unknown_fields_and_fieldset_types_are_400() {
    let srv = start().await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}?fields[incoming_trunks]=name,colour&fields[providers]=name"),
    )
    .await;

    resp.expect(400);
    assert_eq!(
        errors(&resp),
        vec![
            error(
                "400",
                "invalid_field",
                json!({"parameter": "fields[incoming_trunks]"})
            ),
            error(
                "400",
                "invalid_resource_type",
                json!({"parameter": "fields[providers]"})
            ),
        ]
    );
}

#[tokio::test]
async fn include_customer_side_loads_each_customer_once_with_full_linkage() {
    let srv = start().await;
    more_trunks(&srv).await;

    let resp = get(
        &srv,
        &format!("{TRUNKS}?include=customer&sort=name&page[size]=3"),
    )
    .await;

    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    // Every included customer is named by some trunk of the page, and every trunk's customer is
    // included (JSON:API full linkage).
    let linked: std::collections::BTreeSet<String> = resp.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["relationships"]["customer"]["data"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let included: Vec<String> = resp.json["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(included.len(), linked.len());
    assert_eq!(
        included
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        linked
    );
}

#[tokio::test]
async fn include_works_on_create_and_update_too() {
    let srv = start().await;

    let created = post(
        &srv,
        &format!("{TRUNKS}?include=customer"),
        new_trunk("123", json!({})),
    )
    .await;
    let updated = patch(
        &srv,
        &format!("{TRUNKS}/{PATCHED_ID}?include=customer"),
        documented_update(),
    )
    .await;

    for resp in [&created, &updated] {
        assert_eq!(resp.json["included"][0]["id"], "123");
        assert_eq!(
            resp.json["data"]["relationships"]["customer"]["data"],
            json!({"type": "customers", "id": "123"})
        );
    }
}

#[tokio::test]
async fn an_unsupported_include_is_400() {
    let srv = start().await;

    let list = get(&srv, &format!("{TRUNKS}?include=customer.incoming_trunks")).await;
    let one = get(&srv, &format!("{TRUNKS}/{PATCHED_ID}?include=provider")).await;

    for resp in [&list, &one] {
        resp.expect(400);
        assert_eq!(
            errors(resp),
            vec![error(
                "400",
                "invalid_include",
                json!({"parameter": "include"})
            )]
        );
    }
}

#[tokio::test]
async fn an_unknown_query_parameter_is_400() {
    let srv = start().await;

    let list = get(&srv, &format!("{TRUNKS}?colour=red")).await;
    let one = get(&srv, &format!("{TRUNKS}/{PATCHED_ID}?page[size]=2")).await;
    let gone = delete(&srv, &format!("{TRUNKS}/{PATCHED_ID}?include=customer")).await;

    for (resp, parameter) in [(&list, "colour"), (&one, "page[size]"), (&gone, "include")] {
        resp.expect(400);
        assert_eq!(
            errors(resp),
            vec![error(
                "400",
                "param_not_allowed",
                json!({"parameter": parameter})
            )]
        );
    }
    // The refused delete deleted nothing.
    get(&srv, &format!("{TRUNKS}/{PATCHED_ID}"))
        .await
        .expect(200);
}

// ---------------------------------------------------------------------------------------------
// Customers

#[tokio::test]
async fn the_customer_collection_shows_the_seeded_customer() {
    let srv = start().await;

    let resp = get(&srv, CUSTOMERS).await;

    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn a_customer_is_created_under_the_clients_id_with_defaults() {
    let srv = start().await;

    let resp = post(&srv, CUSTOMERS, new_customer("alpha-1", "Alpha Ltd")).await;

    resp.expect(201);
    assert_eq!(
        resp.header("location"),
        Some(&*format!("{VENDOR_BASE}{CUSTOMERS}/alpha-1"))
    );
    assert_eq!(
        resp.header("location"),
        resp.json["data"]["links"]["self"].as_str()
    );
    insta::assert_json_snapshot!(resp.json);
    get(&srv, &format!("{CUSTOMERS}/alpha-1")).await.expect(200);
}

#[tokio::test]
async fn a_customer_id_that_is_taken_is_409() {
    let srv = start().await;

    let resp = post(&srv, CUSTOMERS, new_customer("123", "Copy")).await;

    assert_single_error(&resp, 409, "id_taken", json!({"pointer": "/data/id"}));
    assert_eq!(
        get(&srv, &format!("{CUSTOMERS}/123")).await.json["data"]["attributes"]["name"],
        "Example customer"
    );
}

#[tokio::test]
async fn a_customer_needs_an_id_a_name_and_valid_attributes() {
    let srv = start().await;

    let no_id = post(
        &srv,
        CUSTOMERS,
        json!({"data": {"type": "customers", "attributes": {"name": "x"}}}),
    )
    .await;
    let bad = post(
        &srv,
        CUSTOMERS,
        json!({"data": {"type": "customers", "id": "9", "attributes": {"language": "DE", "capacity_limit": -1}}}),
    )
    .await;
    let wrong_type = post(
        &srv,
        CUSTOMERS,
        json!({"data": {"type": "incoming_trunks", "id": "9", "attributes": {"name": "x"}}}),
    )
    .await;

    assert_single_error(
        &no_id,
        422,
        "validation_error",
        json!({"pointer": "/data/id"}),
    );
    bad.expect(422);
    let mut pointers: Vec<Value> = errors(&bad)
        .into_iter()
        .map(|(_, _, s)| s["pointer"].clone())
        .collect();
    pointers.sort_by_key(|p| p.to_string());
    assert_eq!(
        pointers,
        vec![
            json!("/data/attributes/capacity_limit"),
            json!("/data/attributes/language"),
            json!("/data/attributes/name")
        ]
    );
    wrong_type.expect(409);
}

#[tokio::test]
async fn a_customer_update_changes_only_the_attributes_given() {
    let srv = start().await;
    let path = format!("{CUSTOMERS}/123");

    let resp = patch(&srv, &path, json!({"data": {"type": "customers", "id": "123", "attributes": {"language": "LT", "sip_account_limit": null}}})).await;
    let mismatch = patch(
        &srv,
        &path,
        json!({"data": {"type": "customers", "id": "124", "attributes": {"name": "x"}}}),
    )
    .await;

    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    mismatch.expect(409);
    assert_eq!(get(&srv, &path).await.json, resp.json);
}

#[tokio::test]
async fn a_customer_with_incoming_trunks_cannot_be_deleted_until_they_are_gone() {
    let srv = start().await;
    post(&srv, CUSTOMERS, new_customer("55", "Short-lived"))
        .await
        .expect(201);
    let trunk = post(&srv, TRUNKS, new_trunk("55", json!({}))).await;
    let trunk_path = format!("{TRUNKS}/{}", trunk.json["data"]["id"].as_str().unwrap());
    let customer_path = format!("{CUSTOMERS}/55");

    let refused = delete(&srv, &customer_path).await;
    delete(&srv, &trunk_path).await.expect(204);
    let deleted = delete(&srv, &customer_path).await;

    refused.expect(409);
    insta::assert_json_snapshot!(refused.json);
    deleted.expect(204);
    get(&srv, &customer_path).await.expect(404);
    // A trunk can no longer be created for it.
    post(&srv, TRUNKS, new_trunk("55", json!({})))
        .await
        .expect(404);
}

#[tokio::test]
async fn an_unknown_customer_is_404_for_get_update_and_delete() {
    let srv = start().await;
    let path = format!("{CUSTOMERS}/404");

    let read = get(&srv, &path).await;
    let update = patch(
        &srv,
        &path,
        json!({"data": {"type": "customers", "id": "404", "attributes": {"name": "x"}}}),
    )
    .await;
    let gone = delete(&srv, &path).await;

    for resp in [&read, &update, &gone] {
        resp.expect(404);
        assert_eq!(
            errors(resp),
            vec![error("404", "record_not_found", Value::Null)]
        );
    }
}

#[tokio::test]
async fn customers_filter_sort_and_page_like_trunks() {
    let srv = start().await;
    for (id, name) in [("9", "Nine"), ("10", "Ten"), ("200", "Two hundred")] {
        post(&srv, CUSTOMERS, new_customer(id, name))
            .await
            .expect(201);
    }

    let by_id = get(&srv, CUSTOMERS).await;
    let by_name = get(
        &srv,
        &format!("{CUSTOMERS}?sort=-name&page[size]=2&fields[customers]=name"),
    )
    .await;
    let filtered = get(
        &srv,
        &format!("{CUSTOMERS}?filter[language]=EN&filter[name]=Ten,Nine"),
    )
    .await;

    // Numeric ids order numerically, as the vendor's database would.
    assert_eq!(resource_ids(&by_id), vec!["9", "10", "123", "200"]);
    assert_eq!(resource_ids(&by_name), vec!["200", "10"]);
    assert_eq!(
        by_name.json["data"][0]["attributes"],
        json!({"name": "Two hundred"})
    );
    assert_eq!(
        by_name.json["links"]["next"],
        format!(
            "{VENDOR_BASE}{CUSTOMERS}?sort=-name&fields%5Bcustomers%5D=name&page%5Bnumber%5D=2&page%5Bsize%5D=2"
        )
    );
    assert_eq!(resource_ids(&filtered), vec!["9", "10"]);
}

#[tokio::test]
async fn customers_have_nothing_to_include() {
    let srv = start().await;

    let resp = get(&srv, &format!("{CUSTOMERS}/123?include=incoming_trunks")).await;

    assert_single_error(
        &resp,
        400,
        "invalid_include",
        json!({"parameter": "include"}),
    );
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

#[tokio::test]
async fn a_content_type_with_media_type_parameters_is_415() {
    let srv = start().await;
    let body = request_body(&Method::POST, &documented_create());

    let create = srv
        .req(Method::POST, TRUNKS)
        .body("application/vnd.api+json; charset=utf-8", body)
        .send()
        .await;
    let list = srv
        .req(Method::GET, TRUNKS)
        .header("content-type", "application/vnd.api+json;ext=bulk")
        .send()
        .await;

    for resp in [&create, &list] {
        assert_jsonapi(resp);
        resp.expect(415);
        assert_eq!(
            errors(resp),
            vec![error("415", "unsupported_media_type", Value::Null)]
        );
    }
    insta::assert_json_snapshot!(create.json);
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 4);
}

#[tokio::test]
async fn a_document_in_another_media_type_or_without_one_is_415() {
    let srv = start().await;
    let body = request_body(&Method::POST, &documented_create());

    let plain_json = srv
        .req(Method::POST, TRUNKS)
        .body("application/json", body.clone())
        .send()
        .await;
    // reqwest adds no Content-Type to a bare body.
    let no_type = send_built(
        srv.client
            .patch(srv.url(&format!("{TRUNKS}/{PATCHED_ID}")))
            .body(body),
    )
    .await;

    for resp in [&plain_json, &no_type] {
        assert_jsonapi(resp);
        resp.expect(415);
    }
}

#[tokio::test]
async fn the_documents_requests_with_content_type_on_get_and_delete_are_accepted() {
    let srv = start().await;

    let list = srv
        .req(Method::GET, TRUNKS)
        .header("content-type", MEDIA_TYPE)
        .send()
        .await;
    let gone = srv
        .req(Method::DELETE, &format!("{TRUNKS}/{PATCHED_ID}"))
        .header("content-type", MEDIA_TYPE)
        .send()
        .await;

    assert_jsonapi(&list);
    list.expect(200);
    assert_jsonapi(&gone);
    gone.expect(204);
}

#[tokio::test]
async fn an_accept_whose_every_json_api_instance_has_parameters_is_406() {
    let srv = start().await;
    let with_accept =
        |accept: &'static str| srv.req(Method::GET, TRUNKS).header("accept", accept).send();

    let refused =
        with_accept("application/vnd.api+json; ext=\"bulk\", application/vnd.api+json;profile=x")
            .await;
    let one_plain =
        with_accept("application/vnd.api+json;ext=bulk, application/vnd.api+json").await;
    let weighted = with_accept("application/vnd.api+json;q=0.8, text/html").await;
    let anything = with_accept("*/*").await;
    let plain_json = with_accept("application/json").await;

    assert_jsonapi(&refused);
    assert_single_error(&refused, 406, "not_acceptable", Value::Null);
    for ok in [&one_plain, &weighted, &anything, &plain_json] {
        assert_jsonapi(ok);
        ok.expect(200);
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_error_object() {
    let srv = start().await;

    let resp = srv
        .req(Method::POST, TRUNKS)
        .body(MEDIA_TYPE, "{\"data\": {")
        .send()
        .await;

    assert_jsonapi(&resp);
    resp.expect(400);
    assert_eq!(errors(&resp)[0].1, "malformed_json");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json_api_errors() {
    let srv = start().await;

    let path = srv
        .req(Method::GET, "/api/rest/public/operator/outgoing_trunks")
        .send()
        .await;
    let method = srv
        .req(Method::PUT, &format!("{TRUNKS}/{PATCHED_ID}"))
        .send()
        .await;

    assert_jsonapi(&path);
    path.expect(404);
    assert_eq!(errors(&path)[0].1, "route_not_found");
    assert_jsonapi(&method);
    method.expect(405);
    assert_eq!(
        method.header("allow"),
        Some("DELETE, GET, HEAD, OPTIONS, PATCH")
    );
}

// ---------------------------------------------------------------------------------------------
// Settings and state

#[tokio::test]
async fn links_follow_the_request_host_when_no_base_url_is_set() {
    let srv = TestServer::start().await;

    let resp = get(&srv, &format!("{TRUNKS}/{PATCHED_ID}")).await;

    let expected = format!("{}{TRUNKS}/{PATCHED_ID}", srv.base);
    assert_eq!(resp.json["data"]["links"]["self"], expected);
    // ... so a client can follow them back to the fake.
    let followed = srv.client.get(&expected).send().await.unwrap();
    assert_eq!(followed.status(), 200);
}

#[tokio::test]
async fn links_honour_forwarded_scheme_and_host_from_a_proxy() {
    let srv = TestServer::start().await;

    let resp = srv
        .req(Method::GET, &format!("{TRUNKS}/{PATCHED_ID}"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "mock.example.org")
        .send()
        .await;

    assert_jsonapi(&resp);
    assert_eq!(
        resp.json["data"]["links"]["self"],
        format!("https://mock.example.org{TRUNKS}/{PATCHED_ID}")
    );
}

#[tokio::test]
async fn the_default_codecs_and_domain_suffix_settings_shape_new_trunks() {
    let srv = start().await;
    srv.apply_settings(json!({"operator": {"default_codecs": ["OPUS", "G722"], "domain_suffix": "did.example.net"}}),
    )
    .await;

    let resp = post(&srv, TRUNKS, new_trunk("123", json!({}))).await;

    resp.expect(201);
    assert_eq!(
        resp.json["data"]["attributes"]["codecs"],
        json!(["OPUS", "G722"])
    );
    assert!(
        resp.json["data"]["attributes"]["domain"]
            .as_str()
            .unwrap()
            .ends_with(".did.example.net")
    );
}

#[tokio::test]
async fn the_max_resources_setting_caps_each_collection() {
    let srv = start().await;
    srv.apply_settings(json!({"operator": {"max_resources": 5}}))
        .await;

    let fifth = post(&srv, TRUNKS, new_trunk("123", json!({}))).await;
    let sixth = post(&srv, TRUNKS, new_trunk("123", json!({}))).await;
    let second_customer = post(&srv, CUSTOMERS, new_customer("2", "Two")).await;

    fifth.expect(201);
    assert_single_error(&sixth, 403, "resource_limit_reached", Value::Null);
    second_customer.expect(201);
}

#[tokio::test]
async fn the_state_round_trips_through_the_admin_api_and_bad_state_is_refused() {
    let srv = start().await;
    post(&srv, TRUNKS, new_trunk("123", json!({"name": "kept"})))
        .await
        .expect(201);
    let state = srv.get("/__admin/state").await;
    state.expect(200);
    let operator = state.json["operator"].clone();
    assert_eq!(operator["incoming_trunks"].as_array().unwrap().len(), 5);

    let mut broken = operator.clone();
    broken["incoming_trunks"][0]["customer_id"] = json!("nobody");
    let refused = srv
        .put("/__admin/state", json!({ "operator": broken }))
        .await;
    let restored = srv
        .put("/__admin/state", json!({ "operator": operator }))
        .await;

    refused.expect(400);
    assert!(
        refused
            .text()
            .contains("/operator/incoming_trunks/0/customer_id"),
        "{}",
        refused.text()
    );
    restored.expect(200);
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 5);
}

#[tokio::test]
async fn sessions_keep_their_own_trunks() {
    let srv = start().await;

    let created = srv
        .req(Method::POST, TRUNKS)
        .session("other")
        .body(
            MEDIA_TYPE,
            request_body(&Method::POST, &new_trunk("123", json!({}))),
        )
        .send()
        .await;

    assert_jsonapi(&created);
    created.expect(201);
    assert_eq!(get(&srv, TRUNKS).await.json["meta"]["record_count"], 4);
}

#[test]
fn the_json_api_schema_checks_used_here_do_reject_broken_documents() {
    let broken_responses = [
        json!({"data": {"type": "incoming_trunks"}}),
        json!({"errors": [{"status": 404}]}),
        json!({"data": [], "errors": []}),
        json!({"data": [], "links": {"first": 1}}),
    ];
    for doc in broken_responses {
        assert!(!violations(&schemas().response, &doc).is_empty(), "{doc}");
    }
    assert!(!violations(&schemas().create, &json!({"data": {"attributes": {}}})).is_empty());
    assert!(
        !violations(
            &schemas().update,
            &json!({"data": {"type": "incoming_trunks"}})
        )
        .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// What stock JSON:API clients send and follow

/// What a stock client (ember-data, devour, jsonapi-serializer) does: fetch with `include`,
/// send the fetched resource back with one attribute changed, delete it. The document sent
/// back keeps every member the client received: `links`, relationship links, `jsonapi`,
/// `meta` and `included`.
#[tokio::test]
async fn a_client_can_fetch_include_update_what_it_fetched_and_delete() {
    let srv = start().await;
    let path = format!("{TRUNKS}/{PATCHED_ID}");
    let fetched = get(&srv, &format!("{path}?include=customer")).await;
    fetched.expect(200);
    assert_eq!(fetched.json["included"][0]["type"], "customers");

    let mut data = fetched.json["data"].clone();
    data["attributes"]["name"] = json!("Renamed by a client");
    // `domain` is read-only: a client that knows its schema leaves it out.
    data["attributes"].as_object_mut().unwrap().remove("domain");
    let doc = json!({
        "jsonapi": {"version": "1.0"},
        "meta": {"client": "stock"},
        "links": {"self": format!("{VENDOR_BASE}{path}")},
        "data": data,
        "included": fetched.json["included"].clone(),
    });
    // The official request schema refuses `links` and `included` in a write; clients send
    // them anyway, and the fake accepts and ignores them.
    let updated = send_broken_document(&srv, Method::PATCH, &path, doc).await;
    updated.expect(200);
    assert_eq!(
        updated.json["data"]["attributes"]["name"],
        "Renamed by a client"
    );

    delete(&srv, &path).await.expect(204);
    get(&srv, &path).await.expect(404);
}

#[tokio::test]
async fn create_accepts_and_ignores_jsonapi_meta_and_included() {
    let srv = start().await;
    let mut doc = new_trunk("123", json!({"name": "with extras"}));
    doc["jsonapi"] = json!({"version": "1.0"});
    doc["meta"] = json!({"request": 1});
    doc["included"] = json!([{"type": "customers", "id": "123"}]);
    doc["data"]["links"] = json!({"self": "https://example.invalid/ignored"});
    let resp = send_broken_document(&srv, Method::POST, TRUNKS, doc).await;
    resp.expect(201);
    assert_eq!(resp.json["data"]["attributes"]["name"], "with extras");
    assert_eq!(
        resp.header("location"),
        resp.json["data"]["links"]["self"].as_str()
    );
}

#[tokio::test]
async fn the_customer_relationship_and_related_endpoints_answer_what_the_links_promise() {
    let srv = start().await;
    let shown = get(&srv, &format!("{TRUNKS}/{PATCHED_ID}?include=customer")).await;
    let links = shown.json["data"]["relationships"]["customer"]["links"].clone();
    let strip = |l: &Value| {
        l.as_str()
            .unwrap()
            .trim_start_matches(VENDOR_BASE)
            .to_string()
    };

    let linkage = get(&srv, &strip(&links["self"])).await;
    linkage.expect(200);
    insta::assert_json_snapshot!(linkage.json);

    let related = get(&srv, &strip(&links["related"])).await;
    related.expect(200);
    let direct = get(&srv, &format!("{CUSTOMERS}/123")).await;
    assert_eq!(related.json, direct.json);

    let missing = get(&srv, &format!("{TRUNKS}/nope/relationships/customer")).await;
    missing.expect(404);
    get(&srv, &format!("{TRUNKS}/nope/customer"))
        .await
        .expect(404);
}

#[tokio::test]
async fn a_repeated_query_parameter_is_400_naming_it() {
    let srv = start().await;
    let resp = get(&srv, &format!("{TRUNKS}?sort=name&sort=-id")).await;
    resp.expect(400);
    let errs = errors(&resp);
    assert_eq!(errs.len(), 1, "{}", resp.text());
    assert_eq!(errs[0].1, "repeated_param");
    assert_eq!(errs[0].2, json!({"parameter": "sort"}));
}

/// Over HTTP/2 the host travels in `:authority`, not `Host`: links and `Location` keep the
/// port the client used.
#[tokio::test]
async fn links_and_location_follow_the_http2_authority() {
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let srv = TestServer::start().await;
    let addr = srv.running.addr;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("HTTP/2 handshake");
    tokio::spawn(conn);
    let body = serde_json::to_vec(&new_trunk("123", json!({"name": "h2"}))).unwrap();
    let req = hyper::Request::post(format!("http://{addr}{TRUNKS}"))
        .header("content-type", MEDIA_TYPE)
        .body(Full::new(bytes::Bytes::from(body)))
        .unwrap();
    assert!(req.headers().get("host").is_none());
    let resp = sender.send_request(req).await.expect("HTTP/2 answer");
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let prefix = format!("http://{addr}{TRUNKS}/");
    assert!(location.starts_with(&prefix), "{location}");
    assert_eq!(doc["data"]["links"]["self"], location.as_str());
}

#[tokio::test]
async fn prefer_code_404_renders_exactly_the_real_404() {
    let srv = TestServer::start().await;
    for path in [format!("{TRUNKS}/999"), format!("{CUSTOMERS}/nobody")] {
        let real = srv.get(&path).await;
        real.expect(404);
        let preferred = srv
            .req(Method::GET, &path)
            .header("prefer", "code=404")
            .send()
            .await;
        preferred.expect(404);
        assert_eq!(preferred.json, real.json, "{path}");
    }
}
