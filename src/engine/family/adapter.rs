//! [`FamilyAdapter`] erases a [`Family`]'s state and settings types so the engine can hold every
//! family in one list, and its per-session [`Slot`]: one lock per family per session, the
//! shared state loader, and the panic guard that turns a handler panic into the vendor's 500.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use hyper::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use super::{
    CallParts, DynFamily, Family, FamilySlot, HandlerTable, IntoReply, StateError, VendorError,
    deserialize_state,
};
use crate::engine::call::Call;
use crate::engine::events::FamilyEvent;
use crate::engine::ids::IdGen;
use crate::engine::problem::Problem;
use crate::engine::reply::Reply;
use crate::engine::settings::Settings;

/// Builds a family's starting state from a scenario's `state.<name>` (`None`: nothing given):
/// the serde form, then the family's own checks. The one loader every family shares.
fn load_state<F: Family>(
    family: &F,
    seed: Option<&Value>,
    settings: &F::Settings,
) -> Result<F::State, StateError> {
    let state = match seed {
        Some(v) => deserialize_state(v)?,
        None => F::State::default(),
    };
    family.check_state(state, settings)
}

/// Reads a family's typed settings from the session's merged settings.
fn read_settings<F: Family>(family: &F, settings: &Settings) -> Result<F::Settings, StateError> {
    match settings.0.get(family.name()) {
        Some(v) => deserialize_state(v),
        None => Ok(F::Settings::default()),
    }
}

/// Wraps a [`Family`] for the engine.
pub struct FamilyAdapter<F: Family> {
    family: F,
    handlers: HandlerTable<F>,
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

    fn preflight(&self, method: &Method, headers: &HeaderMap) -> Result<(), Reply> {
        self.family.preflight(method, headers)
    }

    fn vendor_error(
        &self,
        operation_id: &str,
        status: StatusCode,
        code: Option<&Value>,
        path: &crate::engine::call::Pairs,
    ) -> Option<VendorError> {
        self.family
            .vendor_error_at(operation_id, status, code, path)
    }

    fn event_name(&self, operation_id: &str, request: &Value, answer: &Value) -> Option<String> {
        self.family.event_name(operation_id, request, answer)
    }

    fn auth_scheme(&self) -> Option<crate::engine::auth::AuthScheme> {
        self.family.auth().map(|rules| rules.scheme)
    }

    fn check_user(&self, user: &crate::engine::auth::AuthUser) -> Result<(), StateError> {
        self.family
            .auth()
            .map_or(Ok(()), |rules| (rules.check_user)(user))
    }

    fn permits(
        &self,
        user: &crate::engine::auth::AuthUser,
        attempt: &crate::engine::auth::Attempt<'_>,
    ) -> Result<(), String> {
        self.family
            .auth()
            .map_or(Ok(()), |rules| (rules.permits)(user, attempt))
    }

    fn check_settings(&self, value: &Value) -> Result<(), StateError> {
        deserialize_state::<F::Settings>(value).map(|_| ())
    }

    fn limits(&self, settings: &Settings) -> serde_json::Map<String, Value> {
        // Settings that no longer read (never the case for a session's own) show the defaults.
        let typed = read_settings(&self.family, settings).unwrap_or_default();
        match serde_json::to_value(typed) {
            Ok(Value::Object(all)) => all
                .into_iter()
                .filter(|(k, _)| k.starts_with("max_"))
                .collect(),
            _ => serde_json::Map::new(),
        }
    }

    fn new_slot(
        self: Arc<Self>,
        seed: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<Box<dyn FamilySlot>, StateError> {
        let settings = read_settings(&self.family, settings)?;
        let state = load_state(&self.family, seed, &settings)?;
        Ok(Box::new(Slot {
            family: self,
            inner: Mutex::new(SlotInner {
                state,
                ids,
                settings,
            }),
        }))
    }
}

struct SlotInner<F: Family> {
    state: F::State,
    ids: IdGen,
    settings: F::Settings,
}

struct Slot<F: Family> {
    family: Arc<FamilyAdapter<F>>,
    inner: Mutex<SlotInner<F>>,
}

impl<F: Family> Slot<F> {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotInner<F>> {
        // A std Mutex: handlers are synchronous and nothing awaits while holding it. A panic is
        // caught inside the guard's scope, so the lock is never poisoned; recover anyway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<F: Family> FamilySlot for Slot<F> {
    fn handle(&self, handler: usize, parts: &CallParts<'_>) -> Reply {
        let Some((_, f)) = self.family.handlers.get(handler) else {
            return self
                .family
                .render_problem(&Problem::internal("no handler for this operation"));
        };
        let mut guard = self.lock();
        let inner = &mut *guard;
        let fam = &self.family.family;
        let result = catch_unwind(AssertUnwindSafe(|| {
            fam.tick(&mut inner.state, parts.now_ms, &inner.settings);
            let mut call = Call {
                operation_id: parts.operation_id,
                method: parts.method,
                path: parts.path,
                params: parts.params,
                raw_query: parts.raw_query,
                headers: parts.headers,
                body: parts.body,
                now_ms: parts.now_ms,
                auth: parts.auth,
                ids: &mut inner.ids,
                settings: &inner.settings,
            };
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

    fn dump(&self, now_ms: i64) -> Value {
        let mut guard = self.lock();
        let inner = &mut *guard;
        self.family
            .family
            .tick(&mut inner.state, now_ms, &inner.settings);
        serde_json::to_value(&inner.state).unwrap_or(Value::Null)
    }

    fn restore(&self, value: &Value) -> Result<(), StateError> {
        let mut guard = self.lock();
        let state = load_state(&self.family.family, Some(value), &guard.settings)?;
        guard.state = state;
        Ok(())
    }

    fn replace(
        &self,
        value: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<(), StateError> {
        let settings = read_settings(&self.family.family, settings)?;
        let state = load_state(&self.family.family, value, &settings)?;
        *self.lock() = SlotInner {
            state,
            ids,
            settings,
        };
        Ok(())
    }

    fn configure(&self, settings: &Settings) -> Result<(), StateError> {
        let settings = read_settings(&self.family.family, settings)?;
        self.lock().settings = settings;
        Ok(())
    }

    fn take_events(&self, now_ms: i64) -> Vec<FamilyEvent> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let fam = &self.family.family;
        // Caught like a handler: a panic in the family's clock work must not take the
        // request (or the admin call) down.
        catch_unwind(AssertUnwindSafe(|| {
            fam.tick(&mut inner.state, now_ms, &inner.settings);
            fam.take_events(&mut inner.state)
        }))
        .unwrap_or_default()
    }
}
