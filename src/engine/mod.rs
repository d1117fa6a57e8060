//! The API-agnostic machinery and [`Engine::handle`], the pipeline every request goes through:
//! admin → session → route → faults → validate → handler → journal + log → response.

pub mod call;
pub mod clock;
pub mod contracts;
pub mod family;
pub mod faults;
pub mod ids;
pub mod journal;
pub mod problem;
pub mod reply;
pub mod router;
pub mod scenario;
pub mod settings;
pub mod store;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::Value;

use call::Pairs;
use contracts::Contracts;
use family::{CallParts, DynFamily};
use faults::{Delivery, PlannedAction, Preference, RequestView};
use journal::{BODY_KEEP, JournalEntry};
use problem::{Problem, ProblemKind, Violation};
use reply::{Reply, ReplyBody};
use router::RouteLookup;
use scenario::{Blueprint, ScenarioProblem};
use store::{SessionError, Sessions};

/// The session used when a request names none.
pub const DEFAULT_SESSION: &str = "default";
/// The header that picks a session.
pub const SESSION_HEADER: &str = "x-trunkmock-session";

/// Engine-wide settings from the command line.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub body_limit: usize,
    pub journal_limit: usize,
    pub max_sessions: usize,
    pub admin_token: Option<String>,
    /// `None`: a fresh random seed per process.
    pub seed: Option<u64>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            journal_limit: 10_000,
            max_sessions: 1000,
            admin_token: None,
            seed: None,
        }
    }
}

/// Where an operation's requests go: the family and its handler.
#[derive(Debug, Clone, Copy)]
struct Target {
    family: usize,
    handler: usize,
}

pub struct Engine {
    pub config: EngineConfig,
    pub contracts: Contracts,
    pub families: Vec<Arc<dyn DynFamily>>,
    targets: Vec<Target>,
    pub blueprint: std::sync::RwLock<Arc<Blueprint>>,
    pub sessions: Sessions,
    pub clock: clock::RealClock,
}

/// Everything that stops an engine from starting, each with where it is.
#[derive(Debug)]
pub struct StartupError(pub Vec<String>);

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for StartupError {}

impl Engine {
    /// Wires contracts to families and checks that every operation has a handler, every
    /// handler an operation, and that the blueprint's state loads.
    pub fn new(
        config: EngineConfig,
        contracts: Contracts,
        families: Vec<Arc<dyn DynFamily>>,
        blueprint: Blueprint,
    ) -> Result<Self, StartupError> {
        let mut errors = Vec::new();
        let mut targets = Vec::with_capacity(contracts.operations.len());
        for op in &contracts.operations {
            let Some(fi) = families.iter().position(|f| f.name() == op.family) else {
                errors.push(format!(
                    "contracts/{}.openapi.json: no family named {} is built in",
                    op.family, op.family
                ));
                targets.push(Target {
                    family: 0,
                    handler: 0,
                });
                continue;
            };
            let index = family::handler_index(families[fi].as_ref());
            match index.get(op.operation_id.as_str()) {
                Some(&h) => targets.push(Target {
                    family: fi,
                    handler: h,
                }),
                None => {
                    errors.push(format!(
                        "contracts/{}.openapi.json: operation {} ({} {}) has no handler",
                        op.family, op.operation_id, op.method, op.path
                    ));
                    targets.push(Target {
                        family: fi,
                        handler: 0,
                    });
                }
            }
        }
        for f in &families {
            if !contracts.documents.contains_key(f.name()) {
                errors.push(format!(
                    "family {} has no contract (contracts/{}.openapi.json)",
                    f.name(),
                    f.name()
                ));
            }
            for id in f.operation_ids() {
                if !contracts
                    .operations
                    .iter()
                    .any(|o| o.family == f.name() && o.operation_id == id)
                {
                    errors.push(format!(
                        "family {}: handler {id} has no operation in contracts/{}.openapi.json",
                        f.name(),
                        f.name()
                    ));
                }
            }
        }
        for family in blueprint.state.keys() {
            if !families.iter().any(|f| f.name() == family) {
                let file = blueprint
                    .sources
                    .last()
                    .map(|s| s.0.clone())
                    .unwrap_or_default();
                errors.push(format!("{file}#/state/{family}: no family named {family}"));
            }
        }
        let mut blueprint = blueprint;
        for (file, scenario_settings) in &blueprint.settings_sources {
            for (pointer, message) in faults::check_settings(scenario_settings) {
                errors.push(format!("{file}#{pointer}: {message}"));
            }
        }
        match faults::compile_scenario_rules(&blueprint.faults, &contracts) {
            Ok(rules) => blueprint.rules = rules,
            Err(problems) => errors.extend(problems.iter().map(ToString::to_string)),
        }
        if !errors.is_empty() {
            return Err(StartupError(errors));
        }
        let seed = config.seed.unwrap_or_else(ids::entropy_seed);
        let engine = Self {
            sessions: Sessions::new(config.max_sessions, config.journal_limit, seed),
            config,
            contracts,
            families,
            targets,
            blueprint: std::sync::RwLock::new(Arc::new(blueprint)),
            clock: clock::RealClock::new(),
        };
        // Load the default session now, so a broken scenario stops the start, not a request.
        engine
            .session(DEFAULT_SESSION)
            .map_err(|e| StartupError(vec![engine.describe_session_error(&e)]))?;
        Ok(engine)
    }

