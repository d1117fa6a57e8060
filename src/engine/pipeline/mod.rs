//! Over 400 lines on purpose: the whole path of a request stays readable in one file.
//! The pipeline every API request goes through, one function per step, called in order from
//! [`Engine::answer`]:
//!
//! 1. [`Engine::session_for`]: the `X-Trunkmock-Session` header picks (or creates) a session;
//! 2. [`Engine::route`]: method + path → operation, or a 404 / 405 in the family's shape;
//! 3. [`read_body`](super::http::read_body): the body, up to `--body-limit` (413 past it);
//! 4. [`Engine::plan_faults`]: the session's fault rules or a `Prefer` header decide on a
//!    delay, an injected answer or a broken connection; delays are awaited with no lock held;
//! 5. [`Engine::validate`]: the family's preflight, then parameters and body against the
//!    contract, converted to the typed [`Params`] and JSON body the handler reads;
//! 6. the handler, through the family's slot (one lock per family per session), then the
//!    response self-check when `--verify-responses` is on;
//! 7. [`Engine::record`]: the journal entry and one log line;
//! 8. the HTTP edges: `HEAD` answers like `GET` without the body, `OPTIONS` answers `Allow`,
//!    and `--cors` adds the CORS headers.
//!
//! `/__admin/*` never reaches this pipeline: the server sends it to [`crate::admin`].

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ALLOW,
    CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, VARY,
};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use serde_json::Value;

use super::Engine;

mod support;
use super::call::{Pairs, Params};
use super::family::CallParts;
use super::faults::answer::{Shape, preferred_answer, rule_answer};
use super::faults::{self, Delivery, PlannedAction, Preference, RequestView, WireFaultKind};
use super::http::{read_body, session_name, to_response};
use super::journal::{JournalEntry, Texts};
use super::problem::{Location, Problem, ProblemKind, Violation};
use super::reply::{Reply, ReplyBody};
use super::router::RouteLookup;
use super::store::{Session, SessionError};

/// The answer headers a browser script may read under `--cors` (beyond the CORS-safelisted
/// ones): what the families' clients look at.
const EXPOSED_HEADERS: &str =
    "Location, Content-Disposition, Allow, Preference-Applied, X-Trunkmock-Session";

/// Where a request went: its family (for the error shape) and operation, if routed.
struct Routing<'a> {
    lookup: RouteLookup<'a>,
    family: Option<usize>,
    operation: Option<usize>,
}

/// A routed request, as the fault step and the handler read it.
struct Routed<'a> {
    head: &'a Parts,
    path_params: &'a Pairs,
    query: &'a Pairs,
    raw: &'a Bytes,
    now_ms: i64,
}

/// What the pipeline produced for one request, before it is journaled and sent.
struct Outcome {
    reply: Reply,
    delivery: Delivery,
    /// The fault rule (or `prefer`) that acted, for the journal and the log.
    fault: Option<String>,
    /// The id of the fault rule that acted (not `Prefer`), for the journal.
    fault_rule: Option<String>,
    now_ms: i64,
    raw: Bytes,
    /// The user the request was made as (`None`: anonymous, or no sign-in in play).
    who: Option<String>,
}

/// Renders problems in one family's shape (or the engine's plain one outside every family).
struct FamilyShape<'a> {
    engine: &'a Engine,
    family: Option<usize>,
    /// The routed request's path parameters, which some vendors' errors name.
    path: Option<&'a Pairs>,
}

impl Shape for FamilyShape<'_> {
    fn render(&self, problem: &Problem) -> Reply {
        self.engine.render_problem(self.family, problem)
    }

    fn vendor_error(
        &self,
        operation_id: &str,
        status: hyper::StatusCode,
        code: Option<&serde_json::Value>,
    ) -> Option<super::family::VendorError> {
        let family = self.family?;
        let none = Pairs::default();
        let path = self.path.unwrap_or(&none);
        self.engine.families[family].vendor_error(operation_id, status, code, path)
    }
}

