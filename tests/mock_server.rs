//! `trunkmock::MockServer`, the library API for Rust tests, used as a client developer would:
//! start it in one line, talk HTTP to `uri()`, steer it with the helpers.

mod common;

use common::fixtures::minimal_pbx_provider;
use common::plain::{self, pbx_provider_count};
use serde_json::json;
use trunkmock::MockServer;

#[tokio::test]
async fn start_serves_the_default_scenario_on_a_free_local_port() {
    let server = MockServer::start().await;
    assert!(server.uri().starts_with("http://127.0.0.1:"));
    let (status, body) =
        plain::get_in_session(&format!("{}/api/providers", server.uri()), "default").await;
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
    assert_eq!(
        plain::get_in_session(&format!("{}/api/providers", server.uri()), "qa")
            .await
            .0,
        503
    );
    assert_eq!(
        plain::get_in_session(&format!("{}/api/providers", server.uri()), "default")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn requests_state_and_reset_see_what_the_client_did() {
    let server = MockServer::builder().seed(42).start().await;
    let (created, _) = plain::post(
        &format!("{}/api/providers", server.uri()),
        &minimal_pbx_provider("lib"),
    )
    .await;
    assert_eq!(created, 201);
    let journal = server.requests().await;
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["method"], "POST");
    assert_eq!(pbx_provider_count(&server.state().await), 3);
    server.reset().await;
    assert_eq!(pbx_provider_count(&server.state().await), 2);
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
    let (_, body) =
        plain::get_in_session(&format!("{}/api/providers", server.uri()), "fresh").await;
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

#[tokio::test]
async fn events_and_webhook_receivers_are_one_call_each() {
    let server = MockServer::builder().seed(7).start().await;
    assert!(server.events().await.is_empty());
    let (created, _) = plain::post(
        &format!("{}/api/providers", server.uri()),
        &minimal_pbx_provider("evented"),
    )
    .await;
    assert_eq!(created, 201);
    let events = server.events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["family"], "pbx");
    assert_eq!(events[0]["operation_id"], "pbx_create_provider");

    let qa = server.session("qa");
    let added = qa
        .add_webhook(json!({"url": "http://127.0.0.1:9/hook", "secret": "s"}))
        .await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["url"], "http://127.0.0.1:9/hook");
    // Receivers belong to their session, and nothing was delivered yet.
    assert!(qa.events().await.is_empty());
    assert!(qa.deliveries().await.is_empty());
}
