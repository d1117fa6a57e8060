//! `trunkmock::MockServer`, the library API for Rust tests, used as a client developer would:
//! start it in one line, talk HTTP to `uri()`, steer it with the helpers.

use serde_json::{Value, json};
use trunkmock::MockServer;

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(server: &MockServer, session: &str, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}{path}", server.uri()))
        .header("x-trunkmock-session", session)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn start_serves_the_default_scenario_on_a_free_local_port() {
    let server = MockServer::start().await;
    assert!(server.uri().starts_with("http://127.0.0.1:"));
    let (status, body) = get(&server, "default", "/api/providers").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 2);
}

#[tokio::test]
async fn a_fault_added_through_a_session_handle_hits_only_that_session() {
    let server = MockServer::start().await;
    let qa = server.session("qa");
    let ids = qa
        .add_fault(json!({"match": {"operation": "pbx_list_providers"}, "error": {"status": 503}}))
        .await;
    assert_eq!(ids.len(), 1);
    assert_eq!(get(&server, "qa", "/api/providers").await.0, 503);
    assert_eq!(get(&server, "default", "/api/providers").await.0, 200);
}

#[tokio::test]
async fn requests_state_and_reset_see_what_the_client_did() {
    let server = MockServer::builder().seed(42).start().await;
    let created = client()
        .post(format!("{}/api/providers", server.uri()))
        .json(
            &json!({"name": "lib", "transport": "UDP", "hostname": "h", "port": 1,
                      "outbound_server": "o", "outbound_server_port": 1, "concurrency": 1}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let journal = server.requests().await;
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["method"], "POST");
    let providers = |state: &Value| state["pbx"]["providers"].as_array().unwrap().len();
    assert_eq!(providers(&server.state().await), 3);
    server.reset().await;
    assert_eq!(providers(&server.state().await), 2);
    assert!(server.requests().await.is_empty());
}

#[tokio::test]
async fn advance_clock_moves_the_session_clock() {
    let server = MockServer::start().await;
    server.advance_clock(3600.0).await;
    let (status, clock) = server
        .admin(hyper::Method::GET, "/__admin/clock", "default", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(clock["offset_seconds"], 3600.0);
}

#[tokio::test]
async fn builder_settings_and_scenarios_reach_new_sessions() {
    let server = MockServer::builder()
        .scenario(json!({"state": {"pbx": {"providers": []}}}))
        .start()
        .await;
    let (_, body) = get(&server, "fresh", "/api/providers").await;
    assert_eq!(body["count"], 0);
}

#[tokio::test]
async fn a_broken_scenario_is_refused_with_its_pointer() {
    let err = MockServer::builder()
        .settings(json!({"no_such_setting": 1}))
        .try_start()
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("#/settings/no_such_setting"),
        "{err}"
    );
}
