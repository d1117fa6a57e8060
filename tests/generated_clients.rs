//! Clients generated from our contracts work as generated: openapi-python-client (pinned in
//! `.ci/run`) turns each of the five documents (four families and the admin API) into a
//! package with no warning, every module imports, and one typed flow per API runs against a
//! server started here — among them a pbx partial update that changes only the port it names
//! (`tests/clients/generated_flows.py`). datamodel-code-generator's pydantic models of each
//! contract must come out with no model renamed as a duplicate. Ignored by a plain `cargo test`, so a fresh clone
//! needs nothing beyond Rust; `.ci/run` installs the generator and runs it.

mod common;

use std::process::Command;

use common::TestServer;

#[tokio::test]
#[ignore = "needs pip install openapi-python-client==0.29.1 datamodel-code-generator==0.89.0 \
            (.ci/run does)"]
async fn clients_generated_from_every_contract_import_and_run_a_typed_flow_each() {
    let srv = TestServer::start().await;
    let script = common::repo().join("tests/clients/generated_flows.py");
    let contracts = common::repo().join("contracts");
    let work = common::files::temp_dir("generated-clients");
    let base = srv.base.clone();
    let dir = work.clone();
    // The script blocks; run it off the runtime so the in-process server keeps answering.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(base)
            .arg(contracts)
            .arg(dir)
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&work);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for name in ["pbx", "fusion", "apio", "operator", "admin"] {
        let lines = [
            format!("generated {name} "),
            format!("models {name}: "),
            format!("flow {name} ok"),
        ];
        for line in lines {
            assert!(
                stdout.lines().any(|l| l.starts_with(&line)),
                "`{line}` missing:\n{stdout}"
            );
        }
    }
}
