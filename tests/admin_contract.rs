//! `contracts/admin.openapi.json` describes the admin API exactly: every call the dispatcher
//! answers is in it, every operation in it is answered, and every answer matches it (the
//! shared test client checks each admin answer against it, here and in every other test).

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use regex::Regex;
use reqwest::Method;
use serde_json::{Value, json};

/// The dashboard's calls, answered once `src/admin/ui.rs` is in the tree (it is being built
/// beside this contract; until it lands its two operations are described but unanswered).
const DASHBOARD: [(&str, &str); 2] = [("GET", "/__admin/ui"), ("GET", "/__admin/ui/{}")];

fn dashboard_built() -> bool {
    common::repo().join("src/admin/ui.rs").exists()
}

/// `(METHOD, /__admin/path/{})` for every operation in the contract; parameters as `{}`.
fn contract_calls() -> BTreeSet<(String, String)> {
    let (_, doc) = common::admin_contract();
    let template = Regex::new(r"\{[^}]+\}").unwrap();
    let mut calls = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let shape = template.replace_all(path, "{}").into_owned();
            calls.insert((method.to_ascii_uppercase(), shape));
        }
    }
    calls
}

/// `(METHOD, /__admin/path/{})` for every arm of the admin dispatcher, read from its source:
/// `(&Method::GET, ["contracts", family])` is `GET /__admin/contracts/{}`.
fn dispatcher_calls() -> BTreeSet<(String, String)> {
    let arm = Regex::new(r"\(&Method::([A-Z]+), \[([^\]]*)\]\)").unwrap();
    let mut calls = BTreeSet::new();
    for file in ["src/admin/mod.rs"] {
        let text = std::fs::read_to_string(common::repo().join(file)).unwrap();
        for c in arm.captures_iter(&text) {
            let segments: Vec<String> = c[2]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_prefix('"') {
                    Some(lit) => lit.trim_end_matches('"').to_string(),
                    None => "{}".to_string(),
                })
                .collect();
            calls.insert((c[1].to_string(), format!("/__admin/{}", segments.join("/"))));
        }
    }
    // The live event stream is answered by the server before the dispatcher (events.rs).
    calls.insert(("GET".into(), "/__admin/events/stream".into()));
    if dashboard_built() {
        for (m, p) in DASHBOARD {
            calls.insert((m.into(), p.into()));
        }
    }
    calls
}

#[test]
fn the_contract_lists_exactly_the_calls_the_dispatcher_answers() {
    let mut documented = contract_calls();
    if !dashboard_built() {
        for (m, p) in DASHBOARD {
            documented.remove(&(m.to_string(), p.to_string()));
        }
    }
    let answered = dispatcher_calls();
    let undocumented: Vec<_> = answered.difference(&documented).collect();
    let unanswered: Vec<_> = documented.difference(&answered).collect();
    assert!(
        undocumented.is_empty() && unanswered.is_empty(),
        "answered but not in contracts/admin.openapi.json: {undocumented:?}\n\
         in the contract but not answered: {unanswered:?}"
    );
}

/// The operationId the admin contract gives `method path`.
fn operation_id(method: &Method, path: &str) -> String {
    let (contracts, _) = common::admin_contract();
    let m = hyper::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let path = path.split('?').next().unwrap();
    contracts
        .operation_for(&m, path)
        .unwrap_or_else(|| panic!("{method} {path} is not in the admin contract"))
        .operation_id
        .to_string()
}

