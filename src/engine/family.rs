//! What an API family plugs into the engine: its name, the paths it owns, its handler table
//! keyed by operationId, how its state is loaded and dumped, and how it renders errors.
//!
//! A family implements [`Family`] with a concrete state type; [`FamilyAdapter`] erases that
//! type so the engine can hold every family in one list.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::call::Call;
use super::ids::IdGen;
use super::problem::Problem;
use super::reply::Reply;
use super::settings::Settings;

/// One operation's implementation: read the call, change the state, answer.
pub type Handler<S, E> = fn(&mut S, &mut Call<'_>) -> Result<Reply, E>;

/// A family's handler table: operationId → handler.
pub type HandlerTable<S, E> = Vec<(&'static str, Handler<S, E>)>;

/// A family's error enum turns into its vendor-shaped reply.
pub trait IntoReply {
    fn into_reply(self) -> Reply;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Reply {
        self
    }
}

/// A problem loading a family's state from a scenario or `PUT /__admin/state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    /// JSON pointer relative to the family's state object (`/providers/0/port`).
    pub pointer: String,
    pub message: String,
}

impl StateError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// Deserialises a state with serde, reporting the JSON pointer of the first bad value.
pub fn deserialize_state<S: DeserializeOwned>(value: &Value) -> Result<S, StateError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let pointer = if path == "." {
            String::new()
        } else {
            // serde_path_to_error prints `providers[0].port`; turn it into `/providers/0/port`.
            let mut p = String::new();
            for part in path.split(['.', '[']) {
                if part.is_empty() {
                    continue;
                }
                p.push('/');
                p.push_str(part.trim_end_matches(']'));
            }
            p
        };
        StateError::new(pointer, e.inner().to_string())
    })
}

/// An API family: the contract file `contracts/<NAME>.openapi.json` plus this implementation.
pub trait Family: Send + Sync + 'static {
    /// Everything the family remembers for one session. Its serde form is the family's entry in
    /// a scenario's `state` and in `GET|PUT /__admin/state`.
    type State: Serialize + DeserializeOwned + Send + 'static;
    type Error: IntoReply;

    /// The module name, which is also the contract's file stem and the scenario state key.
    fn name(&self) -> &'static str;

    /// Path prefixes this family owns; errors for unknown paths under them use its shape.
    fn base_paths(&self) -> &'static [&'static str];

    /// Every operation this family implements, keyed by the contract's operationId.
    fn handlers(&self) -> HandlerTable<Self::State, Self::Error>;

    /// Builds the starting state from a scenario's `state.<name>` (`None`: nothing given).
    /// The default reads the serde form; override to add business-rule checks.
    fn load_state(
        &self,
        seed: Option<&Value>,
        _settings: &Settings,
    ) -> Result<Self::State, StateError> {
        match seed {
            Some(v) => deserialize_state(v),
            None => deserialize_state(&Value::Object(Default::default())),
        }
    }

    /// Renders an engine-level problem in the family's own error shape.
    fn render_problem(&self, problem: &Problem) -> Reply;

    /// Checks the family must make before schema validation (e.g. JSON:API media types).
    fn preflight(&self, _call: &Call<'_>) -> Result<(), Reply> {
        Ok(())
    }

    /// Lets time-driven work (sync status, bulk jobs) catch up with the virtual clock before a
    /// handler runs or the state is dumped.
    fn tick(&self, _state: &mut Self::State, _now_ms: i64, _settings: &Settings) {}
}

/// The type-erased view of a family the engine works with.
pub trait DynFamily: Send + Sync {
    fn name(&self) -> &'static str;
    fn base_paths(&self) -> &'static [&'static str];
    fn operation_ids(&self) -> Vec<&'static str>;
    fn render_problem(&self, problem: &Problem) -> Reply;
    /// A fresh state slot for one session.
    fn new_slot(
        self: Arc<Self>,
        seed: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<Box<dyn FamilySlot>, StateError>;
}

