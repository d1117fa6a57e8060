//! Limits and failure handling: body size, panicking handlers, start-up refusals.

mod common;

use std::sync::Arc;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};
use trunkmock::engine::call::Call;
use trunkmock::engine::contracts::Contracts;
use trunkmock::engine::family::{Family, FamilyAdapter, HandlerTable, IntoReply};
use trunkmock::engine::problem::Problem;
use trunkmock::engine::reply::Reply;
use trunkmock::engine::scenario::Blueprint;
use trunkmock::{Engine, EngineConfig};

#[tokio::test]
async fn a_body_over_the_limit_is_413_in_the_family_shape() {
    let srv = TestServer::start_with(|o| o.engine.body_limit = 1024).await;
    let big = json!({"name": "x".repeat(2000)});
    let r = srv.post("/api/providers", big).await;
    r.expect(413);
    assert_eq!(r.json["errors"][0]["code"], "PAYLOAD_TOO_LARGE");
    // A body under the limit still goes through.
    srv.post("/api/providers", json!({"name": "y"}))
        .await
        .expect(400);
}

#[tokio::test]
async fn the_default_body_limit_is_one_mebibyte() {
    let srv = TestServer::start().await;
    let big = "x".repeat(1024 * 1024 + 1);
    let r = srv
        .req(Method::POST, "/api/providers")
        .body("application/json", big)
        .send()
        .await;
    r.expect(413);
}

/// A family whose one operation panics, to prove the server survives it.
struct Panicky {
    /// Lists its one operation twice, to prove the engine refuses such a table.
    listed_twice: bool,
}

/// The family's error: an engine problem, rendered in its shape.
struct Failure(Problem);

impl From<Problem> for Failure {
    fn from(p: Problem) -> Self {
        Self(p)
    }
}

impl IntoReply for Failure {
    fn into_reply(self) -> Reply {
        render(&self.0)
    }
}

fn render(p: &Problem) -> Reply {
    Reply::json(p.status, json!({"failure": p.message}))
}

fn boom(_: &mut Vec<u8>, call: &mut Call<'_>) -> Result<Reply, Failure> {
    if call.query_str("panic").is_some() {
        panic!("boom");
    }
    Ok(Reply::json(hyper::StatusCode::OK, json!({"ok": true})))
}

impl Family for Panicky {
    type State = Vec<u8>;
    type Settings = ();
    type Error = Failure;

    fn name(&self) -> &'static str {
        "panicky"
    }

    fn base_paths(&self) -> &'static [&'static str] {
        &["/panicky"]
    }

    fn handlers(&self) -> HandlerTable<Self> {
        if self.listed_twice {
            vec![("panicky_boom", boom), ("panicky_boom", boom)]
        } else {
            vec![("panicky_boom", boom)]
        }
    }

    fn render_problem(&self, p: &Problem) -> Reply {
        render(p)
    }
}

fn panicky_contracts() -> Contracts {
    Contracts::from_documents(vec![(
        "panicky".into(),
        "panicky.openapi.json".into(),
        panicky_contract(),
    )])
    .unwrap()
}

#[test]
fn an_operation_listed_twice_in_a_handler_table_stops_the_start() {
    let err = Engine::new(
        EngineConfig::default(),
        panicky_contracts(),
        vec![FamilyAdapter::new(Panicky { listed_twice: true })],
        Blueprint::default(),
    )
    .err()
    .expect("a duplicate operationId must be refused");
    assert!(
        err.to_string()
            .contains("operation panicky_boom is listed twice"),
        "{err}"
    );
}

fn panicky_contract() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/panicky": {"get": {
            "operationId": "panicky_boom",
            "parameters": [{"name": "panic", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}
        }}}
    })
}

#[tokio::test]
async fn a_panicking_handler_answers_500_in_the_family_shape_and_the_server_keeps_serving() {
    let engine = Engine::new(
        EngineConfig::default(),
        panicky_contracts(),
        vec![FamilyAdapter::new(Panicky {
            listed_twice: false,
        })],
        Blueprint::default(),
    )
    .unwrap();
    let running = trunkmock::server::spawn(Arc::new(engine), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://{}", running.addr);
    let r = client
        .get(format!("{base}/panicky?panic=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"failure": "internal error: boom"}));
    let r = client.get(format!("{base}/panicky")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Why the engine refuses the panicky family on the contract `doc` (panics if it accepts).
fn engine_refusal(doc: Value) -> String {
    let contracts =
        Contracts::from_documents(vec![("panicky".into(), "panicky.openapi.json".into(), doc)])
            .unwrap();
    Engine::new(
        EngineConfig::default(),
        contracts,
        vec![FamilyAdapter::new(Panicky {
            listed_twice: false,
        })],
        Blueprint::default(),
    )
    .err()
    .expect("refused")
    .to_string()
}

#[test]
fn the_engine_refuses_an_operation_without_a_handler() {
    let mut doc = panicky_contract();
    doc["paths"]["/panicky/extra"] = json!({"get": {
        "operationId": "panicky_extra", "responses": {"200": {"description": "ok"}}}});
    let err = engine_refusal(doc);
    assert!(err.to_string().contains("panicky_extra"), "{err}");
    assert!(err.to_string().contains("has no handler"), "{err}");
}

#[test]
fn the_engine_refuses_a_handler_without_an_operation() {
    let mut doc = panicky_contract();
    doc["paths"] = json!({"/other": {"get": {
        "operationId": "panicky_other", "responses": {"200": {"description": "ok"}}}}});
    let err = engine_refusal(doc);
    assert!(
        err.to_string()
            .contains("handler panicky_boom has no operation"),
        "{err}"
    );
}

#[test]
fn a_broken_schema_is_reported_with_file_and_pointer() {
    let mut doc = panicky_contract();
    doc["paths"]["/panicky"]["get"]["parameters"][0]["schema"] = json!({"type": 12});
    let err = Contracts::from_documents(vec![("panicky".into(), "p.openapi.json".into(), doc)])
        .err()
        .expect("refused");
    let text = err
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("p.openapi.json#/paths/~1panicky/get/parameters/0/schema"),
        "{text}"
    );
}
