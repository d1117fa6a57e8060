//! Fault and delay injection, for every family: rules from scenario files and the admin API,
//! and `Prefer: code= / delay=` on a single request. The engine asks [`plan`] what to do with a
//! routed request *before* validating it, then waits the delay (holding no lock), answers the
//! fault — an error in the family's own shape, a canned response, or a [`WireFault`] the server
//! acts on by breaking the connection — or hands the request on.
//!
//! - [`rule`]: the JSON form of a rule, its checks, its compiled matcher and action.
//! - [`book`]: a session's ordered rules with their hit counters and budgets.
//! - [`delay`]: delay distributions and the seeded random source.
//! - [`prefer`]: the `Prefer` header.
//! - [`answer`]: what a fired rule or a `Prefer: code=` answers.

pub mod answer;
pub mod book;
pub mod delay;
pub mod prefer;
pub mod rule;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::CONTENT_TYPE;
use serde_json::Value;

pub use book::{ActiveRule, FaultBook, NamedRule};
pub use delay::{DelaySpec, FaultRng};
pub use prefer::Preference;
pub use rule::{Action, DribbleSpec, FaultRule, RequestView, RuleProblem, WireFaultKind};

use super::contracts::{Contracts, Operation};

use super::reply::Reply;
use super::scenario::ScenarioProblem;

/// What the engine does with one routed request, decided before validation.
#[derive(Debug, Default)]
pub struct Plan {
    /// The rule that fired (`None` for a `Prefer` header or nothing), for the journal.
    pub rule_id: Option<String>,
    pub action: Option<PlannedAction>,
    pub delay: Duration,
    pub dribble: Option<DribbleSpec>,
    /// Run the handler first (its state change stays), then delay and answer the fault.
    pub apply_first: bool,
    /// The request's `Prefer`, echoed in `Preference-Applied`.
    pub preference: Option<Preference>,
}

#[derive(Debug, Clone)]
pub enum PlannedAction {
    Rule(Action),
    /// `Prefer: code=N`.
    PreferCode(u16),
}

/// Decides the fault for a request: its `Prefer` header if it has one (rules are then not
/// consulted, nor counted), else the first rule of the session that matches and fires, else
/// nothing. A delay comes from the same source, falling back to the scenario's default.
pub fn plan(
    book: &FaultBook,
    request: &RequestView<'_>,
    preference: Option<Preference>,
    default_delay: Option<&DelaySpec>,
) -> Plan {
    let default = || {
        default_delay
            .map(|d| d.sample(&book.rng))
            .unwrap_or_default()
    };
    if let Some(p) = preference {
        return Plan {
            action: p.code.map(PlannedAction::PreferCode),
            delay: p
                .delay_ms
                .map(Duration::from_millis)
                .unwrap_or_else(default),
            preference: Some(p),
            ..Plan::default()
        };
    }
    let Some(active) = book.select(request) else {
        return Plan {
            delay: default(),
            ..Plan::default()
        };
    };
    let rule = active.rule();
    Plan {
        rule_id: Some(active.id().to_string()),
        action: rule.action.clone().map(PlannedAction::Rule),
        delay: rule
            .delay
            .as_ref()
            .map(|d| d.sample(&book.rng))
            .unwrap_or_else(default),
        dribble: rule.dribble,
        apply_first: rule.apply,
        preference: None,
    }
}

/// Compiles a blueprint's rules, naming each `fault-N` (its position) unless it has an id.
/// Every problem carries the rule's file and pointer.
pub fn compile_scenario_rules(
    rules: &[(String, String, Value)],
    contracts: &Contracts,
) -> Result<Vec<NamedRule>, Vec<ScenarioProblem>> {
    let known = |op: &str| contracts.operations.iter().any(|o| &*o.operation_id == op);
    let mut out: Vec<NamedRule> = Vec::new();
    let mut problems = Vec::new();
    for (i, (file, pointer, value)) in rules.iter().enumerate() {
        match FaultRule::compile(value, &known) {
            Ok(rule) => {
                let id = rule
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("fault-{}", i + 1));
                if out.iter().any(|r| r.id == id) {
                    problems.push(ScenarioProblem {
                        file: file.clone(),
                        pointer: format!("{pointer}/id"),
                        message: format!("another rule is already called '{id}'"),
                    });
                }
                out.push(NamedRule {
                    id,
                    origin: format!("{file}#{pointer}"),
                    rule: Arc::new(rule),
                });
            }
            Err(ps) => problems.extend(ps.into_iter().map(|p| ScenarioProblem {
                file: file.clone(),
                pointer: format!("{pointer}{}", p.pointer),
                message: p.message,
            })),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A canned `response` as a reply: a JSON body gets `application/json` unless the rule names
/// another content type, in which case a string body is sent as its raw text.
pub fn canned_reply(
    status: StatusCode,
    headers: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
    body: Option<&Value>,
) -> Reply {
    let content_type = headers.iter().find(|(n, _)| n == CONTENT_TYPE);
    let mut reply = match (body, content_type) {
        (None, _) => Reply::empty(status),
        (Some(Value::String(s)), Some((_, ct))) if !ct.to_str().unwrap_or("").contains("json") => {
            Reply::bytes(status, "text/plain", Bytes::from(s.clone()))
        }
        (Some(v), _) => Reply::json(status, v.clone()),
    };
    for (name, value) in headers {
        reply.headers.insert(name.clone(), value.clone());
    }
    reply
}

/// The human sentence a contract gives a response (`"No provider has this id."`).
pub fn response_description(contracts: &Contracts, op: &Operation, status: u16) -> Option<String> {
    contracts
        .documents
        .get(&op.family)?
        .pointer(&format!(
            "/paths/{}/{}/responses/{status}/description",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method.as_str().to_ascii_lowercase()
        ))?
        .as_str()
        .map(str::to_string)
}

/// A broken connection for the server to act on, with the bytes it sends first.
#[derive(Debug, Clone)]
pub struct WireFault {
    pub kind: WireFaultKind,
    /// Sent before closing (empty for a reset or an empty response).
    pub bytes: Bytes,
}

impl WireFault {
    pub fn new(kind: WireFaultKind, rng: &FaultRng) -> Self {
        let bytes = match kind {
            WireFaultKind::ConnectionResetByPeer | WireFaultKind::EmptyResponse => Bytes::new(),
            // A well-formed head announcing a chunked body, then a chunk-size line that is not
            // hexadecimal and a truncated chunk: the client fails while decoding the body.
            WireFaultKind::MalformedResponseChunk => Bytes::from_static(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\n{\"trunc",
            ),
            WireFaultKind::RandomDataThenClose => {
                let len = 64 + (rng.next_u64() % 192) as usize;
                let mut v: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                // Never start like a status line, so no client mistakes it for HTTP.
                if v[0] == b'H' {
                    v[0] = 0;
                }
                Bytes::from(v)
            }
        };
        Self { kind, bytes }
    }
}

/// Everything a request's answer needs beyond the reply: a broken connection or a slow body.
#[derive(Debug, Default)]
pub struct Delivery {
    pub wire: Option<WireFault>,
    pub dribble: Option<DribbleSpec>,
}
