//! Every example request body of the five vendor documents, typos fixed, sent to a fresh
//! server (default scenario, seed 42): none may be refused by request validation. The examples
//! live in `tests/data/examples/<document stem>.json`; each entry names its operation, the
//! concrete path it is sent to, what was fixed in the document's JSON, and the status the
//! server answers. A 4xx expectation is a business answer (the example collides with the seed)
//! and must name the wording that shows it, so a validation complaint cannot pass for one.
//!
//! The last tests check that the exact response check in `common::exact` refuses what it must.

mod common;

use common::{Resp, TestServer, exact};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

/// The five documents of /work/shared/api-docs, by file stem.
const DOCUMENTS: [&str; 5] = [
    "apio-group-trunk-groups",
    "apio-immediate-trunking-connectivity",
    "fusion-draas-trunking",
    "operator-incoming-trunks-jsonapi",
    "pbx-providers",
];

/// Wording of the engine's own refusals of a request's form (schema, JSON syntax, media type);
/// a business answer never holds it.
const VALIDATION_WORDING: [&str; 4] = [
    "request validation failed",
    "field validation failed",
    "not valid JSON",
    "Content-Type",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Example {
    operation_id: String,
    method: String,
    path: String,
    body: Value,
    note: String,
    /// The status the server answers with the default scenario.
    status: u16,
    /// For a 4xx: text of the business answer that the body must hold.
    #[serde(default, rename = "body_contains")]
    body_contains: Option<String>,
}

fn examples(stem: &str) -> Vec<Example> {
    common::fixtures::document_examples(stem)
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value(v).unwrap_or_else(|e| panic!("{stem}[{i}]: {e}")))
        .collect()
}

/// Sends one example to a server of its own (so examples never see each other's changes) with
/// the request media type its contract documents, and checks the answer.
async fn send_example(stem: &str, i: usize, ex: &Example) {
    let srv = TestServer::start().await;
    let method = Method::from_bytes(ex.method.as_bytes()).unwrap();
    let hmethod = hyper::Method::from_bytes(ex.method.as_bytes()).unwrap();
    let op = srv
        .engine()
        .contracts
        .operation_for(&hmethod, &ex.path)
        .unwrap_or_else(|| {
            panic!(
                "{stem}[{i}]: no operation answers {} {}",
                ex.method, ex.path
            )
        });
    assert_eq!(&*op.operation_id, ex.operation_id, "{stem}[{i}]");
    let media = op
        .body
        .as_ref()
        .and_then(|b| b.media_types.first().cloned())
        .unwrap_or_else(|| panic!("{stem}[{i}]: {} documents no body", ex.operation_id));
    let body = serde_json::to_vec(&ex.body).unwrap();
    // `send` also holds the answer to the exact contract check.
    let resp = srv
        .req(method, &ex.path)
        .body(&media, body)
        .header("accept", &media)
        .send()
        .await;
    let text = resp.text();
    let context = format!(
        "{stem}[{i}] {} {} ({}): answered {}: {text}",
        ex.method, ex.path, ex.note, resp.status
    );
    for wording in VALIDATION_WORDING {
        assert!(
            !text.contains(wording),
            "refused by request validation: {context}"
        );
    }
    assert_ne!(resp.status, 415, "{context}");
    assert_eq!(resp.status, ex.status, "{context}");
    match (&ex.body_contains, resp.status >= 400) {
        (Some(wording), _) => assert!(text.contains(wording.as_str()), "{context}"),
        (None, true) => panic!("a 4xx expectation must name its business wording: {context}"),
        (None, false) => {}
    }
}

async fn run_document(stem: &str) {
    let list = examples(stem);
    assert!(!list.is_empty(), "{stem}: no examples");
    for (i, ex) in list.iter().enumerate() {
        assert!(
            !ex.note.is_empty(),
            "{stem}[{i}]: every example says what was fixed"
        );
        send_example(stem, i, ex).await;
    }
}

#[tokio::test]
async fn apio_trunk_group_examples_are_accepted() {
    run_document(DOCUMENTS[0]).await;
}

#[tokio::test]
async fn apio_connectivity_examples_are_accepted() {
    run_document(DOCUMENTS[1]).await;
}

#[tokio::test]
async fn fusion_examples_are_accepted() {
    run_document(DOCUMENTS[2]).await;
}