    pub fn blueprint(&self) -> Arc<Blueprint> {
        self.blueprint
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The named session, created on first use.
    pub fn session(&self, name: &str) -> Result<Arc<store::Session>, SessionError> {
        self.sessions
            .get_or_create(name, &self.families, &self.blueprint(), &self.clock)
    }

    /// A readable account of a session error, naming the scenario file and pointer.
    pub fn describe_session_error(&self, e: &SessionError) -> String {
        match e {
            SessionError::TooMany(max) => format!(
                "too many sessions: the limit of {max} is reached (raise --max-sessions or delete sessions through /__admin/sessions)"
            ),
            SessionError::State { family, error } => {
                let file = self
                    .blueprint()
                    .sources
                    .iter()
                    .rev()
                    .map(|s| s.0.clone())
                    .next()
                    .unwrap_or_else(|| "<no scenario>".into());
                ScenarioProblem {
                    file,
                    pointer: format!("/state/{family}{}", error.pointer),
                    message: error.message.clone(),
                }
                .to_string()
            }
        }
    }

    /// The family whose base path holds `path`, if any.
    pub fn family_for_path(&self, path: &str) -> Option<usize> {
        self.families
            .iter()
            .position(|f| f.base_paths().iter().any(|b| path.starts_with(b)))
    }

    /// Renders a problem in the shape of the family that owns `family`, or a plain JSON
    /// `{"error": ...}` outside every family.
    pub fn render_problem(&self, family: Option<usize>, problem: &Problem) -> Reply {
        let reply = match family {
            Some(i) => self.families[i].render_problem(problem),
            None => Reply::json(
                problem.status,
                serde_json::json!({ "error": problem.message }),
            ),
        };
        if problem.allow.is_empty() {
            reply
        } else {
            reply.with_header(ALLOW, problem.allow.join(", "))
        }
    }

    /// Handles one HTTP request end to end. A broken-connection fault cannot be expressed as a
    /// response; the server uses [`Engine::answer`] to act on it.
    pub async fn handle<B>(self: &Arc<Self>, req: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.answer(req).await.0
    }

    /// Handles one HTTP request end to end: the response, plus what the connection must do
    /// with it (break, or send the body slowly).
    pub async fn answer<B>(self: &Arc<Self>, req: Request<B>) -> (Response<Full<Bytes>>, Delivery)
    where
        B: Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        if path == "/__admin" || path.starts_with("/__admin/") {
            let body = match read_body(body, &parts.headers, self.config.body_limit).await {
                Ok(b) => b,
                Err(p) => {
                    return (
                        to_response(self.render_problem(None, &p)),
                        Delivery::default(),
                    );
                }
            };
            let reply = crate::admin::handle(self, &parts, &path, body);
            return (to_response(reply), Delivery::default());
        }
        let session_name = parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_SESSION)
            .to_string();
        let query_raw = parts.uri.query().unwrap_or("").to_string();
        let lookup = self.contracts.routes.lookup(&parts.method, &path);
        let (family, operation) = match &lookup {
            RouteLookup::Found { route, .. } => (
                Some(self.targets[route.operation].family),
                Some(route.operation),
            ),
            _ => (self.family_for_path(&path), None),
        };