#[tokio::test]
async fn every_admin_operation_answers_as_the_contract_says() {
    let srv = TestServer::start().await;
    let mut called = BTreeSet::new();
    // Something in the journal, the event log and the state first.
    srv.create_pbx_provider(common::fixtures::pbx_provider("contract-check"))
        .await;
    let calls: Vec<(Method, &str, Option<Value>, u16)> = vec![
        (Method::GET, "/__admin/health", None, 200),
        (Method::GET, "/__admin/routes", None, 200),
        (Method::GET, "/__admin/contracts", None, 200),
        (Method::GET, "/__admin/contracts/admin", None, 200),
        (Method::GET, "/__admin/contracts/nope", None, 404),
        (Method::POST, "/__admin/snapshot", None, 409),
        (Method::GET, "/__admin/metrics", None, 200),
        (Method::GET, "/__admin/sessions", None, 200),
        (Method::GET, "/__admin/requests?limit=5", None, 200),
        (Method::GET, "/__admin/requests?path=(", None, 400),
        (
            Method::POST,
            "/__admin/requests/count",
            Some(json!({"method": "POST"})),
            200,
        ),
        (Method::GET, "/__admin/events?limit=3", None, 200),
        (Method::GET, "/__admin/events?since=x", None, 400),
        (Method::GET, "/__admin/state", None, 200),
        (
            Method::POST,
            "/__admin/faults",
            Some(
                json!({"id": "slow", "match": {"operation": "pbx_list_providers"},
                        "delay": {"fixed_ms": 1}, "times": 1}),
            ),
            201,
        ),
        (
            Method::POST,
            "/__admin/faults",
            Some(json!([{"id": "down", "match": {"method": "DELETE"}, "error": {"status": 503}}])),
            201,
        ),
        (Method::GET, "/__admin/faults", None, 200),
        (Method::DELETE, "/__admin/faults/slow", None, 204),
        (Method::DELETE, "/__admin/faults/slow", None, 404),
        (Method::DELETE, "/__admin/faults", None, 204),
        (
            Method::POST,
            "/__admin/webhooks",
            Some(json!({"id": "hook", "url": "http://127.0.0.1:9/hook", "events": ["*"]})),
            201,
        ),
        (Method::GET, "/__admin/webhooks", None, 200),
        (Method::DELETE, "/__admin/webhooks/hook", None, 204),
        (Method::DELETE, "/__admin/webhooks/hook", None, 404),
        (Method::DELETE, "/__admin/webhooks", None, 204),
        (Method::GET, "/__admin/webhooks/deliveries", None, 200),
        (
            Method::POST,
            "/__admin/webhooks/faults",
            Some(json!({"action": "delay", "delay_ms": 5})),
            201,
        ),
        (Method::GET, "/__admin/webhooks/faults", None, 200),
        (Method::DELETE, "/__admin/webhooks/faults", None, 204),
        (Method::GET, "/__admin/clock", None, 200),
        (
            Method::POST,
            "/__admin/clock/advance",
            Some(json!({"seconds": 1})),
            200,
        ),
        (
            Method::POST,
            "/__admin/clock/advance",
            Some(json!({"seconds": -1})),
            400,
        ),
        (
            Method::POST,
            "/__admin/scenarios",
            Some(json!({"name": "quiet", "settings": {}})),
            200,
        ),
        (Method::DELETE, "/__admin/requests", None, 204),
        (Method::POST, "/__admin/reset", None, 200),
    ];
    for (method, path, body, status) in calls {
        let mut req = srv.req(method.clone(), path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        // `send` checks the answer against contracts/admin.openapi.json.
        req.send().await.expect(status);
        called.insert(operation_id(&method, path));
    }

    // The state comes back as it went out.
    let state = srv.get("/__admin/state").await;
    srv.put("/__admin/state", state.json.clone())
        .await
        .expect(200);
    called.insert(operation_id(&Method::PUT, "/__admin/state"));

    // A session made, then dropped.
    srv.req(Method::GET, "/__admin/clock")
        .session("passing")
        .send()
        .await
        .expect(200);
    srv.delete("/__admin/sessions/passing").await.expect(204);
    srv.delete("/__admin/sessions/passing").await.expect(404);
    called.insert(operation_id(&Method::DELETE, "/__admin/sessions/x"));

    // The live stream: its status and media type (the body stays open).
    let stream = srv
        .client
        .get(srv.url("/__admin/events/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    drop(stream);
    called.insert(operation_id(&Method::GET, "/__admin/events/stream"));

    if dashboard_built() {
        srv.get("/__admin/ui").await.expect(200);
        srv.get("/__admin/ui/app.css").await.expect(200);
        srv.get("/__admin/ui/nope.txt").await.expect(404);
        called.insert(operation_id(&Method::GET, "/__admin/ui"));
        called.insert(operation_id(&Method::GET, "/__admin/ui/x"));
    }

    let (contracts, _) = common::admin_contract();
    let missing: Vec<&str> = contracts
        .operations
        .iter()
        .map(|o| &*o.operation_id)
        .filter(|id| !called.contains(*id))
        .filter(|id| dashboard_built() || !id.starts_with("admin_dashboard"))
        .collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
}

#[tokio::test]
async fn without_the_admin_token_an_admin_call_answers_the_documented_401() {
    let srv = TestServer::start_with(|o| o.engine.admin_token = Some("s3cret".into())).await;
    let refused = srv.get("/__admin/health").await;
    refused.expect(401);
    assert!(refused.header("www-authenticate").is_some());
    srv.req(Method::POST, "/__admin/reset")
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .expect(200);
}
