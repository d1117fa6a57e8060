//! Over 400 lines: about 65 are unit tests; the code is one rule's form, checks and matcher.
//! One fault rule: what it matches, what it does, how often. Rules arrive as JSON (a scenario's
//! `faults`, `POST /__admin/faults`), are checked once — every problem named by JSON pointer —
//! and compiled into a [`FaultRule`] whose regexes and header values are ready to use.

use std::collections::BTreeMap;

use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, StatusCode};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::delay::{DelaySpec, MAX_DELAY_MS};
use crate::engine::call::Pairs;
use crate::engine::family::deserialize_state;

/// The most chunks a `dribble` may cut a body into.
pub const MAX_DRIBBLE_CHUNKS: u32 = 1000;

/// One problem in a rule: a JSON pointer inside the rule and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub pointer: String,
    pub message: String,
}

impl RuleProblem {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

// ---- the JSON form -------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "match")]
    matcher: MatchSpec,
    #[serde(default)]
    error: Option<ErrorSpec>,
    #[serde(default)]
    response: Option<ResponseSpec>,
    #[serde(default)]
    fault: Option<WireFaultKind>,
    #[serde(default)]
    delay: Option<DelaySpec>,
    #[serde(default)]
    dribble: Option<DribbleSpec>,
    #[serde(default)]
    apply: bool,
    #[serde(default)]
    times: Option<u64>,
    #[serde(default)]
    after: u64,
    #[serde(default)]
    probability: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSpec {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    query: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorSpec {
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseSpec {
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DribbleSpec {
    pub chunks: u32,
    pub total_ms: u64,
}

/// A broken connection, acted on by the server, not by HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WireFaultKind {
    /// Close with a TCP reset (SO_LINGER 0).
    ConnectionResetByPeer,
    /// Close without sending a byte.
    EmptyResponse,
    /// A valid status line and headers, then a chunk that cannot be parsed, then close.
    MalformedResponseChunk,
    /// Bytes that are not HTTP, then close.
    RandomDataThenClose,
}

impl WireFaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WireFaultKind::ConnectionResetByPeer => "CONNECTION_RESET_BY_PEER",
            WireFaultKind::EmptyResponse => "EMPTY_RESPONSE",
            WireFaultKind::MalformedResponseChunk => "MALFORMED_RESPONSE_CHUNK",
            WireFaultKind::RandomDataThenClose => "RANDOM_DATA_THEN_CLOSE",
        }
    }
}

// ---- the compiled form ---------------------------------------------------------------------

/// What a request must look like for a rule to apply; every given field must hold.
#[derive(Debug, Default)]
pub struct Matcher {
    /// Upper case; `None` or `ANY` matches every method.
    method: Option<String>,
    path: Option<Regex>,
    pub operation: Option<String>,
    headers: Vec<(HeaderName, Regex)>,
    query: Vec<(String, Regex)>,
    body: Option<Regex>,
}

/// The request as a matcher sees it.
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub operation_id: &'a str,
    pub headers: &'a HeaderMap,
    pub query: &'a Pairs,
    pub body: &'a [u8],
}

impl Matcher {
    pub fn matches(&self, r: &RequestView<'_>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(r.method))
            && self.path.as_ref().is_none_or(|p| p.is_match(r.path))
            && self
                .operation
                .as_deref()
                .is_none_or(|o| o == r.operation_id)
            && self.headers.iter().all(|(name, re)| {
                r.headers
                    .get_all(name)
                    .iter()
                    .any(|v| re.is_match(&String::from_utf8_lossy(v.as_bytes())))
            })
            && self
                .query
                .iter()
                .all(|(name, re)| r.query.get_all(name).any(|v| re.is_match(v)))
            && self
                .body
                .as_ref()
                .is_none_or(|re| re.is_match(&String::from_utf8_lossy(r.body)))
    }
}

/// What a firing rule answers instead of (or, with `apply`, after) the handler.
#[derive(Debug, Clone)]
pub enum Action {
    /// A vendor error rendered in the family's own shape.
    Error {
        status: StatusCode,
        code: Option<Value>,
        message: String,
    },
    /// A canned answer, sent as given.
    Response {
        status: StatusCode,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Option<Value>,
    },
    /// A broken connection.
    Wire(WireFaultKind),
}

