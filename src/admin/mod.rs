//! `/__admin/*`: health, routes, reset, state dump/restore, the request journal, sessions,
//! scenarios and the virtual clock. Answers are plain JSON; errors are `{"error": "..."}`.
//! Every call acts on the session named by `X-Trunkmock-Session` (default `default`).

mod contracts;
pub mod events;
pub mod ui;
mod webhooks;
mod writes;

use writes::{add_faults, apply_scenario, restore_state};

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use regex::Regex;
use serde_json::{Value, json};

use crate::engine::http::{read_body, session_name, to_response};
use crate::engine::journal::JournalQuery;
use crate::engine::reply::Reply;
use crate::engine::store::{Session, dump_world};
use crate::engine::{Engine, call::Pairs, clock};

fn error(status: StatusCode, message: impl Into<String>) -> Reply {
    Reply::json(status, json!({ "error": message.into() }))
}

fn ok(body: Value) -> Reply {
    Reply::json(StatusCode::OK, body)
}

/// Whether a path belongs to the admin API (the server routes it here, never to the pipeline).
pub fn is_admin_path(path: &str) -> bool {
    path == "/__admin" || path.starts_with("/__admin/")
}

/// Answers one admin request: reads its body (within `--body-limit`), then [`handle`].
pub async fn answer<B>(engine: &Arc<Engine>, req: hyper::Request<B>) -> hyper::Response<Full<Bytes>>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let reply = match read_body(body, &parts.headers, engine.config.body_limit).await {
        Ok(body) => handle(engine, &parts, parts.uri.path(), body),
        Err(p) => engine.render_problem(None, &p),
    };
    to_response(reply)
}

