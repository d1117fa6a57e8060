//! The README promises what the server serves: its operations table must match the contracts,
//! and its quickstart must name the commands CI runs.

mod common;

use trunkmock::engine::contracts::Contracts;

/// The operations table as the README shows it, generated from the contracts.
fn routes_table() -> String {
    let contracts = Contracts::load_dir(&common::repo().join("contracts")).expect("contracts");
    let mut out = String::from("| family | operationId | method | path |\n|---|---|---|---|\n");
    for op in &contracts.operations {
        out.push_str(&format!(
            "| {} | `{}` | {} | `{}` |\n",
            op.family, op.operation_id, op.method, op.path
        ));
    }
    out
}

fn readme() -> String {
    std::fs::read_to_string(common::repo().join("README.md")).expect("README.md")
}

#[test]
fn the_readme_operations_table_matches_the_contracts() {
    let text = readme();
    let begin = "<!-- routes:begin -->\n";
    let end = "<!-- routes:end -->";
    let start = text.find(begin).expect("routes:begin marker") + begin.len();
    let stop = text.find(end).expect("routes:end marker");
    let expected = routes_table();
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[stop..]);
        std::fs::write(common::repo().join("README.md"), updated).unwrap();
        return;
    }
    assert!(
        text[start..stop] == expected,
        "README.md's operations table is stale (UPDATE_README=1 cargo test --test readme rewrites it); expected:\n{expected}"
    );
}

#[test]
fn the_readme_quickstart_names_the_serve_and_test_commands() {
    let text = readme();
    assert!(text.contains("cargo run --release -- serve"));
    assert!(text.contains("cargo test"));
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo test"),
        ".ci/run must run the README's test command"
    );
}
