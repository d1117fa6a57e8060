//! The contracts stay easy on client generators (what `tests/generated_clients.rs` proves with
//! one generator, checked here in plain Rust on every `cargo test`): every array says what it
//! holds, an object inside `oneOf`/`anyOf` or an enum used twice is a named component, nullable
//! enums are `anyOf: [{$ref}, {type: null}]`, a `""` enum value has a readable name, no schema is
//! an untyped `{}`, and a body that changes an existing resource carries no `default` (a
//! generated client would send the default and undo what it did not mean to touch).

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

const CONTRACTS: [&str; 5] = ["admin", "apio", "fusion", "operator", "pbx"];

fn document(name: &str) -> Value {
    let path = common::repo().join(format!("contracts/{name}.openapi.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn has_type(node: &Value, wanted: &str) -> bool {
    match node.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == wanted),
        _ => false,
    }
}

/// Every schema-like node below `node`, with its JSON pointer.
fn walk<'a>(node: &'a Value, pointer: String, out: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            out.push((pointer.clone(), node));
            for (k, v) in map {
                walk(
                    v,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What breaks the rules in one document, one line per problem.
fn problems(name: &str, doc: &Value) -> Vec<String> {
    let mut nodes = Vec::new();
    walk(doc, String::new(), &mut nodes);
    let mut out = Vec::new();
    let mut inline_enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (ptr, node) in &nodes {
        // A map of property names is not a schema, even when a property is called `type`.
        if ptr.ends_with("/properties") || ptr.ends_with("/examples") || ptr.ends_with("/example") {
            continue;
        }
        let at = format!("{name}#{ptr}");
        if has_type(node, "array")
            && node.get("items").is_none()
            && node.get("prefixItems").is_none()
        {
            out.push(format!("{at}: an array without `items`"));
        }
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            if matches!(node.get("type"), Some(Value::Array(_))) {
                out.push(format!(
                    "{at}: a nullable enum as a type list; write anyOf: [{{$ref}}, {{type: null}}]"
                ));
            }
            if values.iter().any(|v| v == "")
                && node
                    .get("x-enum-varnames")
                    .and_then(Value::as_array)
                    .is_none_or(|n| n.len() != values.len())
            {
                out.push(format!("{at}: \"\" in an enum without x-enum-varnames"));
            }
            let top_level =
                ptr.matches('/').count() == 3 && ptr.starts_with("/components/schemas/");
            if !top_level && values.len() > 1 {
                inline_enums
                    .entry(Value::Array(values.clone()).to_string())
                    .or_default()
                    .push(ptr.clone());
            }
        }
        for key in ["oneOf", "anyOf"] {
            for (i, variant) in node
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if variant.get("$ref").is_none()
                    && (has_type(variant, "object") || variant.get("properties").is_some())
                {
                    out.push(format!("{at}/{key}/{i}: an inline object variant; name it"));
                }
            }
        }
        for key in ["items", "additionalProperties"] {
            if node
                .get(key)
                .is_some_and(|v| v.as_object().is_some_and(|m| m.is_empty()))
            {
                out.push(format!("{at}/{key}: an untyped {{}} schema"));
            }
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (p, v) in props {
                if v.as_object().is_some_and(|m| m.is_empty()) {
                    out.push(format!("{at}/properties/{p}: an untyped {{}} schema"));
                }
            }
        }
    }
    for (values, at) in inline_enums {
        if at.len() > 1 {
            out.push(format!(
                "{name}: the enum {values} is written inline at {at:?}; make it a component"
            ));
        }
    }
    out.extend(defaults_in_updates(name, doc));
    out
}

/// `default`s reachable from the request body of an operation on one existing resource (its
/// path ends in a parameter) or of any PUT/PATCH.
fn defaults_in_updates(name: &str, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            else {
                continue;
            };
            let changes_one = path.ends_with('}') || method == "put" || method == "patch";
            if !changes_one {
                continue;
            }
            for media in content.values() {
                let mut seen = Vec::new();
                find_defaults(doc, &media["schema"], &mut seen, &mut |ptr| {
                    out.push(format!("{name}: {method} {path} body: a default at {ptr}"));
                });
            }
        }
    }
    out
}

fn find_defaults(doc: &Value, node: &Value, seen: &mut Vec<String>, found: &mut dyn FnMut(&str)) {
    let mut nodes = Vec::new();
    walk(node, String::new(), &mut nodes);
    for (ptr, n) in nodes {
        if n.get("default").is_some() && !ptr.ends_with("/properties") {
            found(&ptr);
        }
        if let Some(r) = n.get("$ref").and_then(Value::as_str)
            && !seen.iter().any(|s| s == r)
        {
            seen.push(r.to_string());
            if let Some(target) = doc.pointer(r.trim_start_matches('#')) {
                find_defaults(doc, target, seen, found);
            }
        }
    }
}

#[test]
fn every_contract_is_written_the_way_client_generators_read_it() {
    let all: Vec<String> = CONTRACTS
        .iter()
        .flat_map(|name| problems(name, &document(name)))
        .collect();
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_hygiene_check_finds_what_the_issue_reported() {
    // The shapes openapi-python-client stumbled over, each caught.
    let doc = serde_json::json!({
        "paths": {"/things/{id}": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ThingUpdate"}}}}}}},
        "components": {"schemas": {
            "ThingUpdate": {"type": "object", "properties": {
                "enabled": {"type": "boolean", "default": true},
                "tags": {"type": "array"},
                "mode": {"type": ["string", "null"], "enum": ["a", "b", null]},
                "action": {"type": "string", "enum": ["Forward", ""]},
                "detail": {}
            }},
            "Error": {"oneOf": [{"type": "object", "properties": {"code": {"type": "string"}}}]}
        }}
    });
    let found = problems("thing", &doc).join("\n");
    for expected in [
        "an array without `items`",
        "a nullable enum as a type list",
        "\"\" in an enum without x-enum-varnames",
        "an untyped {} schema",
        "an inline object variant",
        "a default at",
    ] {
        assert!(
            found.contains(expected),
            "{expected} not found in:\n{found}"
        );
    }
}