/// Handles one admin request.
pub fn handle(engine: &Arc<Engine>, parts: &Parts, path: &str, body: Bytes) -> Reply {
    if let Some(reply) = ui::answer(engine, parts, path) {
        return reply;
    }
    if let Some(token) = &engine.config.admin_token {
        let given = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) && !ui::cookie_holds(parts, token) {
            return error(
                StatusCode::UNAUTHORIZED,
                "the admin API needs Authorization: Bearer <admin token>",
            )
            .with_header(WWW_AUTHENTICATE, "Bearer realm=\"trunkmock admin\"");
        }
    }
    let session_name = session_name(&parts.headers);
    let query = Pairs::parse_query(parts.uri.query().unwrap_or(""));
    let rest = path.trim_start_matches("/__admin").trim_end_matches('/');
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let method = &parts.method;

    // Endpoints that need no session.
    match (method, segments.as_slice()) {
        (&Method::GET, ["health"]) => {
            return ok(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "uptime_seconds": engine.clock.uptime_ms() as f64 / 1000.0,
                "sessions": engine.sessions.len(),
                "families": engine.families.iter().map(|f| f.name()).collect::<Vec<_>>(),
                "limits": limits(engine),
                "scenario_revision": engine.scenario_revision(),
            }));
        }
        (&Method::GET, ["routes"]) => return ok(json!({ "routes": routes(engine) })),
        (&Method::GET, ["contracts"]) => return contracts::list(engine),
        (&Method::GET, ["contracts", family]) => return contracts::document(engine, family),
        (&Method::POST, ["snapshot"]) => return snapshot(engine),
        (&Method::GET, ["metrics"]) => {
            let text = crate::metrics::render(engine);
            return Reply::bytes(StatusCode::OK, "text/plain; version=0.0.4", text);
        }
        (&Method::GET, ["sessions"]) => {
            let now = engine.clock.now_ms();
            let list: Vec<Value> = engine
                .sessions
                .all()
                .iter()
                .map(|s| {
                    json!({
                        "name": s.name,
                        "created": clock::rfc3339(s.created_ms),
                        "requests": s.journal.len(),
                        "clock_offset_seconds": s.clock.offset_ms() as f64 / 1000.0,
                        "age_seconds": (now - s.created_ms) as f64 / 1000.0,
                    })
                })
                .collect();
            return ok(json!({ "sessions": list, "max_sessions": engine.sessions.max() }));
        }
        (&Method::DELETE, ["sessions", name]) => {
            let name = crate::engine::call::decode_component(name);
            return if engine.sessions.remove(&name) {
                Reply::empty(StatusCode::NO_CONTENT)
            } else {
                error(StatusCode::NOT_FOUND, format!("no session named {name}"))
            };
        }
        _ => {}
    }

    let session = match engine.session(session_name) {
        Ok(s) => s,
        Err(e) => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                engine.describe_session_error(&e),
            );
        }
    };
    match (method, segments.as_slice()) {
        (&Method::POST, ["reset"]) => {
            match engine
                .sessions
                .reset(&session, &engine.families, &engine.blueprint())
            {
                Ok(()) => ok(json!({ "reset": session.name })),
                Err(e) => error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    engine.describe_session_error(&e),
                ),
            }
        }
        (&Method::GET, ["state"]) => ok(Value::Object(dump_world(
            &session,
            &engine.families,
            session.clock.now_ms(&engine.clock),
        ))),
        (&Method::PUT, ["state"]) => match parse_json(&body) {
            Ok(Value::Object(map)) => match restore_state(engine, &session, &map) {
                Ok(()) => ok(Value::Object(dump_world(
                    &session,
                    &engine.families,
                    session.clock.now_ms(&engine.clock),
                ))),
                Err(reply) => reply,
            },
            Ok(_) => error(
                StatusCode::BAD_REQUEST,
                "the state must be a JSON object keyed by family",
            ),
            Err(reply) => reply,
        },
        (&Method::GET, ["requests"]) => {
            let q = match journal_query(query.get("method"), query.get("path")) {
                Ok(q) => q,
                Err(r) => return r,
            };
            let limit = query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(usize::MAX);
            let list = session.journal.list(&q, limit);
            ok(json!({ "requests": list, "count": list.len() }))
        }
        (&Method::DELETE, ["requests"]) => {
            session.journal.clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        (&Method::POST, ["requests", "count"]) => {
            let v = match parse_json(&body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let q = match journal_query(
                v.get("method").and_then(Value::as_str),
                v.get("path").and_then(Value::as_str),
            ) {
                Ok(q) => q,
                Err(r) => return r,
            };
            ok(json!({ "count": session.journal.count(&q) }))
        }
        (&Method::POST, ["scenarios"]) => apply_scenario(engine, &session, &body),
        (&Method::GET, ["faults"]) => ok(json!({
            "faults": session.faults.snapshot().iter().map(|r| r.describe()).collect::<Vec<_>>(),
        })),
        (&Method::POST, ["faults"]) => add_faults(engine, &session, &body),
        (&Method::DELETE, ["faults"]) => {
            session.faults.clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        (&Method::DELETE, ["faults", id]) => {
            let id = crate::engine::call::decode_component(id);
            if session.faults.remove(&id) {
                Reply::empty(StatusCode::NO_CONTENT)
            } else {
                error(
                    StatusCode::NOT_FOUND,
                    format!("no fault rule with id {id} in session {}", session.name),
                )
            }
        }
        (&Method::GET, ["events"]) => events::list(engine, &session, &query),
        (&Method::GET, ["webhooks"]) => webhooks::list(&session),
        (&Method::POST, ["webhooks"]) => webhooks::add(&session, &body),
        (&Method::DELETE, ["webhooks"]) => webhooks::clear(&session),
        (&Method::GET, ["webhooks", "deliveries"]) => webhooks::deliveries(&session),
        (&Method::GET, ["webhooks", "faults"]) => webhooks::faults(&session),
        (&Method::POST, ["webhooks", "faults"]) => webhooks::add_faults(&session, &body),
        (&Method::DELETE, ["webhooks", "faults"]) => webhooks::clear_faults(&session),
        (&Method::DELETE, ["webhooks", id]) => {
            webhooks::remove(&session, &crate::engine::call::decode_component(id))
        }
        (&Method::GET, ["clock"]) => clock_body(engine, &session),
        (&Method::POST, ["clock", "advance"]) => {
            let v = match parse_json(&body) {
                Ok(v) => v,
                Err(r) => return r,
            };
            // Checked before converting: an `as i64` cast of a huge float would saturate
            // silently, and the offset must stay within MAX_OFFSET_MS.
            let max_s = clock::MAX_OFFSET_MS / 1000;
            let advanced = match v.get("seconds").and_then(Value::as_f64) {
                Some(s) if s.is_finite() && (0.0..=max_s as f64).contains(&s) => {
                    session.clock.advance_ms((s * 1000.0).round() as i64)
                }
                _ => Err(clock::TooFar),
            };
            match advanced {
                Ok(_) => {
                    // What the clock just made happen becomes events (and webhooks) now.
                    engine.note_clock(&session);
                    clock_body(engine, &session)
                }
                Err(_) => error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "body must be {{\"seconds\": N}} with N a number >= 0, and the clock \
                         may run at most {max_s} seconds (100 years) ahead; it is {} ahead now",
                        session.clock.offset_ms() / 1000
                    ),
                ),
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!("no admin endpoint {method} {path}; see GET /__admin/routes and the README"),
        ),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("body is not valid JSON: {e}"),
        )
    })
}

