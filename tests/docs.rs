//! The settings table in `scenarios/README.md` is checked against the code: every setting a
//! family's settings struct declares is listed with its default, and nothing else is.

mod common;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use trunkmock::apis::{apio, fusion, operator, pbx};

/// `family.key.sub` → default, flattened from a settings struct's serde form.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Object(_) => {}
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

fn defaults_of<S: Serialize + Default>(family: &str, out: &mut BTreeMap<String, Value>) {
    flatten(family, &serde_json::to_value(S::default()).unwrap(), out);
}

/// Every setting the code declares, with its default.
fn declared() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    defaults_of::<pbx::settings::PbxSettings>("pbx", &mut out);
    defaults_of::<fusion::settings::FusionSettings>("fusion", &mut out);
    defaults_of::<apio::settings::ApioSettings>("apio", &mut out);
    defaults_of::<operator::settings::OperatorSettings>("operator", &mut out);
    out
}

/// The rows of the README's settings table: name → default column text.
fn documented() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(common::repo().join("scenarios/README.md")).unwrap();
    let table = text
        .split("## Settings")
        .nth(1)
        .expect("scenarios/README.md has a Settings section");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_string(),
                cells[2].trim_matches('`').to_string(),
            )
        })
        .filter(|(name, _)| name != "delay")
        .collect()
}

#[test]
fn the_settings_table_lists_every_setting_the_code_declares_and_no_other() {
    let declared = declared();
    let documented = documented();
    let missing: Vec<&String> = declared
        .keys()
        .filter(|k| !documented.contains_key(*k))
        .collect();
    let unknown: Vec<&String> = documented
        .keys()
        .filter(|k| !declared.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "scenarios/README.md settings table: missing {missing:?}, not in the code {unknown:?}"
    );
}

#[test]
fn the_settings_table_gives_each_default_the_code_uses() {
    let documented = documented();
    for (name, default) in declared() {
        let Some(text) = documented.get(&name) else {
            continue;
        };
        if default.is_null() {
            continue; // Described in words ("from the request's Host").
        }
        let shown: Value = serde_json::from_str(text)
            .unwrap_or_else(|_| panic!("{name}: default `{text}` is not JSON"));
        let same = match (shown.as_f64(), default.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => shown == default,
        };
        assert!(
            same,
            "{name}: the table says {shown}, the code uses {default}"
        );
    }
}

/// The `(status, code)` rows of the first table under `heading` in a Markdown file whose
/// header starts with `| status | code |`.
fn error_rows(file: &str, heading: &str) -> std::collections::BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(common::repo().join(file)).unwrap();
    let section = text.split(heading).nth(1).expect("heading present");
    section
        .lines()
        .skip_while(|l| !l.starts_with("| status | code |"))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].trim_matches('`').to_string())
        })
        .collect()
}

/// The `(status, code)` a pbx reply carries.
fn pbx_row(reply: trunkmock::engine::reply::Reply) -> (String, String) {
    let body: Value = serde_json::from_slice(&reply.body_bytes()).unwrap();
    (
        reply.status.as_u16().to_string(),
        body["errors"][0]["code"].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_pbx_error_table_lists_every_code_the_family_answers_and_no_other() {
    use trunkmock::apis::pbx::errors::{PbxError, render_problem};
    use trunkmock::engine::family::IntoReply;
    use trunkmock::engine::problem::{Problem, ProblemKind};

    // One value of every variant: a new variant fails to compile here until it is listed.
    let every_error = |e: &PbxError| match e {
        PbxError::Request(_)
        | PbxError::Validation(_)
        | PbxError::DidNumbersOverlap { .. }
        | PbxError::NotFound(_)
        | PbxError::InvalidProviderId => {}
    };
    let errors = [
        PbxError::Validation(serde_json::json!({"port": "must be an integer"})),
        PbxError::DidNumbersOverlap {
            entry: "1-2".into(),
            provider: "p".into(),
        },
        PbxError::NotFound("p".into()),
        PbxError::InvalidProviderId,
    ];
    let mut answered: std::collections::BTreeSet<(String, String)> = errors
        .into_iter()
        .inspect(every_error)
        .map(|e| pbx_row(e.into_reply()))
        .collect();
    // Every engine problem the pipeline raises for pbx (`NotAcceptable` is raised only by
    // families with content negotiation, and `Injected` carries the fault's own code).
    for kind in [
        ProblemKind::RouteNotFound,
        ProblemKind::MethodNotAllowed,
        ProblemKind::MalformedJson,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::Validation,
        ProblemKind::PayloadTooLarge,
        ProblemKind::TooManySessions,
        ProblemKind::Internal,
    ] {
        let status = match kind {
            ProblemKind::RouteNotFound => 404,
            ProblemKind::MethodNotAllowed => 405,
            ProblemKind::PayloadTooLarge => 413,
            ProblemKind::TooManySessions => 429,
            ProblemKind::Internal => 500,
            _ => 400,
        };
        let status = hyper::StatusCode::from_u16(status).unwrap();
        answered.insert(pbx_row(render_problem(&Problem::new(status, kind, "x"))));
    }
    let documented = error_rows("README.md", "### pbx");
    assert_eq!(
        answered, documented,
        "the README's pbx error table and the codes pbx answers differ"
    );
}
