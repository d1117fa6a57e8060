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
