//! One compiled operation: its parameters, request body and responses, and the checks that
//! run against them — parameters converted to their types, the body against its schema, and
//! (for the tests) a response against the schema of its status.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::Method;
use jsonschema::error::{TypeKind, ValidationErrorKind as Kind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::engine::call::{Pairs, Params};
use crate::engine::problem::{Location, Violation};

/// The message of a body member the schema does not declare (at the member's own pointer).
pub const UNDOCUMENTED: &str = "is not a documented field";

/// The JSON type a parameter's text is read as before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
}

pub struct Parameter {
    pub name: Arc<str>,
    pub location: Location,
    pub required: bool,
    pub(super) kind: ParamType,
    /// The schema's `default`, handed to the handler when the parameter is absent.
    pub(super) default: Option<Value>,
    pub(super) validator: Arc<Validator>,
}

pub struct RequestBody {
    pub required: bool,
    /// The accepted media types (`application/json`, `application/vnd.api+json`).
    pub media_types: Vec<String>,
    pub(super) validator: Option<Arc<Validator>>,
}

pub struct ResponseSpec {
    /// The media type of a body, `None` for an empty answer (204).
    pub media_type: Option<String>,
    pub(super) validator: Option<Arc<Validator>>,
}

/// One operation of one contract.
pub struct Operation {
    pub family: String,
    /// Shared, so journal entries and events name their operation without a copy.
    pub operation_id: Arc<str>,
    pub method: Method,
    pub path: String,
    /// The path's last literal segment (`/v1/trunk_groups/{id}` → `trunk_groups`), which
    /// events name as the changed resource's type.
    pub resource_type: Arc<str>,
    /// Whether a success removes the resource: `DELETE`, or a destroy action (pbx's
    /// `POST /api/providers/{id}/destroy`); its event is `deleted`.
    pub removes: bool,
    pub summary: String,
    pub parameters: Vec<Parameter>,
    pub body: Option<RequestBody>,
    /// Keyed by status (`"200"`), range (`"4XX"`) or `"default"`.
    pub responses: BTreeMap<String, ResponseSpec>,
}

impl Operation {
    /// The documented statuses (numbers only; `default` and ranges left out).
    pub fn documented_statuses(&self) -> Vec<u16> {
        self.responses
            .keys()
            .filter_map(|k| k.parse().ok())
            .collect()
    }

    fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.responses
            .get(&status.to_string())
            .or_else(|| self.responses.get(&format!("{}XX", status / 100)))
            .or_else(|| self.responses.get("default"))
    }

    /// Converts path and query parameters to their declared types and validates them. The
    /// handler gets the converted values (with schema defaults filled in), never the text.
    pub fn read_params(&self, path: &Pairs, query: &Pairs) -> Result<Params, Vec<Violation>> {
        let paths = self
            .parameters
            .iter()
            .filter(|p| p.location == Location::Path)
            .count();
        let mut out = Params::with_capacity(paths, self.parameters.len() - paths);
        let mut violations = Vec::new();
        for p in &self.parameters {
            let raw: Vec<&str> = match p.location {
                Location::Path => path.get(&p.name).into_iter().collect(),
                Location::Query => query.get_all(&p.name).collect(),
                _ => continue,
            };
            let violation = |m: String| match p.location {
                Location::Path => Violation::path(&*p.name, m),
                _ => Violation::query(&*p.name, m),
            };
            let value = if raw.is_empty() {
                if p.required {
                    violations.push(violation("is required".into()));
                }
                p.default.clone()
            } else {
                match coerce(p.kind, &raw) {
                    Ok(v) => {
                        let invalid = p.validator.iter_errors(&v).next().map(|e| describe(&e));
                        match invalid {
                            Some(m) => {
                                violations.push(violation(m));
                                None
                            }
                            None => Some(v),
                        }
                    }
                    Err(m) => {
                        violations.push(violation(m));
                        None
                    }
                }
            };
            match (p.location, value) {
                (Location::Path, Some(v)) => out.push_path(&p.name, v),
                (Location::Path, None) => {}
                (_, v) => out.push_query(&p.name, v),
            }
        }
        if violations.is_empty() {
            Ok(out)
        } else {
            Err(violations)
        }
    }

    /// Validates a parsed request body; violations carry JSON pointers and say what the field
    /// must be in the client's words.
    pub fn validate_body(&self, body: &Value) -> Vec<Violation> {
        let Some(v) = self.body.as_ref().and_then(|b| b.validator.as_ref()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in v.iter_errors(body).take(20) {
            body_violations(&e, &mut out);
        }
        out
    }

    /// Checks a response against the contract: the status is documented, an empty body is
    /// documented as empty, and a JSON body matches its schema. The error carries the body,
    /// for a failing test.
    pub fn validate_response(&self, status: u16, body: &[u8]) -> Result<(), String> {
        self.check_response(status, None, body).map_err(|e| {
            format!(
                "{e}\nbody: {}",
                String::from_utf8_lossy(&body[..body.len().min(4096)])
            )
        })
    }

    /// The response self-check (`--verify-responses`): like [`Self::validate_response`], plus
    /// the content type when one is given; the message names the operation, the status and
    /// every failing JSON pointer, and never repeats the body.
    pub fn check_response(
        &self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let op = &self.operation_id;
        let Some(spec) = self.response(status) else {
            return Err(format!(
                "{op} answered {status}, which the contract does not document (documented: {})",
                self.responses
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        match (&spec.media_type, body.is_empty()) {
            (None, true) => Ok(()),
            (None, false) => Err(format!(
                "{op} {status}: the contract documents no body, got {} bytes",
                body.len()
            )),
            (Some(_), true) => Err(format!(
                "{op} {status}: the contract documents a body, got none"
            )),
            (Some(mt), false) => {
                if let Some(ct) = content_type {
                    let essence = ct.split(';').next().unwrap_or("").trim();
                    if !essence.eq_ignore_ascii_case(mt) && mt != "*/*" {
                        return Err(format!(
                            "{op} {status}: Content-Type is {ct}, the contract documents {mt}"
                        ));
                    }
                }
                let Some(validator) = &spec.validator else {
                    return Ok(());
                };
                if !mt.contains("json") {
                    return Ok(());
                }
                let value: Value = serde_json::from_slice(body)
                    .map_err(|e| format!("{op} {status}: body is not JSON: {e}"))?;
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .take(10)
                    .map(|e| format!("at '{}': {e}", e.instance_path()))
                    .collect();
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{op} {status}: body does not match the contract: {}",
                        errors.join("; ")
                    ))
                }
            }
        }
    }
}