#[tokio::test]
async fn operator_examples_are_accepted() {
    run_document(DOCUMENTS[3]).await;
}

#[tokio::test]
async fn pbx_examples_are_accepted() {
    run_document(DOCUMENTS[4]).await;
}

/// Every document has its example file and no file names an unknown document: a dropped or
/// misnamed file fails here rather than silently running fewer examples.
#[test]
fn every_document_has_an_example_file() {
    for stem in DOCUMENTS {
        assert!(
            common::repo()
                .join(format!("tests/data/examples/{stem}.json"))
                .is_file(),
            "{stem}"
        );
    }
    let dir = common::repo().join("tests/data/examples");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        files,
        DOCUMENTS.len(),
        "an example file for an unknown document"
    );
}

// ---- the exact check itself ---------------------------------------------------------------

fn resp(status: u16, content_type: Option<&str>, body: &[u8]) -> Resp {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert("content-type", ct.parse().unwrap());
    }
    Resp {
        status,
        headers,
        json: serde_json::from_slice(body).unwrap_or(Value::Null),
        bytes: body.to_vec(),
    }
}

fn operation<'a>(srv: &'a TestServer, id: &str) -> &'a trunkmock::engine::contracts::Operation {
    srv.engine()
        .contracts
        .operations
        .iter()
        .find(|o| &*o.operation_id == id)
        .unwrap()
}

#[tokio::test]
async fn the_exact_check_refuses_a_status_only_a_default_entry_covers() {
    let srv = TestServer::start().await;
    let op = operation(&srv, "pbx_get_provider");
    let error = json!({"errors": [{"code": "CONFLICT", "message": "taken"}]}).to_string();
    let r = resp(409, Some("application/json"), error.as_bytes());
    let e = exact::check(srv.engine(), op, &r, false).unwrap_err();
    assert!(e.contains("does not list"), "{e}");
    // The same answer is fine once a fault produced it, and an engine-level status is fine.
    exact::check(srv.engine(), op, &r, true).unwrap();
    let r = resp(413, Some("application/json"), error.as_bytes());
    exact::check(srv.engine(), op, &r, false).unwrap();
}

#[tokio::test]
async fn the_exact_check_refuses_another_content_type_or_a_missing_body() {
    let srv = TestServer::start().await;
    let op = operation(&srv, "operator_get_customer");
    let doc = json!({"data": {"type": "customers", "id": "123",
        "attributes": {"name": "n", "language": "EN", "capacity_limit": 1, "sip_account_limit": 1}}});
    let ok = srv.get("/api/rest/public/operator/customers/123").await;
    ok.expect(200);
    let r = resp(200, Some("application/json"), doc.to_string().as_bytes());
    let e = exact::check(srv.engine(), op, &r, false).unwrap_err();
    assert!(e.contains("Content-Type application/json"), "{e}");
    let r = resp(200, None, doc.to_string().as_bytes());
    assert!(exact::check(srv.engine(), op, &r, false).is_err());
    let r = resp(200, Some("application/vnd.api+json"), b"");
    let e = exact::check(srv.engine(), op, &r, false).unwrap_err();
    assert!(e.contains("documents a body"), "{e}");
    // A 204 documented without content must come without a body.
    let del = operation(&srv, "operator_delete_customer");
    let r = resp(204, Some("application/vnd.api+json"), b"{}");
    let e = exact::check(srv.engine(), del, &r, false).unwrap_err();
    assert!(e.contains("documents no body"), "{e}");
}

#[tokio::test]
async fn the_exact_check_reads_the_pbx_export_file_as_json() {
    let srv = TestServer::start().await;
    let op = operation(&srv, "pbx_export_providers");
    let real = srv.get("/api/providers/export").await;
    real.expect(200);
    exact::check(srv.engine(), op, &real, false).unwrap();
    let r = resp(200, Some("application/octet-stream"), b"not json");
    let e = exact::check(srv.engine(), op, &r, false).unwrap_err();
    assert!(e.contains("JSON text"), "{e}");
    let r = resp(200, Some("application/octet-stream"), br#"[{"name": 5}]"#);
    let e = exact::check(srv.engine(), op, &r, false).unwrap_err();
    assert!(e.contains("contentSchema"), "{e}");
    let r = resp(200, Some("application/json"), real.bytes.as_slice());
    assert!(exact::check(srv.engine(), op, &r, false).is_err());
}
