//! The admin calls that change a session wholesale: restoring its state, applying a scenario,
//! adding fault rules. Each is all or nothing: a refused call leaves the session as it was.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{error, ok, parse_json};
use crate::engine::faults::FaultRule;
use crate::engine::faults::book::{AddError, MAX_RULES};
use crate::engine::reply::Reply;
use crate::engine::scenario::Scenario;
use crate::engine::store::{Session, dump_world};
use crate::engine::{Engine, settings};

/// Replaces the state of every family named in `map`; all or nothing.
pub(super) fn restore_state(
    engine: &Engine,
    session: &Session,
    map: &serde_json::Map<String, Value>,
) -> Result<(), Reply> {
    for name in map.keys() {
        if !engine.families.iter().any(|f| f.name() == name) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("/{name}: no family named {name}"),
            ));
        }
    }
    let now = session.clock.now_ms(&engine.clock);
    let backup = dump_world(session, &engine.families, now);
    for (i, f) in engine.families.iter().enumerate() {
        let Some(v) = map.get(f.name()) else { continue };
        if let Err(e) = session.slot(i).restore(v) {
            // Put back what an earlier family already took.
            for (j, g) in engine.families.iter().enumerate() {
                if let Some(old) = backup.get(g.name()) {
                    let _ = session.slot(j).restore(old);
                }
            }
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("/{}{}: {}", f.name(), e.pointer, e.message),
            ));
        }
    }
    Ok(())
}

/// Applies a scenario body to the session: its state replaces those families' state, its
/// settings merge over the session's.
pub(super) fn apply_scenario(engine: &Engine, session: &Session, body: &[u8]) -> Reply {
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let scenario = match Scenario::from_value("<request body>", &value) {
        Ok(s) => s,
        Err(p) => return error(StatusCode::BAD_REQUEST, p.to_string()),
    };
    if let Some((pointer, message)) = settings::check(&scenario.settings, &engine.families)
        .into_iter()
        .next()
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("<request body>#{pointer}: {message}"),
        );
    }
    let rules = match compile_rules(engine, &scenario.faults, Some("/faults")) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let added = match session.faults.add(rules, false) {
        Ok(ids) => ids,
        Err(e) => return add_error(e),
    };
    let previous = session.settings().raw.clone();
    let mut merged = previous.clone();
    merged.merge(&scenario.settings);
    if let Err(e) = session.set_settings(merged, &engine.families) {
        for id in &added {
            session.faults.remove(id);
        }
        return error(StatusCode::BAD_REQUEST, engine.describe_session_error(&e));
    }
    if let Err(reply) = restore_state(engine, session, &scenario.state) {
        let _ = session.set_settings(previous, &engine.families);
        for id in &added {
            session.faults.remove(id);
        }
        return reply;
    }
    // Receivers come last: nothing before can fail any more, so they are all or nothing too.
    for r in scenario.webhooks {
        session.webhooks.add(r);
    }
    ok(json!({
        "applied": scenario.name,
        "session": session.name,
        "families": scenario.state.keys().collect::<Vec<_>>(),
    }))
}

/// Compiles rules from a request body; on any problem, a 400 listing every one with its
/// pointer (`<request body>#/faults/0/match/path: not a valid regex ...`).
pub(super) fn compile_rules(
    engine: &Engine,
    values: &[Value],
    prefix: Option<&str>,
) -> Result<Vec<std::sync::Arc<FaultRule>>, Reply> {
    let known = |op: &str| {
        engine
            .contracts
            .operations
            .iter()
            .any(|o| &*o.operation_id == op)
    };
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, v) in values.iter().enumerate() {
        // A single rule posted on its own (`prefix` None) has no index in its pointers.
        let at = prefix.map(|p| format!("{p}/{i}")).unwrap_or_default();
        match FaultRule::compile(v, &known) {
            Ok(r) => rules.push(std::sync::Arc::new(r)),
            Err(ps) => problems.extend(
                ps.into_iter()
                    .map(|p| format!("<request body>#{at}{}: {}", p.pointer, p.message)),
            ),
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(Reply::json(
            StatusCode::BAD_REQUEST,
            json!({ "error": problems.join("; "), "problems": problems }),
        ))
    }
}

fn add_error(e: AddError) -> Reply {
    match e {
        AddError::DuplicateId(id) => error(
            StatusCode::CONFLICT,
            format!("a fault rule called {id} exists already; DELETE /__admin/faults/{id} first"),
        ),
        AddError::Full => error(
            StatusCode::BAD_REQUEST,
            format!("a session holds at most {MAX_RULES} fault rules"),
        ),
    }
}

/// `POST /__admin/faults`: one rule (answers `{"id"}`) or an array of rules (answers
/// `{"ids"}`), checked like a scenario's and tried before the session's existing rules.
pub(super) fn add_faults(engine: &Engine, session: &Session, body: &[u8]) -> Reply {
    let value = match parse_json(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (list, single) = match value {
        Value::Array(list) => (list, false),
        v => (vec![v], true),
    };
    let rules = match compile_rules(engine, &list, (!single).then_some("")) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    match session.faults.add(rules, true) {
        Ok(ids) if single => Reply::json(StatusCode::CREATED, json!({ "id": ids[0] })),
        Ok(ids) => Reply::json(StatusCode::CREATED, json!({ "ids": ids })),
        Err(e) => add_error(e),
    }
}