/// One schema error as body violations. `anyOf` (how the contracts spell "this or null") is
/// opened up: when a branch failed deeper than the value's type, its own errors are reported at
/// their own pointers; otherwise the allowed types are listed together.
fn body_violations(e: &ValidationError<'_>, out: &mut Vec<Violation>) {
    let escape = |name: &str| name.replace('~', "~0").replace('/', "~1");
    let at = e.instance_path().to_string();
    match e.kind() {
        // Reported at the parent object; name the property itself, so every family
        // points a client at the exact key (escaped as RFC 6901 requires).
        Kind::Required { property } => out.push(Violation::body(
            format!("{at}/{}", escape(property.as_str().unwrap_or_default())),
            "is required",
        )),
        Kind::AdditionalProperties { unexpected } => out.extend(
            unexpected
                .iter()
                .map(|name| Violation::body(format!("{at}/{}", escape(name)), UNDOCUMENTED)),
        ),
        Kind::AnyOf { context } | Kind::OneOfNotValid { context } => {
            let deeper = context.iter().find(|branch| {
                !branch.is_empty()
                    && branch.iter().all(|b| {
                        !(matches!(b.kind(), Kind::Type { .. })
                            && b.instance_path().to_string() == at)
                    })
            });
            match deeper {
                Some(branch) => branch.iter().for_each(|b| body_violations(b, out)),
                None => out.push(Violation::body(at, describe(e))),
            }
        }
        _ => out.push(Violation::body(at, describe(e))),
    }
}

/// What a value must be, in the client's words: every allowed value or type is listed, and no
/// JSON Schema vocabulary leaks out.
fn describe(e: &ValidationError<'_>) -> String {
    let words = |t: &str| match t {
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        "object" => "an object",
        "array" => "an array",
        _ => "null",
    };
    let literal = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match e.kind() {
        Kind::Type { kind } => {
            let types: Vec<&str> = match kind {
                TypeKind::Single(t) => vec![words(t.as_str())],
                TypeKind::Multiple(set) => set.iter().map(|t| words(t.as_str())).collect(),
            };
            // "a string or null" reads better than the schema's own order.
            let mut types = types;
            types.sort_by_key(|t| *t == "null");
            // A `null` where the field cannot be blank: say so, not just the type.
            let blank = if e.instance().is_null() {
                ", not null"
            } else {
                ""
            };
            format!("must be {}{blank}", types.join(" or "))
        }
        Kind::Enum { options } => {
            let all: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(literal).collect())
                .unwrap_or_default();
            format!("must be one of: {}", all.join(", "))
        }
        Kind::Constant { expected_value } => format!("must be {}", literal(expected_value)),
        Kind::Minimum { limit } => format!("must be at least {limit}"),
        Kind::Maximum { limit } => format!("must be at most {limit}"),
        Kind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        Kind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        Kind::MinLength { limit: 1 } => "must not be empty".into(),
        Kind::MinLength { limit } => format!("must be at least {limit} characters long"),
        Kind::MaxLength { limit } => format!("must be at most {limit} characters long"),
        Kind::MinItems { limit } => format!("must hold at least {limit} items"),
        Kind::MaxItems { limit } => format!("must hold at most {limit} items"),
        Kind::Pattern { pattern } => format!("must match the pattern {pattern}"),
        Kind::Format { format } => format!("must be a valid {format}"),
        Kind::UniqueItems => "must not repeat an item".into(),
        Kind::AnyOf { context } | Kind::OneOfNotValid { context } => {
            let mut types: Vec<String> = Vec::new();
            for b in context.iter().flatten() {
                let d = describe(b);
                let d = d.strip_prefix("must be ").unwrap_or(&d).to_string();
                if !types.contains(&d) {
                    types.push(d);
                }
            }
            format!("must be {}", types.join(" or "))
        }
        _ => e.to_string(),
    }
}

/// Reads parameter text as the JSON type its schema expects.
fn coerce(kind: ParamType, raw: &[&str]) -> Result<Value, String> {
    let one = raw[0];
    match kind {
        ParamType::String => Ok(Value::String(one.to_string())),
        ParamType::Integer => one
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("must be an integer, got '{one}'")),
        ParamType::Number => one
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("must be a number, got '{one}'")),
        ParamType::Boolean => match one {
            "true" | "1" | "" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("must be true or false, got '{one}'")),
        },
        ParamType::Array => Ok(Value::Array(
            raw.iter()
                .flat_map(|r| r.split(','))
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )),
    }
}