fn journal_query(method: Option<&str>, path: Option<&str>) -> Result<JournalQuery, Reply> {
    let path = match path {
        Some(p) => Some(Regex::new(p).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                format!("path is not a valid regex: {e}"),
            )
        })?),
        None => None,
    };
    Ok(JournalQuery {
        method: method.map(str::to_string),
        path,
        operation_id: None,
    })
}

/// Every bound the process keeps, with what is in use where it is global.
fn limits(engine: &Engine) -> Value {
    let c = &engine.config;
    let budget = engine.sessions.journal_budget();
    json!({
        "max_sessions": c.max_sessions,
        "session_ttl_seconds": c.session_ttl_secs,
        "journal_limit": c.journal_limit,
        "journal_bytes": budget.limit(),
        "journal_bytes_used": budget.used(),
        "body_limit": c.body_limit,
        "clock_max_offset_seconds": clock::MAX_OFFSET_MS / 1000,
        "families": family_limits(engine),
    })
}

/// Each family's `max_*` caps as the default session has them (the blueprint's settings
/// until that session exists).
fn family_limits(engine: &Engine) -> Value {
    let settings = match engine.sessions.get(crate::engine::DEFAULT_SESSION) {
        Some(s) => s.settings().raw.clone(),
        None => engine.blueprint().settings.clone(),
    };
    let families: serde_json::Map<String, Value> = engine
        .families
        .iter()
        .map(|f| (f.name().to_string(), Value::Object(f.limits(&settings))))
        .collect();
    Value::Object(families)
}

fn clock_body(engine: &Engine, session: &Session) -> Reply {
    let now = session.clock.now_ms(&engine.clock);
    ok(json!({
        "now": clock::rfc3339(now),
        "offset_seconds": session.clock.offset_ms() as f64 / 1000.0,
    }))
}

/// Every operation: family, operationId, method, path, summary.
pub fn routes(engine: &Engine) -> Vec<Value> {
    engine
        .contracts
        .operations
        .iter()
        .map(|o| {
            json!({
                "family": o.family,
                "operationId": o.operation_id,
                "method": o.method.as_str(),
                "path": o.path,
                "summary": o.summary,
            })
        })
        .collect()
}

/// `POST /__admin/snapshot`: saves every session to `--state-file` now.
fn snapshot(engine: &Engine) -> Reply {
    let Some(path) = &engine.config.state_file else {
        return error(
            StatusCode::CONFLICT,
            "no state file: start the server with --state-file PATH",
        );
    };
    match crate::persist::save(engine, path) {
        Ok(n) => ok(json!({ "file": path.display().to_string(), "sessions": n })),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write {}: {e}", path.display()),
        ),
    }
}
