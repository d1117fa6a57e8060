//! What an API family plugs into the engine: its name, the paths it owns, its handler table
//! keyed by operationId, its typed settings, how its state is loaded and dumped, and how it
//! renders errors.
//!
//! A family implements [`Family`] with concrete state and settings types; [`FamilyAdapter`]
//! erases them so the engine can hold every family in one list.

use std::collections::HashMap;
use std::sync::Arc;

use hyper::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::events::FamilyEvent;
use super::ids::IdGen;
use super::problem::Problem;
use super::reply::Reply;
use super::settings::Settings;
use crate::engine::call::{Call, Pairs, Params};

mod adapter;

pub use adapter::FamilyAdapter;

/// One operation's implementation: read the call, change the state, answer.
pub type Handler<F> = fn(
    &mut <F as Family>::State,
    &mut Call<'_, <F as Family>::Settings>,
) -> Result<Reply, <F as Family>::Error>;

/// A family's handler table: operationId → handler.
pub type HandlerTable<F> = Vec<(&'static str, Handler<F>)>;

/// A family's error enum turns into its vendor-shaped reply.
pub trait IntoReply {
    fn into_reply(self) -> Reply;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Reply {
        self
    }
}

/// A problem loading a family's state or settings from a scenario or the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    /// JSON pointer relative to the family's object (`/providers/0/port`).
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

/// Turns serde_path_to_error's path (`providers[0].port`, `.` for the root) into a JSON
/// pointer (`/providers/0/port`), escaping `~` and `/` inside keys (RFC 6901).
pub fn pointer_of(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    let mut p = String::new();
    for part in path.split(['.', '[']) {
        if part.is_empty() {
            continue;
        }
        p.push('/');
        p.push_str(
            &part
                .trim_end_matches(']')
                .replace('~', "~0")
                .replace('/', "~1"),
        );
    }
    p
}

/// Deserialises a state (or settings) value with serde, reporting the JSON pointer of the
/// first bad value.
pub fn deserialize_state<S: DeserializeOwned>(value: &Value) -> Result<S, StateError> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| StateError::new(pointer_of(&e.path().to_string()), e.inner().to_string()))
}

/// An API family: the contract file `contracts/<NAME>.openapi.json` plus this implementation.
pub trait Family: Send + Sync + 'static {
    /// Everything the family remembers for one session. Its serde form is the family's entry in
    /// a scenario's `state` and in `GET|PUT /__admin/state`; `Default` is the empty state.
    type State: Serialize + DeserializeOwned + Default + Send + 'static;
    /// The family's entry in a scenario's `settings`: a struct with a default for every
    /// field that refuses unknown keys (`#[serde(default, deny_unknown_fields)]`).
    type Settings: DeserializeOwned + Serialize + Default + Send + Sync + 'static;
    /// The family's error enum; engine problems (a body the type cannot hold) convert into it.
    type Error: IntoReply + From<Problem>;

    /// The module name, which is also the contract's file stem and the scenario key.
    fn name(&self) -> &'static str;

    /// Path prefixes this family owns; errors for unknown paths under them use its shape.
    fn base_paths(&self) -> &'static [&'static str];

    /// Every operation this family implements, keyed by the contract's operationId.
    fn handlers(&self) -> HandlerTable<Self>
    where
        Self: Sized;

    /// Business-rule checks on a state read from a scenario or the admin API (unique ids,
    /// references that resolve), and any index the family derives from it.
    fn check_state(
        &self,
        state: Self::State,
        _settings: &Self::Settings,
    ) -> Result<Self::State, StateError> {
        Ok(state)
    }

    /// Renders an engine-level problem in the family's own error shape.
    fn render_problem(&self, problem: &Problem) -> Reply;

    /// Checks the family must make before schema validation (e.g. JSON:API media types).
    fn preflight(&self, _method: &Method, _headers: &HeaderMap) -> Result<(), Reply> {
        Ok(())
    }

    /// Lets time-driven work (sync status, bulk jobs) catch up with the virtual clock before a
    /// handler runs or the state is dumped.
    fn tick(&self, _state: &mut Self::State, _now_ms: i64, _settings: &Self::Settings) {}

    /// The changes `tick` made since the last call, for the session's events (the family keeps
    /// them in its state until the engine takes them). Default: the family reports none.
    fn take_events(&self, _state: &mut Self::State) -> Vec<FamilyEvent> {
        Vec::new()
    }

    /// The vendor's notification name for a successful write of `operation_id` with the
    /// request body `request`, answered with `answer`, when the vendor documents one (fusion).
    /// Default: none.
    fn event_name(&self, _operation_id: &str, _request: &Value, _answer: &Value) -> Option<String> {
        None
    }

    /// The vendor's code and wording for an error of `status` on `operation_id` that a fault
    /// rule or `Prefer: code=N` injects, given the code the rule names (`None`: the rule names
    /// none). `None` keeps the generic rendering. See [`VendorError`].
    fn vendor_error(
        &self,
        _operation_id: &str,
        _status: StatusCode,
        _code: Option<&Value>,
    ) -> Option<VendorError> {
        None
    }

    /// Like [`Family::vendor_error`], knowing the request's path parameters, for a family
    /// whose real errors name the resource (`The record identified by 7 ...`).
    fn vendor_error_at(
        &self,
        operation_id: &str,
        status: StatusCode,
        code: Option<&Value>,
        _path: &crate::engine::call::Pairs,
    ) -> Option<VendorError> {
        self.vendor_error(operation_id, status, code)
    }

    /// How the family's clients sign in and what each user may do; `None`: the family takes
    /// no credentials at all.
    fn auth(&self) -> Option<&'static crate::engine::auth::AuthRules> {
        None
    }
}