        let body = read_body(body, &parts.headers, self.config.body_limit).await;
        let session = self.session(&session_name);
        let mut delivery = Delivery::default();
        let mut fault_label = None;
        let (reply, now_ms, raw_body) = match (session.as_ref(), body) {
            (Err(e), body) => {
                let mut p = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ProblemKind::TooManySessions,
                    self.describe_session_error(e),
                );
                if matches!(e, SessionError::State { .. }) {
                    p = Problem::internal(p.message);
                }
                (
                    self.render_problem(family, &p),
                    self.clock.now_ms(),
                    body.unwrap_or_default(),
                )
            }
            (Ok(s), Err(p)) => (
                self.render_problem(family, &p),
                s.clock.now_ms(&self.clock),
                Bytes::new(),
            ),
            (Ok(s), Ok(raw)) => {
                let now_ms = s.clock.now_ms(&self.clock);
                let reply = match lookup {
                    RouteLookup::Found { route, params } => {
                        let query = Pairs::parse_query(&query_raw);
                        let request = Routed {
                            method: &parts.method,
                            path: &path,
                            params: &params,
                            query: &query,
                            headers: &parts.headers,
                            raw: &raw,
                            now_ms,
                        };
                        let (reply, d, label) =
                            self.run_operation(s, route.operation, &request).await;
                        delivery = d;
                        fault_label = label;
                        reply
                    }
                    other => {
                        // Unknown paths and methods are slow too when the scenario says so.
                        if let Some(d) = faults::default_delay(&s.settings()) {
                            tokio::time::sleep(d.sample(&s.faults.rng)).await;
                        }
                        match other {
                            RouteLookup::MethodNotAllowed { allow } => self.render_problem(
                                family,
                                &Problem::method_not_allowed(parts.method.as_str(), &path, allow),
                            ),
                            _ => {
                                let hint = self.slash_hint(&parts.method, &path);
                                self.render_problem(
                                    family,
                                    &Problem::route_not_found(parts.method.as_str(), &path, hint),
                                )
                            }
                        }
                    }
                };
                (reply, now_ms, raw)
            }
        };

        let status = match &delivery.wire {
            Some(w) if w.kind == faults::WireFaultKind::MalformedResponseChunk => 200,
            Some(_) => 0,
            None => reply.status.as_u16(),
        };
        let elapsed = started.elapsed();
        if let Ok(s) = &session {
            s.journal.record(JournalEntry {
                seq: s.journal.next_seq(),
                time_ms: now_ms,
                method: parts.method.to_string(),
                path: path.clone(),
                query: query_raw,
                headers: journal::CompactHeaders::from_map(&parts.headers),
                body: (!raw_body.is_empty()).then(|| {
                    String::from_utf8_lossy(&raw_body[..raw_body.len().min(BODY_KEEP)]).into_owned()
                }),
                operation_id: operation.map(|o| self.contracts.operations[o].operation_id.clone()),
                family: family.map(|f| self.families[f].name().to_string()),
                status,
                duration_ms: elapsed.as_secs_f64() * 1000.0,
                fault: fault_label.clone(),
            });
        }
        tracing::info!(
            target: "trunkmock::request",
            method = %parts.method,
            path = %path,
            status,
            duration_us = elapsed.as_micros() as u64,
            session = %session_name,
            fault = fault_label.as_deref(),
            "request"
        );
        (to_response(reply), delivery)
    }

    /// The fault step and the operation: asks the session's rules (or the `Prefer` header)
    /// what to do, waits any delay with no lock held, then answers the fault or hands the
    /// request to validation and the handler. Returns the reply, what the connection must do,
    /// and a label for the journal.
    async fn run_operation(
        &self,
        session: &store::Session,
        operation: usize,
        request: &Routed<'_>,
    ) -> (Reply, Delivery, Option<String>) {
        let op = &self.contracts.operations[operation];
        let family = Some(self.targets[operation].family);
        let preference = match Preference::from_headers(request.headers) {
            Ok(p) => p,
            Err(message) => {
                let p = Problem::validation(vec![Violation {
                    location: problem::Location::Header,
                    field: "Prefer".into(),
                    message,
                }]);
                return (
                    self.render_problem(family, &p),
                    Delivery::default(),
                    Some("prefer".into()),
                );
            }
        };
        let view = RequestView {
            method: request.method.as_str(),
            path: request.path,
            operation_id: &op.operation_id,
            headers: request.headers,
            query: request.query,
            body: request.raw,
        };
        let plan = faults::plan(
            &session.faults,
            &view,
            preference,
            faults::default_delay(&session.settings()).as_ref(),
        );
        let label = plan
            .rule_id
            .clone()
            .or_else(|| plan.preference.map(|_| "prefer".to_string()));
        let handle = || self.dispatch(session, operation, request);

        // `dispatch` is synchronous and releases every lock before it returns, so nothing is
        // held across these sleeps: a slow request never slows another.
        if !plan.apply_first && !plan.delay.is_zero() {
            tokio::time::sleep(plan.delay).await;
        }
        let mut delivery = Delivery {
            wire: None,
            dribble: plan.dribble,
        };
        let mut reply = match &plan.action {
            None => handle(),
            Some(PlannedAction::PreferCode(code)) => {
                self.preferred_answer(op, family, *code, handle)
            }
            Some(PlannedAction::Rule(action)) => {
                if plan.apply_first {
                    // The state change happens; its answer is lost.
                    let _ = handle();
                }
                let (reply, wire) = self.fault_reply(family, action, &session.faults.rng);
                delivery.wire = wire;
                reply
            }
        };
        if plan.apply_first && !plan.delay.is_zero() {
            tokio::time::sleep(plan.delay).await;
        }
        if let Some(p) = plan.preference {
            let honoured = p.code.is_none_or(|c| reply.status.as_u16() == c);
            if let Some(v) = p.applied(honoured) {
                reply = reply.with_header(faults::prefer::PREFERENCE_APPLIED.clone(), v);
            }
        }
        (reply, delivery, label)
    }

    /// For an unknown path, says so when the same path with a trailing slash exists.
    fn slash_hint(&self, method: &Method, path: &str) -> Option<&'static str> {
        if path.ends_with('/') {
            return None;
        }
        match self.contracts.routes.lookup(method, &format!("{path}/")) {
            RouteLookup::NotFound => None,
            _ => Some("the URL must end with '/'"),
        }
    }

    /// Validation and the handler.
    fn dispatch(&self, session: &store::Session, operation: usize, request: &Routed<'_>) -> Reply {
        let Routed {
            method,
            path,
            params,
            query,
            headers,
            raw,
            now_ms,
        } = *request;
        let op = &self.contracts.operations[operation];
        let target = self.targets[operation];
        let family = Some(target.family);
        let settings = session.settings();
        let slot = session.slot(target.family);
        let null = Value::Null;
        let mut parts = CallParts {
            operation_id: &op.operation_id,
            method,
            path,
            params,
            query,
            headers,
            body: &null,
            now_ms,
            settings: &settings,
        };
        if let Err(reply) = slot.preflight(&mut parts) {
            return reply;
        }
        let mut violations = op.validate_params(params, query);
        let mut body = Value::Null;
        if let Some(spec) = &op.body {
            if raw.is_empty() {
                if spec.required {
                    violations.push(Violation::body("", "a request body is required"));
                }
            } else {
                if let Some(ct) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
                    let essence = ct
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    if !spec.media_types.iter().any(|m| *m == essence || m == "*/*") {
                        let mut p = Problem::new(
                            StatusCode::BAD_REQUEST,
                            ProblemKind::UnsupportedMediaType,
                            format!(
                                "Content-Type {ct} is not accepted; send {}",
                                spec.media_types.join(" or ")
                            ),
                        );
                        p.violations.push(Violation {
                            location: problem::Location::Header,
                            field: "Content-Type".into(),
                            message: format!("must be {}", spec.media_types.join(" or ")),
                        });
                        return self.render_problem(family, &p);
                    }
                }
                match serde_json::from_slice::<Value>(raw) {
                    Ok(v) => {
                        violations.extend(op.validate_body(&v));
                        body = v;
                    }
                    Err(e) => return self.render_problem(family, &Problem::malformed_json(e)),
                }
            }
        }
        if !violations.is_empty() {
            return self.render_problem(family, &Problem::validation(violations));
        }
        parts.body = &body;
        slot.handle(target.handler, &mut parts)
    }
}

/// A routed request, as the fault step and the handler read it.
#[derive(Clone, Copy)]
struct Routed<'a> {
    method: &'a Method,
    path: &'a str,
    params: &'a Pairs,
    query: &'a Pairs,
    headers: &'a HeaderMap,
    raw: &'a Bytes,
    now_ms: i64,
}

/// Reads a body up to `limit` bytes; past it, a 413 problem.
async fn read_body<B>(body: B, headers: &HeaderMap, limit: usize) -> Result<Bytes, Problem>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::PayloadTooLarge,
            format!("request body exceeds the limit of {limit} bytes"),
        )
    };
    if let Some(len) = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::MalformedJson,
            format!("could not read the request body: {e}"),
        )),
    }
}

/// Turns a [`Reply`] into a hyper response.
pub fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let bytes = match &reply.body {
        ReplyBody::Empty => Bytes::new(),
        _ => reply.body_bytes(),
    };
    let mut resp = Response::new(Full::new(bytes));
    *resp.status_mut() = reply.status;
    *resp.headers_mut() = reply.headers;
    resp
}