/// A checked, compiled rule. Immutable: its counters live in the session's
/// [`super::book::ActiveRule`], so one compiled scenario rule serves every session.
#[derive(Debug)]
pub struct FaultRule {
    /// `None` until the rule joins a session's book, which names it.
    pub id: Option<String>,
    pub matcher: Matcher,
    pub action: Option<Action>,
    pub delay: Option<DelaySpec>,
    pub dribble: Option<DribbleSpec>,
    pub apply: bool,
    pub times: Option<u64>,
    pub after: u64,
    pub probability: Option<f64>,
    /// The rule as it was written, for `GET /__admin/faults`.
    pub source: Value,
}

fn regex(pointer: &str, pattern: &str, problems: &mut Vec<RuleProblem>) -> Option<Regex> {
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            problems.push(RuleProblem::new(
                pointer,
                format!(
                    "not a valid regex: {}",
                    e.to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
            None
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn status(pointer: &str, code: u16, problems: &mut Vec<RuleProblem>) -> StatusCode {
    match StatusCode::from_u16(code) {
        Ok(s) => s,
        Err(_) => {
            problems.push(RuleProblem::new(
                pointer,
                format!("must be an HTTP status in 100..=599, got {code}"),
            ));
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl FaultRule {
    /// Checks and compiles one rule. `known_operation` says whether an operationId exists.
    /// Returns every problem found, each with its pointer inside the rule.
    pub fn compile(
        value: &Value,
        known_operation: &dyn Fn(&str) -> bool,
    ) -> Result<FaultRule, Vec<RuleProblem>> {
        let spec: RuleSpec =
            deserialize_state(value).map_err(|e| vec![RuleProblem::new(e.pointer, e.message)])?;
        let mut problems = Vec::new();

        if let Some(id) = &spec.id
            && (id.is_empty() || id.len() > 128 || id.contains('/'))
        {
            problems.push(RuleProblem::new(
                "/id",
                "must be 1 to 128 characters without '/'",
            ));
        }

        // The matcher.
        let m = &spec.matcher;
        let method = m.method.as_ref().map(|s| s.to_ascii_uppercase());
        let method = method.filter(|s| s != "ANY" && s != "*");
        if let Some(s) = &method
            && hyper::Method::from_bytes(s.as_bytes()).is_err()
        {
            problems.push(RuleProblem::new(
                "/match/method",
                format!("'{s}' is not an HTTP method"),
            ));
        }
        let path = m
            .path
            .as_ref()
            .and_then(|p| regex("/match/path", p, &mut problems));
        if let Some(op) = &m.operation
            && !known_operation(op)
        {
            problems.push(RuleProblem::new(
                "/match/operation",
                format!(
                    "no contract has an operation with operationId '{op}' (see `trunkmock routes`)"
                ),
            ));
        }
        let mut headers = Vec::new();
        for (name, pattern) in &m.headers {
            let pointer = format!("/match/headers/{}", escape(name));
            let header = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes());
            match (header, regex(&pointer, pattern, &mut problems)) {
                (Ok(h), Some(re)) => headers.push((h, re)),
                (Err(_), _) => problems.push(RuleProblem::new(pointer, "not a valid header name")),
                _ => {}
            }
        }
        let mut query = Vec::new();
        for (name, pattern) in &m.query {
            let pointer = format!("/match/query/{}", escape(name));
            if let Some(re) = regex(&pointer, pattern, &mut problems) {
                query.push((name.clone(), re));
            }
        }
        let body = m
            .body
            .as_ref()
            .and_then(|b| regex("/match/body", b, &mut problems));

        // The action: at most one.
        let given: Vec<&str> = [
            spec.error.as_ref().map(|_| "error"),
            spec.response.as_ref().map(|_| "response"),
            spec.fault.as_ref().map(|_| "fault"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() > 1 {
            problems.push(RuleProblem::new(
                format!("/{}", given[1]),
                format!(
                    "a rule has at most one of error, response and fault; this one has {}",
                    given.join(", ")
                ),
            ));
        }
        let action = if let Some(e) = &spec.error {
            let st = status("/error/status", e.status.unwrap_or(500), &mut problems);
            if !(st.is_client_error() || st.is_server_error()) {
                problems.push(RuleProblem::new(
                    "/error/status",
                    format!(
                        "an error needs a 4xx or 5xx status, got {}; use `response` for others",
                        st.as_u16()
                    ),
                ));
            }
            if let Some(code) = &e.code
                && !(code.is_number() || code.is_string())
            {
                problems.push(RuleProblem::new(
                    "/error/code",
                    "must be a number or a string",
                ));
            }
            Some(Action::Error {
                status: st,
                code: e.code.clone(),
                message: e.message.clone().unwrap_or_else(|| {
                    st.canonical_reason()
                        .unwrap_or("Injected error")
                        .to_string()
                }),
            })
        } else if let Some(r) = &spec.response {
            let st = status("/response/status", r.status, &mut problems);
            let mut hs = Vec::new();
            for (name, v) in &r.headers {
                let pointer = format!("/response/headers/{}", escape(name));
                match (
                    HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    (Ok(n), Ok(v)) => hs.push((n, v)),
                    (Err(_), _) => {
                        problems.push(RuleProblem::new(pointer, "not a valid header name"))
                    }
                    (_, Err(_)) => {
                        problems.push(RuleProblem::new(pointer, "not a valid header value"))
                    }
                }
            }
            Some(Action::Response {
                status: st,
                headers: hs,
                body: r.body.clone(),
            })
        } else {
            spec.fault.map(Action::Wire)
        };

        // Timing.
        if let Some(d) = &spec.delay {
            for (p, msg) in d.problems() {
                problems.push(RuleProblem::new(format!("/delay{p}"), msg));
            }
        }
        if let Some(d) = &spec.dribble {
            if d.chunks == 0 || d.chunks > MAX_DRIBBLE_CHUNKS {
                problems.push(RuleProblem::new(
                    "/dribble/chunks",
                    format!("must be in 1..={MAX_DRIBBLE_CHUNKS}, got {}", d.chunks),
                ));
            }
            if d.total_ms > MAX_DELAY_MS {
                problems.push(RuleProblem::new(
                    "/dribble/total_ms",
                    format!("must be at most {MAX_DELAY_MS} ms, got {}", d.total_ms),
                ));
            }
            if spec.fault.is_some() {
                problems.push(RuleProblem::new(
                    "/dribble",
                    "a broken connection sends no body to dribble; drop `dribble` or `fault`",
                ));
            }
        }

        // Budget.
        if let Some(p) = spec.probability
            && !(p.is_finite() && (0.0..=1.0).contains(&p))
        {
            problems.push(RuleProblem::new(
                "/probability",
                format!("must be in 0..1, got {p}"),
            ));
        }

        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(FaultRule {
            id: spec.id,
            matcher: Matcher {
                method,
                path,
                operation: m.operation.clone(),
                headers,
                query,
                body,
            },
            action,
            delay: spec.delay,
            dribble: spec.dribble,
            apply: spec.apply,
            times: spec.times,
            after: spec.after,
            probability: spec.probability,
            source: value.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(v: Value) -> Result<FaultRule, Vec<RuleProblem>> {
        FaultRule::compile(&v, &|op| op == "pbx_get_provider")
    }

    fn pointers(v: Value) -> Vec<String> {
        compile(v)
            .unwrap_err()
            .into_iter()
            .map(|p| p.pointer)
            .collect()
    }

    #[test]
    fn a_full_rule_compiles() {
        let r = compile(json!({
            "id": "x", "match": {"method": "put", "path": "^/api/.*$", "operation": "pbx_get_provider",
              "headers": {"X-Test": "^a"}, "query": {"q": "1"}, "body": "name"},
            "error": {"status": 400, "code": 3080, "message": "nope"},
            "delay": {"uniform": {"lower_ms": 1, "upper_ms": 2}},
            "dribble": {"chunks": 2, "total_ms": 10},
            "apply": true, "times": 2, "after": 1, "probability": 0.5
        }))
        .unwrap();
        assert!(matches!(r.action, Some(Action::Error { .. })));
        assert_eq!(r.times, Some(2));
    }

    #[test]
    fn every_problem_is_named_by_its_pointer() {
        let p = pointers(json!({
            "match": {"path": "(", "operation": "nope", "headers": {"a/b": "x"}},
            "error": {"status": 200},
            "probability": 1.5,
            "delay": {"fixed_ms": 70000}
        }));
        assert_eq!(
            p,
            [
                "/match/path",
                "/match/operation",
                "/match/headers/a~1b",
                "/error/status",
                "/delay/fixed_ms",
                "/probability"
            ]
        );
    }

    #[test]
    fn two_actions_are_refused() {
        let p = pointers(json!({"error": {"status": 500}, "fault": "EMPTY_RESPONSE"}));
        assert_eq!(p, ["/fault"]);
    }

    #[test]
    fn unknown_fields_and_fault_names_are_refused_with_their_pointer() {
        assert_eq!(pointers(json!({"match": {"verb": "GET"}})), ["/match/verb"]);
        assert_eq!(pointers(json!({"fault": "EXPLODE"})), ["/fault"]);
        assert_eq!(pointers(json!({"times": -1})), ["/times"]);
    }
}