/// What a family says an injected error of one status on one operation looks like at the
/// vendor: its code (`None`: the vendor's body has none, e.g. an apio `details` message) and
/// its wording.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorError {
    pub code: Option<Value>,
    pub message: String,
}

/// The type-erased view of a family the engine works with.
pub trait DynFamily: Send + Sync {
    fn name(&self) -> &'static str;
    fn base_paths(&self) -> &'static [&'static str];
    fn operation_ids(&self) -> Vec<&'static str>;
    fn render_problem(&self, problem: &Problem) -> Reply;
    fn preflight(&self, method: &Method, headers: &HeaderMap) -> Result<(), Reply>;
    fn vendor_error(
        &self,
        operation_id: &str,
        status: StatusCode,
        code: Option<&Value>,
        path: &crate::engine::call::Pairs,
    ) -> Option<VendorError>;
    /// The vendor's notification name for a successful write, if any.
    fn event_name(&self, operation_id: &str, request: &Value, answer: &Value) -> Option<String>;
    fn auth_scheme(&self) -> Option<crate::engine::auth::AuthScheme>;
    fn check_user(&self, user: &crate::engine::auth::AuthUser) -> Result<(), StateError>;
    fn permits(
        &self,
        user: &crate::engine::auth::AuthUser,
        attempt: &crate::engine::auth::Attempt<'_>,
    ) -> Result<(), String>;
    /// Checks the family's entry of a scenario's `settings`.
    fn check_settings(&self, value: &Value) -> Result<(), StateError>;
    /// The family's caps on stored resources (its `max_*` settings, defaults filled in) under
    /// these merged settings, for `GET /__admin/health`.
    fn limits(&self, settings: &Settings) -> serde_json::Map<String, Value>;
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
    fn handle(&self, handler: usize, call: &CallParts<'_>) -> Reply;
    fn dump(&self, now_ms: i64) -> Value;
    /// Replaces the state (all or nothing).
    fn restore(&self, value: &Value) -> Result<(), StateError>;
    /// Replaces the state, the id generator and the settings (a reset).
    fn replace(
        &self,
        value: Option<&Value>,
        settings: &Settings,
        ids: IdGen,
    ) -> Result<(), StateError>;
    /// Takes new settings (all or nothing).
    fn configure(&self, settings: &Settings) -> Result<(), StateError>;
    /// Catches up with the clock and hands over the changes that made.
    fn take_events(&self, now_ms: i64) -> Vec<FamilyEvent>;
}

/// A [`Call`] without the id generator and settings, which the slot lends from behind its lock.
pub struct CallParts<'a> {
    pub operation_id: &'a str,
    pub method: &'a Method,
    pub path: &'a str,
    pub params: &'a Params,
    pub raw_query: &'a Pairs,
    pub headers: &'a HeaderMap,
    pub body: &'a Value,
    pub now_ms: i64,
    /// The family's users and the session's tokens, for the sign-in handlers.
    pub auth: Option<&'a crate::engine::auth::AuthDesk<'a>>,
}

/// Looks a handler index up by operationId; an operationId listed twice is an error, named.
pub fn handler_index(family: &dyn DynFamily) -> Result<HashMap<&'static str, usize>, String> {
    let mut index = HashMap::new();
    for (i, id) in family.operation_ids().into_iter().enumerate() {
        if index.insert(id, i).is_some() {
            return Err(format!(
                "family {}: operation {id} is listed twice in its handler table",
                family.name()
            ));
        }
    }
    Ok(index)
}
