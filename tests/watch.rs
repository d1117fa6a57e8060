//! `--watch` (here through `MockServerBuilder::watch`): an edited scenario file is picked up
//! without a restart by new sessions and resets; an edit that does not load changes nothing.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::files::{temp_dir, write_json};
use common::plain::pbx_provider_count;
use hyper::Method;
use serde_json::{Value, json};
use trunkmock::MockServer;

/// A scenario whose pbx state holds `n` providers named after their rank.
fn scenario(n: usize) -> Value {
    let providers: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("p{i}"), "name": format!("p{i}"), "hostname": "h", "port": 5060}))
        .collect();
    json!({"name": format!("{n} providers"), "state": {"pbx": {"providers": providers}}})
}

async fn revision(server: &MockServer) -> u64 {
    let (_, health) = server
        .admin(Method::GET, "/__admin/health", "default", None)
        .await;
    health["scenario_revision"].as_u64().unwrap()
}

/// Polls the health answer until the revision is `want` (bounded: a failure, not a hang).
async fn wait_for_revision(server: &MockServer, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while revision(server).await != want {
        assert!(Instant::now() < deadline, "revision {want} never came");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A server with only a one-provider scenario file, watched every 20 ms, and that file.
async fn watched_one_provider_scenario(tag: &str) -> (PathBuf, MockServer) {
    let file = temp_dir(tag).join("scenario.json");
    write_json(&file, &scenario(1));
    let server = MockServer::builder()
        .without_default_scenario()
        .scenario_file(&file)
        .watch(Duration::from_millis(20))
        .start()
        .await;
    (file, server)
}

#[tokio::test]
async fn an_edited_scenario_reaches_new_sessions_and_resets_but_not_running_ones() {
    let (file, server) = watched_one_provider_scenario("watch-edit").await;
    assert_eq!(revision(&server).await, 1);
    let before = server.session("before");
    assert_eq!(pbx_provider_count(&before.state().await), 1);

    write_json(&file, &scenario(3));
    wait_for_revision(&server, 2).await;

    assert_eq!(
        pbx_provider_count(&server.session("after").state().await),
        3
    );
    assert_eq!(
        pbx_provider_count(&before.state().await),
        1,
        "a running session keeps its state"
    );
    before.reset().await;
    assert_eq!(
        pbx_provider_count(&before.state().await),
        3,
        "a reset starts from the new scenario"
    );
}

#[tokio::test]
async fn an_edit_that_does_not_load_keeps_the_previous_scenario() {
    let (file, server) = watched_one_provider_scenario("watch-invalid").await;

    // Half-written JSON, then a state of the wrong type: both refused, revision unchanged.
    std::fs::write(&file, "{\"state\": ").unwrap();
    trunkmock::watch::reload(server.engine(), std::slice::from_ref(&file), &[]);
    write_json(
        &file,
        &json!({"state": {"pbx": {"providers": [{"id": "x", "port": "eighty"}]}}}),
    );
    trunkmock::watch::reload(server.engine(), std::slice::from_ref(&file), &[]);
    assert_eq!(revision(&server).await, 1);
    assert_eq!(
        pbx_provider_count(&server.session("fresh").state().await),
        1
    );

    // The watcher lived through the refused edits and takes the next good one.
    write_json(&file, &scenario(2));
    wait_for_revision(&server, 2).await;
    assert_eq!(
        pbx_provider_count(&server.session("later").state().await),
        2
    );
}

#[tokio::test]
async fn a_refused_blueprint_names_file_and_pointer() {
    let file = temp_dir("watch-pointer").join("scenario.json");
    write_json(&file, &scenario(1));
    let server = MockServer::builder()
        .without_default_scenario()
        .scenario_file(&file)
        .start()
        .await;
    write_json(
        &file,
        &json!({"state": {"pbx": {"providers": [{"id": "x", "port": "eighty"}]}}}),
    );
    let blueprint = trunkmock::config::load_blueprint(std::slice::from_ref(&file), &[]).unwrap();
    let err = server.engine().replace_blueprint(blueprint).unwrap_err();
    let expected = format!("{}#/state/pbx/providers/0/", file.display());
    assert!(err.to_string().contains(&expected), "{err}");
}
