//! The PBX providers API over real HTTP.

mod common;

use common::TestServer;
use serde_json::json;

const EXAMPLE_ID: &str = "NzAwNTUxOTA5NzczMTQ4MTYw";

fn new_provider(name: &str) -> serde_json::Value {
    json!({"name": name, "transport": "TCP", "hostname": "sip.example.net", "port": 5060,
           "outbound_server": "sbc.example.net", "outbound_server_port": 5060, "concurrency": 8})
}

#[tokio::test]
async fn list_returns_the_seeded_providers_as_summaries() {
    let srv = TestServer::start().await;
    let resp = srv.get("/api/providers").await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn create_then_retrieve_shows_defaults_and_never_the_password() {
    let srv = TestServer::start().await;
    let mut body = new_provider("Carrier A");
    body["password"] = json!("hunter2");
    let created = srv.post("/api/providers", body).await;
    created.expect(201);
    let id = created.json["id"].as_str().unwrap().to_string();
    let got = srv.get(&format!("/api/providers/{id}")).await;
    got.expect(200);
    assert!(got.json.get("password").is_none());
    insta::assert_json_snapshot!(got.json, {".id" => "[id]"});
}
