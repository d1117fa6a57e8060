//! The contracts and default scenario built into the binary: the same as the files in the
//! checkout, served by `GET /__admin/contracts`, and enough to start on their own.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use trunkmock::embedded::{self, BUILT_IN};

#[test]
fn the_built_in_contracts_are_exactly_the_files_in_contracts() {
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(common::repo().join("contracts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p
                .file_name()?
                .to_str()?
                .strip_suffix(".openapi.json")?
                .to_string();
            // The admin API's contract is no family's; it has its own constant.
            (name != "admin").then(|| (name, std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    on_disk.sort();
    let built_in: Vec<(String, String)> = embedded::CONTRACTS
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    assert_eq!(built_in, on_disk);
}

#[test]
fn the_built_in_admin_contract_is_exactly_contracts_admin_openapi_json() {
    let file =
        std::fs::read_to_string(common::repo().join("contracts/admin.openapi.json")).unwrap();
    assert_eq!(embedded::ADMIN_CONTRACT, file);
}

#[test]
fn the_built_in_scenario_is_exactly_scenarios_default_json() {
    let file = std::fs::read_to_string(common::repo().join("scenarios/default.json")).unwrap();
    assert_eq!(embedded::DEFAULT_SCENARIO, file);
}

#[tokio::test]
async fn admin_contracts_lists_every_family_with_title_version_and_url() {
    let srv = common::TestServer::start_with(|o| {
        o.contracts = PathBuf::from(BUILT_IN);
        o.scenarios = vec![PathBuf::from(BUILT_IN)];
    })
    .await;
    let list = srv.get("/__admin/contracts").await;
    list.expect(200);
    let list: Value = serde_json::from_str(&list.text()).unwrap();
    let families: Vec<&str> = list["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["family"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["apio", "fusion", "operator", "pbx"]);
    let pbx = &list["contracts"][3];
    assert_eq!(pbx["title"], "PBX SIP trunk providers");
    assert_eq!(pbx["version"], "1.0.0");
    assert_eq!(pbx["url"], "/__admin/contracts/pbx");

    let doc = srv.get("/__admin/contracts/pbx").await;
    doc.expect(200);
    let doc: Value = serde_json::from_str(&doc.text()).unwrap();
    let file: Value = serde_json::from_str(embedded::CONTRACTS[3].1).unwrap();
    assert_eq!(doc, file);

    // The admin API's own contract is served too, whatever `--contracts` says.
    let admin = srv.get("/__admin/contracts/admin").await;
    admin.expect(200);
    let admin: Value = serde_json::from_str(&admin.text()).unwrap();
    let file: Value = serde_json::from_str(embedded::ADMIN_CONTRACT).unwrap();
    assert_eq!(admin, file);

    let missing = srv.get("/__admin/contracts/nope").await;
    missing.expect(404);
}

#[test]
fn built_in_problems_name_the_built_in_file() {
    let (file, _) = trunkmock::config::load_scenario(&PathBuf::from(BUILT_IN)).unwrap();
    assert_eq!(file, "built-in:scenarios/default.json");
    // A folder really named `built-in` is still reachable as `./built-in`.
    assert!(!embedded::is_built_in(&PathBuf::from("./built-in")));
}
