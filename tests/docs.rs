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

/// Expands a table row whose cells may list several statuses (`413, 429, 500`) and codes
/// (`` `a`, `b` `` or `` `a` / `b` ``): zipped when both list as many, else every code with
/// the one status.
fn expand(status: &str, code: &str) -> Vec<(String, String)> {
    let statuses: Vec<String> = status.split(',').map(|s| s.trim().to_string()).collect();
    let codes: Vec<String> = code
        .split([',', '/'])
        .map(|c| c.trim().trim_matches('`').to_string())
        .collect();
    if statuses.len() == codes.len() {
        statuses.into_iter().zip(codes).collect()
    } else {
        codes
            .into_iter()
            .map(|c| (statuses[0].clone(), c))
            .collect()
    }
}

#[test]
fn the_operator_error_table_lists_every_code_the_family_answers_and_no_other() {
    use trunkmock::apis::operator::errors::{OperatorError, QueryIssue, render_problem};
    use trunkmock::engine::problem::{Problem, ProblemKind, Violation};

    let documented: std::collections::BTreeSet<(String, String)> =
        error_rows("docs/operator.md", "### Errors")
            .into_iter()
            .filter(|(status, _)| status != "any") // an injected fault's own code
            .flat_map(|(s, c)| expand(&s, &c))
            .collect();

    // One value of every variant: a new variant fails to compile here until it is listed.
    let every_error = |e: &OperatorError| match e {
        OperatorError::Request(_)
        | OperatorError::NotFound { .. }
        | OperatorError::RelatedNotFound { .. }
        | OperatorError::ClientGeneratedId { .. }
        | OperatorError::TypeMismatch { .. }
        | OperatorError::IdMismatch { .. }
        | OperatorError::IdTaken { .. }
        | OperatorError::RelationshipNotUpdatable { .. }
        | OperatorError::ReadOnlyAttribute { .. }
        | OperatorError::CustomerHasTrunks { .. }
        | OperatorError::LimitReached { .. }
        | OperatorError::BadQuery(_) => {}
    };
    let ty = "incoming_trunks";
    let errors = [
        OperatorError::NotFound { ty, id: "1".into() },
        OperatorError::RelatedNotFound {
            ty,
            id: "1".into(),
            pointer: "/data".into(),
        },
        OperatorError::ClientGeneratedId { ty },
        OperatorError::TypeMismatch {
            expected: ty,
            got: "x".into(),
        },
        OperatorError::IdMismatch {
            url: "1".into(),
            body: "2".into(),
        },
        OperatorError::IdTaken { ty, id: "1".into() },
        OperatorError::RelationshipNotUpdatable { name: "customer" },
        OperatorError::ReadOnlyAttribute { name: "domain" },
        OperatorError::CustomerHasTrunks {
            id: "1".into(),
            count: 1,
        },
        OperatorError::LimitReached { ty, limit: 1 },
    ];
    let mut answered: std::collections::BTreeSet<(String, String)> = errors
        .iter()
        .inspect(|e| every_error(e))
        .flat_map(OperatorError::objects)
        .map(|o| (o.status.as_u16().to_string(), o.code))
        .collect();
    // Query refusals: every code a `QueryIssue` is built with in the family's source.
    let sources = ["jsonapi/query.rs", "jsonapi/select.rs", "handlers.rs"];
    for file in sources {
        let path = common::repo().join("src/apis/operator").join(file);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for chunk in text.split("QueryIssue::new(").skip(1) {
            let code = chunk.split('"').nth(1).unwrap_or_default();
            let issue = QueryIssue::new("p", "x", "t", String::new());
            let object = OperatorError::BadQuery(vec![issue]).objects();
            answered.insert((object[0].status.as_u16().to_string(), code.to_string()));
        }
    }
    // Engine problems, a query and a body violation for validation.
    let mut validation = Problem::validation(vec![
        Violation::query("page[size]", "must be at most 100"),
        Violation::body("/data/type", "is required"),
    ]);
    validation.status = hyper::StatusCode::BAD_REQUEST;
    let mut problems = vec![validation];
    for (kind, status) in [
        (ProblemKind::RouteNotFound, 404),
        (ProblemKind::MethodNotAllowed, 405),
        (ProblemKind::MalformedJson, 400),
        (ProblemKind::UnsupportedMediaType, 415),
        (ProblemKind::NotAcceptable, 406),
        (ProblemKind::PayloadTooLarge, 413),
        (ProblemKind::TooManySessions, 429),
        (ProblemKind::Internal, 500),
    ] {
        let status = hyper::StatusCode::from_u16(status).unwrap();
        problems.push(Problem::new(status, kind, "x"));
    }
    for p in problems {
        let body: Value = serde_json::from_slice(&render_problem(&p).body_bytes()).unwrap();
        for e in body["errors"].as_array().unwrap() {
            answered.insert((
                e["status"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(
        answered, documented,
        "docs/operator.md's error table and the codes operator answers differ"
    );
}