impl Engine {
    /// Answers one API request: the response, plus what the connection must do with it
    /// (break, or send the body slowly). `known` is the request's session when the server
    /// already looked it up ([`Engine::existing_session`]), so it is found once per request.
    pub async fn answer<B>(
        self: &Arc<Self>,
        req: Request<B>,
        known: Option<Arc<Session>>,
    ) -> (Response<Full<Bytes>>, Delivery)
    where
        B: Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let (mut head, body) = req.into_parts();
        // HTTP/2 carries the host in `:authority`, which hyper puts in the URI and not in a
        // `Host` header; an absolute-form HTTP/1.1 target does the same, and both outrank
        // `Host` (RFC 9112 §3.2.2, RFC 9113 §8.3.1). One `Host` for everything downstream
        // keeps links and `Location` on the port the client used.
        if let Some(authority) = head.uri.authority()
            && let Ok(v) = hyper::header::HeaderValue::from_str(authority.as_str())
        {
            head.headers.insert(hyper::header::HOST, v);
        }
        let session_name = session_name(&head.headers);
        let session = self.session_for(session_name, known);
        let routing = self.route(&head);
        let body = read_body(body, &head.headers, self.config.body_limit).await;
        let mut outcome = match (&session, body) {
            (Err(e), body) => Outcome::plain(
                self.render_problem(routing.family, &self.session_problem(e)),
                self.clock.now_ms(),
                body.unwrap_or_default(),
            ),
            (Ok(s), Err(p)) => Outcome::plain(
                self.render_problem(routing.family, &p),
                s.clock.now_ms(&self.clock),
                Bytes::new(),
            ),
            (Ok(s), Ok(raw)) => self.serve(s, &head, &routing, raw).await,
        };
        // Serialised once here: the journal keeps these bytes and the wire sends them.
        let _ = outcome.reply.serialize_body();
        self.record(
            &head,
            &routing,
            session.as_ref().ok(),
            session_name,
            &outcome,
            started,
        );
        let reply = self.http_edges(&head, outcome.reply);
        (to_response(reply), outcome.delivery)
    }

    /// Step 1: the session the request names, created on first use.
    fn session_for(
        &self,
        name: &str,
        known: Option<Arc<Session>>,
    ) -> Result<Arc<Session>, SessionError> {
        match known {
            Some(s) => Ok(s),
            None => self.session(name),
        }
    }

    /// Step 2: the operation for method + path, and the family whose error shape applies.
    fn route(&self, head: &Parts) -> Routing<'_> {
        let path = head.uri.path();
        let lookup = self.contracts.routes.lookup(&head.method, path);
        let (family, operation) = match &lookup {
            RouteLookup::Found { route, .. } => (
                Some(self.targets[route.operation].family),
                Some(route.operation),
            ),
            _ => (self.family_for_path(path), None),
        };
        Routing {
            lookup,
            family,
            operation,
        }
    }

    /// Steps 4 to 6 for a request whose session and body are in hand.
    async fn serve(
        &self,
        session: &Session,
        head: &Parts,
        routing: &Routing<'_>,
        raw: Bytes,
    ) -> Outcome {
        let now_ms = session.clock.now_ms(&self.clock);
        let path = head.uri.path();
        let mut outcome = match &routing.lookup {
            RouteLookup::Found { route, params } => {
                let query = Pairs::parse_query(head.uri.query().unwrap_or(""));
                let request = Routed {
                    head,
                    path_params: params,
                    query: &query,
                    raw: &raw,
                    now_ms,
                };
                let auth = super::auth::step::AuthRequest {
                    headers: &head.headers,
                    path_params: params,
                    query: &query,
                    raw: &raw,
                    now_ms,
                };
                match self.authenticate_request(session, route.operation, &auth) {
                    Ok(who) => {
                        let mut outcome =
                            self.plan_faults(session, route.operation, &request).await;
                        outcome.who = who;
                        outcome
                    }
                    Err(reply) => Outcome::plain(
                        self.self_check(route.operation, reply),
                        now_ms,
                        Bytes::new(),
                    ),
                }
            }
            RouteLookup::MethodNotAllowed { allow } => {
                self.unrouted_delay(session).await;
                let p = Problem::method_not_allowed(head.method.as_str(), path, allow.clone());
                Outcome::plain(
                    self.render_problem(routing.family, &p),
                    now_ms,
                    Bytes::new(),
                )
            }
            RouteLookup::Options { allow } => {
                Outcome::plain(self.options_reply(head, allow), now_ms, Bytes::new())
            }
            RouteLookup::NotFound => {
                self.unrouted_delay(session).await;
                let hint = self.slash_hint(&head.method, path);
                let p = Problem::route_not_found(head.method.as_str(), path, hint);
                Outcome::plain(
                    self.render_problem(routing.family, &p),
                    now_ms,
                    Bytes::new(),
                )
            }
        };
        outcome.now_ms = now_ms;
        outcome.raw = match routing.operation {
            Some(op) if self.is_sign_in(op) => super::auth::step::redact_secrets(&raw),
            _ => raw,
        };
        outcome
    }

    /// Unknown paths and methods are slow too when the scenario says so.
    async fn unrouted_delay(&self, session: &Session) {
        if let Some(d) = &session.settings().delay {
            tokio::time::sleep(d.sample(&session.faults.rng)).await;
        }
    }

    /// Step 4, the fault step: asks the session's rules (or the `Prefer` header) what to do,
    /// waits any delay with no lock held, then answers the fault or hands the request to
    /// validation and the handler.
    async fn plan_faults(
        &self,
        session: &Session,
        operation: usize,
        request: &Routed<'_>,
    ) -> Outcome {
        let op = &self.contracts.operations[operation];
        let shape = FamilyShape {
            engine: self,
            family: Some(self.targets[operation].family),
            path: Some(request.path_params),
        };
        let headers = &request.head.headers;
        let preference = match Preference::from_headers(headers) {
            Ok(p) => p,
            Err(message) => {
                let p = Problem::validation(vec![Violation {
                    location: Location::Header,
                    field: "Prefer".into(),
                    message,
                }]);
                let mut outcome = Outcome::plain(shape.render(&p), request.now_ms, Bytes::new());
                outcome.fault = Some("prefer".into());
                return outcome;
            }
        };
        let view = RequestView {
            method: request.head.method.as_str(),
            path: request.head.uri.path(),
            operation_id: &op.operation_id,
            headers,
            query: request.query,
            body: request.raw,
        };
        let settings = session.settings();
        let plan = faults::plan(&session.faults, &view, preference, settings.delay.as_ref());
        let fault = plan
            .rule_id
            .clone()
            .or_else(|| plan.preference.map(|_| "prefer".to_string()));
        let handle = || self.run_handler(session, operation, request);

        // `run_handler` is synchronous and releases every lock before it returns, so nothing
        // is held across these sleeps: a slow request never slows another.
        if !plan.apply_first && !plan.delay.is_zero() {
            tokio::time::sleep(plan.delay).await;
        }
        let mut delivery = Delivery {
            wire: None,
            dribble: plan.dribble,
        };
        // Whether a `Prefer: code=N` was carried out (only then is it named as applied).
        let mut code_honoured = false;
        let mut reply = match &plan.action {
            None => self.self_check(operation, handle()),
            Some(PlannedAction::PreferCode(code)) => {
                let (reply, honoured) =
                    preferred_answer(&shape, &self.contracts, op, *code, handle);
                code_honoured = honoured;
                self.self_check(operation, reply)
            }
            Some(PlannedAction::Rule(action)) => {
                if plan.apply_first {
                    // The state change happens; its answer is lost.
                    let _ = handle();
                }
                let (reply, wire) =
                    rule_answer(&shape, &op.operation_id, action, &session.faults.rng);
                delivery.wire = wire;
                reply
            }
        };
        if plan.apply_first && !plan.delay.is_zero() {
            tokio::time::sleep(plan.delay).await;
        }
        if let Some(v) = plan.preference.and_then(|p| p.applied(code_honoured)) {
            reply = reply.with_header(faults::prefer::PREFERENCE_APPLIED.clone(), v);
        }
        // An injected 401 reads like the real one: RFC 9110 requires the challenge, and
        // clients use it to decide to sign in again.
        if plan.action.is_some()
            && reply.status == hyper::StatusCode::UNAUTHORIZED
            && !reply.headers.contains_key(hyper::header::WWW_AUTHENTICATE)
            && let Some(scheme) = self.families[self.targets[operation].family].auth_scheme()
        {
            reply = reply.with_header(hyper::header::WWW_AUTHENTICATE, scheme.challenge);
        }
        Outcome {
            reply,
            delivery,
            fault,
            fault_rule: plan.rule_id,
            now_ms: request.now_ms,
            raw: Bytes::new(),
            who: None,
        }
    }

    /// Steps 5 and 6: validation, then the handler.
    fn run_handler(&self, session: &Session, operation: usize, request: &Routed<'_>) -> Reply {
        let target = self.targets[operation];
        let (params, body) = match self.validate(operation, request) {
            Ok(input) => input,
            Err(reply) => return reply,
        };
        let parts = CallParts {
            operation_id: &self.contracts.operations[operation].operation_id,
            method: &request.head.method,
            path: request.head.uri.path(),
            params: &params,
            raw_query: request.query,
            headers: &request.head.headers,
            body: &body,
            now_ms: request.now_ms,
            auth: None,
        };
        let users = session.auth.users();
        let desk = self.auth_desk(session, target.family, &users);
        let parts = CallParts {
            auth: desk.as_ref(),
            ..parts
        };
        let mut reply = session.slot(target.family).handle(target.handler, &parts);
        let write = super::events::Write {
            method: &request.head.method,
            path_params: request.path_params,
            request: &body,
            now_ms: request.now_ms,
            reply: &mut reply,
        };
        self.note_change(session, operation, write);
        // Its strings serve the next bodies this thread parses.
        super::body_json::recycle(body);
        reply
    }

    /// Step 5: the family's preflight, then parameters and body against the contract. On
    /// success, the typed parameters and the parsed body the handler reads.
    fn validate(&self, operation: usize, request: &Routed<'_>) -> Result<(Params, Value), Reply> {
        let op = &self.contracts.operations[operation];
        let family = self.targets[operation].family;
        let headers = &request.head.headers;
        let refuse = |p: Problem| self.render_problem(Some(family), &p);
        self.families[family].preflight(&request.head.method, headers)?;
        let mut violations = Vec::new();
        let params = op
            .read_params(request.path_params, request.query)
            .unwrap_or_else(|v| {
                violations = v;
                Params::default()
            });
        let mut body = Value::Null;
        if let Some(spec) = &op.body {
            if request.raw.is_empty() {
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
                        return Err(refuse(Problem::unsupported_media_type(
                            ct,
                            &spec.media_types,
                        )));
                    }
                }
                match super::body_json::parse(request.raw) {
                    Ok(v) => {
                        violations.extend(op.validate_body(&v));
                        body = v;
                    }
                    Err(e) => return Err(refuse(Problem::malformed_json(e))),
                }
            }
        }
        if violations.is_empty() {
            Ok((params, body))
        } else {
            Err(refuse(Problem::validation(violations)))
        }
    }

    /// Step 7: the journal entry and the log line.
    fn record(
        &self,
        head: &Parts,
        routing: &Routing<'_>,
        session: Option<&Arc<Session>>,
        session_name: &str,
        outcome: &Outcome,
        started: Instant,
    ) {
        let status = match &outcome.delivery.wire {
            Some(w) if w.kind == WireFaultKind::MalformedResponseChunk => 200,
            Some(_) => 0,
            None => outcome.reply.status.as_u16(),
        };
        let elapsed = started.elapsed();
        let faulted = outcome.fault.is_some();
        (self.metrics).observe(routing.operation, routing.family, status, elapsed, faulted);
        let path = head.uri.path();
        if let Some(s) = session {
            // A broken connection, or an answer to HEAD, sent no body, so none is kept.
            let response = if status != 0 && head.method != hyper::Method::HEAD {
                let body = outcome.reply.body_bytes();
                match routing.operation {
                    // A sign-in answer holds the tokens: masked like the request's password.
                    Some(op) if self.is_sign_in(op) => super::auth::step::redact_secrets(&body),
                    _ => body,
                }
            } else {
                Bytes::new()
            };
            let query = head.uri.query().unwrap_or("");
            s.journal.record(JournalEntry {
                seq: s.journal.next_seq(),
                time_ms: outcome.now_ms,
                method: head.method.clone(),
                texts: Texts::new(path, query, &head.headers, &outcome.raw, &response),
                operation_id: routing
                    .operation
                    .map(|o| self.contracts.operations[o].operation_id.clone()),
                family: routing.family.map(|f| self.families[f].name()),
                status,
                duration_ms: elapsed.as_secs_f64() * 1000.0,
                fault: outcome.fault.clone(),
                fault_rule: outcome.fault_rule.clone(),
                problem: outcome.reply.problem.clone(),
                user: outcome.who.clone(),
            });
        }
        crate::logging::request(&crate::logging::RequestLine {
            method: head.method.as_str(),
            path,
            status,
            duration_us: elapsed.as_micros() as u64,
            session: session_name,
            fault: outcome.fault.as_deref(),
            user: outcome.who.as_deref(),
        });
    }
}

impl Outcome {
    /// An answer that no fault acted on.
    fn plain(reply: Reply, now_ms: i64, raw: Bytes) -> Self {
        Self {
            reply,
            delivery: Delivery::default(),
            fault: None,
            fault_rule: None,
            now_ms,
            raw,
            who: None,
        }
    }
}
