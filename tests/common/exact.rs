//! The tests' exact response check. The engine's own `Operation::validate_response` is lenient
//! on purpose (it falls back to `4XX`/`default` entries and skips non-JSON bodies); here a test
//! answer must match the contract precisely:
//!
//! - its status is one the operation lists by number, or one of the few engine-level statuses
//!   every operation of a family can meet ([`ENGINE_STATUSES`]), or one the session's journal
//!   shows a fault rule or `Prefer` header injected; for the last two the operation must have a
//!   `default` entry, which documents the family's error shape for them;
//! - its `Content-Type` essence (no parameters, lower case) is a media type the response
//!   documents, and a response documented without content has an empty body;
//! - a JSON body matches the schema; a non-JSON media type whose schema says it carries JSON
//!   (`contentMediaType: application/json` with a `contentSchema`, the pbx export file) is
//!   parsed and matched against that `contentSchema`.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonschema::{Registry, Validator};
use serde_json::Value;
use trunkmock::Engine;
use trunkmock::engine::contracts::Operation;

use super::Resp;

/// Statuses the engine itself answers for any routed operation, before or around a handler, in
/// the family's error shape; the contracts document them once, in each operation's `default`
/// entry, rather than listing them on ~60 operations.
/// - 406: an `Accept` the operation cannot satisfy (JSON:API rule, fusion too).
/// - 413: a body larger than `--max-body`.
/// - 415: a request `Content-Type` the operation does not accept.
/// - 429: `--max-sessions` exceeded, or a fault rule's rate limit.
/// - 500: a handler panicked.
/// - 503: the status fault rules and `Prefer: code=` inject most (a vendor outage).
///
///
/// 405 is absent on purpose: an answer for a method the path does not have has no operation to
/// check against. Statuses a fault rule or `Prefer` header inject (503, 504, a refused `Prefer`
/// answered 400, ...) are accepted only when the journal shows the fault, see [`check`].
pub const ENGINE_STATUSES: [u16; 5] = [406, 413, 415, 429, 500];

/// Compiled `contentSchema`s, keyed by family and JSON pointer; compiling is slow and the
/// same few schemas come back in every test.
static CONTENT_SCHEMAS: Mutex<Option<HashMap<String, std::sync::Arc<Validator>>>> =
    Mutex::new(None);

/// The documented response object for `status` (an explicit entry, or `default` for an
/// engine-level status), with any `$ref` followed, and its pointer in the document.
fn documented_response<'d>(
    doc: &'d Value,
    op: &Operation,
    status: u16,
    injected: bool,
) -> Result<(&'d Value, String), String> {
    let op_ptr = format!(
        "/paths/{}/{}",
        op.path.replace('~', "~0").replace('/', "~1"),
        op.method.as_str().to_ascii_lowercase()
    );
    let listed: Vec<String> = doc
        .pointer(&format!("{op_ptr}/responses"))
        .and_then(Value::as_object)
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    let key = if listed.contains(&status.to_string()) {
        status.to_string()
    } else if (injected || ENGINE_STATUSES.contains(&status))
        && listed.iter().any(|k| k == "default")
    {
        "default".to_string()
    } else {
        return Err(format!(
            "{} answered {status}, which its contract does not list (listed: {listed:?}; \
             engine-level statuses allowed with a `default` entry: {ENGINE_STATUSES:?})",
            op.operation_id
        ));
    };
    let mut ptr = format!("{op_ptr}/responses/{key}");
    let mut response = doc.pointer(&ptr).expect("listed response");
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        ptr = r.trim_start_matches('#').to_string();
        response = doc
            .pointer(&ptr)
            .ok_or_else(|| format!("unresolvable $ref {r}"))?;
    }
    Ok((response, ptr))
}

/// The media type of a `Content-Type` value without its parameters, in lower case.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `status` is outside what [`check`] accepts without a fault: the caller then asks the
/// journal whether a fault produced it.
pub fn needs_fault_allowance(engine: &Engine, op: &Operation, status: u16) -> bool {
    engine
        .contracts
        .documents
        .get(&op.family)
        .is_some_and(|doc| documented_response(doc, op, status, false).is_err())
}

