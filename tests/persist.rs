//! `--state-file` (here through `MockServerBuilder::state_file`): sessions survive a graceful
//! restart, `POST /__admin/snapshot` writes them atomically, a corrupt file stops the start.

mod common;

use common::files::temp_dir;
use common::fixtures::minimal_pbx_provider;
use common::plain::{self, pbx_provider_count};
use hyper::Method;
use serde_json::{Value, json};
use trunkmock::MockServer;

async fn create_provider(server: &MockServer, session: &str) {
    let url = format!("{}/api/providers", server.uri());
    let (status, _) = plain::post_in_session(&url, session, &minimal_pbx_provider("kept")).await;
    assert_eq!(status, 201);
}

/// Why a server on the state file `file` refuses to start (panics if it starts).
async fn start_error(file: &std::path::Path) -> String {
    match MockServer::builder().state_file(file).try_start().await {
        Ok(_) => panic!("{} was accepted", file.display()),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn sessions_survive_a_graceful_restart() {
    let file = temp_dir("persist-restart").join("state.json");
    let first = MockServer::builder().state_file(&file).start().await;
    create_provider(&first, "qa").await;
    first.session("qa").advance_clock(120.0).await;
    first.stop().await;
    assert!(file.exists(), "the shutdown saved the state");

    let second = MockServer::builder().state_file(&file).start().await;
    let qa = second.session("qa");
    assert_eq!(pbx_provider_count(&qa.state().await), 3);
    assert_eq!(pbx_provider_count(&second.state().await), 2);
    let (_, clock) = second
        .admin(Method::GET, "/__admin/clock", "qa", None)
        .await;
    assert_eq!(clock["offset_seconds"], 120.0);
    // Ids made after the restart do not collide with the restored ones.
    create_provider(&second, "qa").await;
    let state = qa.state().await;
    let mut ids: Vec<&str> = state["pbx"]["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "{state}");
}

#[tokio::test]
async fn snapshot_writes_the_file_while_serving() {
    let file = temp_dir("persist-snapshot").join("state.json");
    let server = MockServer::builder().state_file(&file).start().await;
    create_provider(&server, "default").await;
    let (status, body) = server
        .admin(Method::POST, "/__admin/snapshot", "default", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["sessions"], 1);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        pbx_provider_count(&saved["sessions"]["default"]["state"]),
        3
    );
    assert!(!trunkmock::persist::temp_path(&file).exists());
}

#[tokio::test]
async fn snapshot_without_a_state_file_is_a_conflict() {
    let server = MockServer::start().await;
    let (status, body) = server
        .admin(Method::POST, "/__admin/snapshot", "default", None)
        .await;
    assert_eq!(status, 409);
    assert!(body["error"].as_str().unwrap().contains("--state-file"));
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start_naming_file_and_pointer() {
    let dir = temp_dir("persist-corrupt");
    let file = dir.join("state.json");
    std::fs::write(&file, b"{\"format\": \"trunkmock-state/1\", \"sessions\": ").unwrap();
    let err = start_error(&file).await;
    assert!(
        err.to_string()
            .starts_with(&format!("{}#: not valid JSON", file.display())),
        "{err}"
    );

    let bad = json!({"format": "trunkmock-state/1",
                     "sessions": {"qa": {"state": {"pbx": {"providers": [{"port": "eighty"}]}}}}});
    std::fs::write(&file, bad.to_string()).unwrap();
    let err = start_error(&file).await;
    assert!(
        err.to_string()
            .contains("state.json#/sessions/qa/state/pbx/providers/0"),
        "{err}"
    );

    let bad = json!({"format": "trunkmock-state/1",
                     "sessions": {"qa": {"state": {}, "webhooks": [{"url": "https://x/"}]}}});
    std::fs::write(&file, bad.to_string()).unwrap();
    let err = start_error(&file).await;
    assert!(
        err.contains("state.json#/sessions/qa/webhooks/0/url: must start with http://"),
        "{err}"
    );

    std::fs::write(&file, json!({"sessions": {}}).to_string()).unwrap();
    let err = start_error(&file).await;
    assert!(err.to_string().contains("state.json#/format"), "{err}");
}

#[tokio::test]
async fn a_leftover_temporary_file_from_a_crash_mid_snapshot_does_not_matter() {
    let file = temp_dir("persist-leftover").join("state.json");
    let first = MockServer::builder().state_file(&file).start().await;
    create_provider(&first, "default").await;
    first.stop().await;
    // A crash mid-write leaves half a temporary file; the saved file is untouched.
    let temp = trunkmock::persist::temp_path(&file);
    std::fs::write(&temp, b"{\"format\": \"trunk").unwrap();

    let second = MockServer::builder().state_file(&file).start().await;
    assert_eq!(pbx_provider_count(&second.state().await), 3);
    let (status, _) = second
        .admin(Method::POST, "/__admin/snapshot", "default", None)
        .await;
    assert_eq!(status, 200);
    assert!(!temp.exists(), "the next snapshot replaced the leftover");
}

#[tokio::test]
async fn a_missing_state_file_starts_from_the_scenario() {
    let file = temp_dir("persist-missing").join("state.json");
    let server = MockServer::builder().state_file(&file).start().await;
    assert_eq!(pbx_provider_count(&server.state().await), 2);
}

#[tokio::test]
async fn webhook_receivers_survive_a_restart_and_new_ids_do_not_reuse_theirs() {
    let file = temp_dir("persist-webhooks").join("state.json");
    let first = MockServer::builder().state_file(&file).start().await;
    let qa = first.session("qa");
    qa.add_webhook(json!({"url": "http://127.0.0.1:9/a"})).await;
    let second_hook = qa
        .add_webhook(json!({"url": "http://127.0.0.1:9/b", "secret": "s", "events": ["pbx"]}))
        .await;
    first.stop().await;

    let again = MockServer::builder().state_file(&file).start().await;
    let (_, listed) = again
        .admin(Method::GET, "/__admin/webhooks", "qa", None)
        .await;
    let listed = listed["webhooks"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(
        listed[1], second_hook[0],
        "kept whole, secret and filter included"
    );
    let added = again
        .session("qa")
        .add_webhook(json!({"url": "http://127.0.0.1:9/c"}))
        .await;
    let ids: Vec<&Value> = listed.iter().map(|r| &r["id"]).collect();
    assert!(
        !ids.contains(&&added[0]["id"]),
        "{ids:?} vs {}",
        added[0]["id"]
    );
}