/// One family's state inside one session, behind its own lock so families never wait for
/// each other and sessions never wait for each other.
pub trait FamilySlot: Send + Sync {
    /// Runs handler number `handler` (an index into `operation_ids()`), catching panics.
    fn handle(&self, handler: usize, call: &mut CallParts<'_>) -> Reply;
    fn preflight(&self, call: &mut CallParts<'_>) -> Result<(), Reply>;
    fn dump(&self, now_ms: i64, settings: &Settings) -> Value;
    fn restore(&self, value: &Value, settings: &Settings) -> Result<(), StateError>;
    fn replace(
        &self,
        value: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<(), StateError>;
}

/// A [`Call`] without the id generator, which the slot lends from behind its lock.
pub struct CallParts<'a> {
    pub operation_id: &'a str,
    pub method: &'a hyper::Method,
    pub path: &'a str,
    pub params: &'a super::call::Pairs,
    pub query: &'a super::call::Pairs,
    pub headers: &'a hyper::HeaderMap,
    pub body: &'a Value,
    pub now_ms: i64,
    pub settings: &'a Settings,
}

/// Wraps a [`Family`] for the engine.
pub struct FamilyAdapter<F: Family> {
    family: F,
    handlers: HandlerTable<F::State, F::Error>,
}

impl<F: Family> FamilyAdapter<F> {
    pub fn new(family: F) -> Arc<Self> {
        let handlers = family.handlers();
        Arc::new(Self { family, handlers })
    }
}

impl<F: Family> DynFamily for FamilyAdapter<F> {
    fn name(&self) -> &'static str {
        self.family.name()
    }

    fn base_paths(&self) -> &'static [&'static str] {
        self.family.base_paths()
    }

    fn operation_ids(&self) -> Vec<&'static str> {
        self.handlers.iter().map(|(id, _)| *id).collect()
    }

    fn render_problem(&self, problem: &Problem) -> Reply {
        self.family.render_problem(problem)
    }

    fn new_slot(
        self: Arc<Self>,
        seed: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<Box<dyn FamilySlot>, StateError> {
        let state = self.family.load_state(seed, settings)?;
        Ok(Box::new(Slot {
            family: self,
            inner: Mutex::new(SlotInner { state, ids }),
        }))
    }
}

struct SlotInner<S> {
    state: S,
    ids: IdGen,
}

struct Slot<F: Family> {
    family: Arc<FamilyAdapter<F>>,
    inner: Mutex<SlotInner<F::State>>,
}

impl<F: Family> Slot<F> {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotInner<F::State>> {
        // A std Mutex: handlers are synchronous and nothing awaits while holding it. A panic is
        // caught inside the guard's scope, so the lock is never poisoned; recover anyway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn make_call<'a>(parts: &'a CallParts<'a>, ids: &'a mut IdGen) -> Call<'a> {
    Call {
        operation_id: parts.operation_id,
        method: parts.method,
        path: parts.path,
        params: parts.params,
        query: parts.query,
        headers: parts.headers,
        body: parts.body,
        now_ms: parts.now_ms,
        ids,
        settings: parts.settings,
    }
}

impl<F: Family> FamilySlot for Slot<F> {
    fn handle(&self, handler: usize, parts: &mut CallParts<'_>) -> Reply {
        let Some((_, f)) = self.family.handlers.get(handler) else {
            return self
                .family
                .render_problem(&Problem::internal("no handler for this operation"));
        };
        let mut guard = self.lock();
        let inner = &mut *guard;
        let fam = &self.family.family;
        let result = catch_unwind(AssertUnwindSafe(|| {
            fam.tick(&mut inner.state, parts.now_ms, parts.settings);
            let mut call = make_call(parts, &mut inner.ids);
            f(&mut inner.state, &mut call)
        }));
        drop(guard);
        match result {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => e.into_reply(),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "handler panicked".to_string());
                tracing::error!(operation = parts.operation_id, panic = %msg, "handler panicked");
                self.family
                    .render_problem(&Problem::internal(format!("internal error: {msg}")))
            }
        }
    }

    fn preflight(&self, parts: &mut CallParts<'_>) -> Result<(), Reply> {
        // Preflight needs no state; lend it a throwaway generator.
        let mut ids = IdGen::new(0);
        let call = make_call(parts, &mut ids);
        self.family.family.preflight(&call)
    }

    fn dump(&self, now_ms: i64, settings: &Settings) -> Value {
        let mut guard = self.lock();
        self.family.family.tick(&mut guard.state, now_ms, settings);
        serde_json::to_value(&guard.state).unwrap_or(Value::Null)
    }

    fn restore(&self, value: &Value, settings: &Settings) -> Result<(), StateError> {
        let state = self.family.family.load_state(Some(value), settings)?;
        self.lock().state = state;
        Ok(())
    }

    fn replace(
        &self,
        value: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<(), StateError> {
        let state = self.family.family.load_state(value, settings)?;
        let mut guard = self.lock();
        guard.state = state;
        guard.ids = ids;
        Ok(())
    }
}

/// Looks a handler index up by operationId.
pub fn handler_index(family: &dyn DynFamily) -> HashMap<&'static str, usize> {
    family
        .operation_ids()
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect()
}
