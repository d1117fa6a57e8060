//! `--watch` (here through `MockServerBuilder::watch`): an edited scenario file is picked up
//! without a restart by new sessions and resets; an edit that does not load changes nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hyper::Method;
use serde_json::{Value, json};
use trunkmock::MockServer;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trunkmock-watch-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario whose pbx state holds `n` providers named after their rank.
fn scenario(n: usize) -> Value {
    let providers: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("p{i}"), "name": format!("p{i}"), "hostname": "h", "port": 5060}))
        .collect();
    json!({"name": format!("{n} providers"), "state": {"pbx": {"providers": providers}}})
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
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

fn providers(state: &Value) -> usize {
    state["pbx"]["providers"].as_array().unwrap().len()
}

#[tokio::test]
async fn an_edited_scenario_reaches_new_sessions_and_resets_but_not_running_ones() {
    let file = temp_dir("edit").join("scenario.json");
    write(&file, &scenario(1));
    let server = MockServer::builder()
        .without_default_scenario()
        .scenario_file(&file)
        .watch(Duration::from_millis(20))
        .start()
        .await;
    assert_eq!(revision(&server).await, 1);
    let before = server.session("before");
    assert_eq!(providers(&before.state().await), 1);

    write(&file, &scenario(3));
    wait_for_revision(&server, 2).await;

    assert_eq!(providers(&server.session("after").state().await), 3);
    assert_eq!(
        providers(&before.state().await),
        1,
        "a running session keeps its state"
    );
    before.reset().await;
    assert_eq!(
        providers(&before.state().await),
        3,
        "a reset starts from the new scenario"
    );
}

#[tokio::test]
async fn an_edit_that_does_not_load_keeps_the_previous_scenario() {
    let file = temp_dir("invalid").join("scenario.json");
    write(&file, &scenario(1));
    let server = MockServer::builder()
        .without_default_scenario()
        .scenario_file(&file)
        .watch(Duration::from_millis(20))
        .start()
        .await;

    // Half-written JSON, then a state of the wrong type: both refused, revision unchanged.
    std::fs::write(&file, "{\"state\": ").unwrap();
    trunkmock::watch::reload(server.engine(), std::slice::from_ref(&file), &[]);
    write(
        &file,
        &json!({"state": {"pbx": {"providers": [{"id": "x", "port": "eighty"}]}}}),
    );
    trunkmock::watch::reload(server.engine(), std::slice::from_ref(&file), &[]);
    assert_eq!(revision(&server).await, 1);
    assert_eq!(providers(&server.session("fresh").state().await), 1);

    // The watcher lived through the refused edits and takes the next good one.
    write(&file, &scenario(2));
    wait_for_revision(&server, 2).await;
    assert_eq!(providers(&server.session("later").state().await), 2);
}

#[tokio::test]
async fn a_refused_blueprint_names_file_and_pointer() {
    let file = temp_dir("pointer").join("scenario.json");
    write(&file, &scenario(1));
    let server = MockServer::builder()
        .without_default_scenario()
        .scenario_file(&file)
        .start()
        .await;
    write(
        &file,
        &json!({"state": {"pbx": {"providers": [{"id": "x", "port": "eighty"}]}}}),
    );
    let blueprint = trunkmock::config::load_blueprint(std::slice::from_ref(&file), &[]).unwrap();
    let err = server.engine().replace_blueprint(blueprint).unwrap_err();
    let expected = format!("{}#/state/pbx/providers/0/", file.display());
    assert!(err.to_string().contains(&expected), "{err}");
}
