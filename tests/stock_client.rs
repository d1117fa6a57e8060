//! A stock JSON:API client library drives the operator family: fetch with `include`, update what
//! it fetched, create with a relationship, delete. The client is Python's `jsonapi-client`
//! (`tests/clients/jsonapi_client_roundtrip.py`); `.ci/run` installs it and runs this test, which
//! is ignored by a plain `cargo test` so a fresh clone needs nothing beyond Rust.

mod common;

use std::process::Command;

use common::TestServer;

#[tokio::test]
#[ignore = "needs Python's jsonapi-client: pip install jsonapi-client==0.9.10 (.ci/run does)"]
async fn a_stock_json_api_client_fetches_includes_updates_creates_and_deletes() {
    let srv = TestServer::start().await;
    let script = common::repo().join("tests/clients/jsonapi_client_roundtrip.py");
    let url = srv.url("/api/rest/public/operator");
    // The client blocks; run it off the runtime so the in-process server keeps answering.
    let out =
        tokio::task::spawn_blocking(move || Command::new("python3").arg(script).arg(url).output())
            .await
            .unwrap()
            .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for step in ["fetched", "updated", "created", "deleted"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(step)),
            "{step} missing:\n{stdout}"
        );
    }
    // The server saw the client's requests, each answered as the contract documents.
    let journal = srv.get("/__admin/requests?limit=50").await;
    let methods: Vec<&str> = journal.json["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["method"].as_str())
        .collect();
    for m in ["GET", "PATCH", "POST", "DELETE"] {
        assert!(methods.contains(&m), "{m} not journaled: {methods:?}");
    }
}