/// Checks one answer of `op` exactly; `Err` says what breaks the contract. `injected` says a
/// fault rule or `Prefer` header produced the answer: then any status is checked against the
/// operation's `default` entry (the contracts' "injected faults").
pub fn check(engine: &Engine, op: &Operation, resp: &Resp, injected: bool) -> Result<(), String> {
    let doc = engine
        .contracts
        .documents
        .get(&op.family)
        .ok_or_else(|| format!("no contract document for family {}", op.family))?;
    check_in(doc, op, resp, injected)
}

/// [`check`] against the document `doc` that holds `op` (the admin API's contract is no
/// family's, so the engine does not hold it).
pub fn check_in(doc: &Value, op: &Operation, resp: &Resp, injected: bool) -> Result<(), String> {
    let (response, ptr) = documented_response(doc, op, resp.status, injected)?;
    let id = &op.operation_id;
    let status = resp.status;
    let content = response.get("content").and_then(Value::as_object);
    let got = resp.header("content-type").map(essence);
    match content {
        None => {
            if !resp.bytes.is_empty() {
                return Err(format!(
                    "{id} {status}: the contract documents no body, got {} bytes",
                    resp.bytes.len()
                ));
            }
        }
        Some(media) => {
            if resp.bytes.is_empty() {
                return Err(format!(
                    "{id} {status}: the contract documents a body, got none"
                ));
            }
            let got = got.ok_or_else(|| format!("{id} {status}: a body without Content-Type"))?;
            let Some(media_obj) = media.get(&got) else {
                return Err(format!(
                    "{id} {status}: Content-Type {got}, documented: {:?}",
                    media.keys().collect::<Vec<_>>()
                ));
            };
            if got.contains("json") {
                // The engine's validator: it is exact once the status is listed and the
                // documented media type is this one (checked above).
                op.validate_response(status, &resp.bytes)?;
            } else {
                check_embedded_json(
                    &op.family,
                    doc,
                    &format!("{ptr}/content/{}/schema", got.replace('/', "~1")),
                    media_obj,
                    resp,
                )
                .map_err(|e| format!("{id} {status}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// A non-JSON media type whose schema declares JSON content (`contentMediaType`) must parse
/// and match its `contentSchema`.
fn check_embedded_json(
    family: &str,
    doc: &Value,
    schema_ptr: &str,
    media_obj: &Value,
    resp: &Resp,
) -> Result<(), String> {
    let schema = media_obj.get("schema");
    let declares_json = schema
        .and_then(|s| s.get("contentMediaType"))
        .and_then(Value::as_str)
        .is_some_and(|m| essence(m).ends_with("json"));
    if !declares_json || schema.and_then(|s| s.get("contentSchema")).is_none() {
        return Ok(());
    }
    let value: Value = serde_json::from_slice(&resp.bytes)
        .map_err(|e| format!("the body is documented as JSON text, but: {e}"))?;
    let validator = content_validator(family, doc, &format!("{schema_ptr}/contentSchema"))?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the JSON text does not match its contentSchema: {}",
            errors.join("; ")
        ))
    }
}

/// Compiles (once) the schema at `pointer` in a family's document, resolving its local refs.
fn content_validator(
    family: &str,
    doc: &Value,
    pointer: &str,
) -> Result<std::sync::Arc<Validator>, String> {
    let key = format!("{family}#{pointer}");
    let mut cache = CONTENT_SCHEMAS.lock().unwrap_or_else(|e| e.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(v) = cache.get(&key) {
        return Ok(v.clone());
    }
    let uri = format!("https://trunkmock.invalid/tests/{family}.json");
    let registry = Registry::new()
        .add(&uri, doc.clone())
        .and_then(|b| b.prepare())
        .map_err(|e| format!("cannot register the {family} contract: {e}"))?;
    // A pointer's `{`/`}` would need escaping in a URI fragment; content schemas sit under
    // `/paths/...` whose templates hold them, so encode the few characters that matter.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    let schema = serde_json::json!({ "$ref": format!("{uri}#{fragment}") });
    let v = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("contentSchema at {pointer} does not compile: {e}"))?;
    let v = std::sync::Arc::new(v);
    cache.insert(key, v.clone());
    Ok(v)
}
