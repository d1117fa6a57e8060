//! trunkmock inside a Rust test: [`MockServer::start`] serves every family on 127.0.0.1 with
//! a free port, from the built-in contracts and default scenario, until it is dropped. The
//! helpers call the admin API in-process (no HTTP round trip, same answers and refusals).
//!
//! ```
//! use serde_json::Value;
//! use trunkmock::MockServer;
//!
//! #[tokio::main]
//! async fn main() {
//!     // Arrange: a server seeded from the default scenario.
//!     let server = MockServer::start().await;
//!     let client = reqwest::Client::builder().no_proxy().build().unwrap();
//!
//!     // Act: the client under test talks to `server.uri()`.
//!     let providers: Value = client
//!         .get(format!("{}/api/providers", server.uri()))
//!         .send()
//!         .await
//!         .unwrap()
//!         .json()
//!         .await
//!         .unwrap();
//!
//!     // Assert: on the answer, and on what the server saw.
//!     assert_eq!(providers["count"], 2);
//!     assert_eq!(server.requests().await.len(), 1);
//! }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::config::{Options, build_engine_with};
use crate::engine::{DEFAULT_SESSION, Engine, EngineConfig, SESSION_HEADER, StartupError};
use crate::server::Running;

/// A trunkmock server running in the background of the current Tokio runtime; it stops when
/// dropped (or, waiting for open requests to finish, on [`MockServer::stop`]).
pub struct MockServer {
    running: Running,
}

/// Options for a [`MockServer`]; every method consumes and returns the builder.
///
/// ```
/// # #[tokio::main] async fn main() {
/// use serde_json::json;
///
/// let server = trunkmock::MockServer::builder()
///     .seed(7)
///     .scenario(json!({"state": {"pbx": {"providers": []}}}))
///     .start()
///     .await;
/// assert_eq!(server.state().await["pbx"]["providers"], json!([]));
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockServerBuilder {
    options: Options,
    inline: Vec<(String, Value)>,
    watch: Option<Duration>,
}

impl MockServerBuilder {
    /// Seed for every generated id, so a test's ids repeat from run to run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.engine.seed = Some(seed);
        self
    }

    /// Loads a scenario file after the ones already named (the built-in default first).
    pub fn scenario_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.options.scenarios.push(path.into());
        self
    }

    /// Starts from no scenario file at all (not even the built-in default).
    pub fn without_default_scenario(mut self) -> Self {
        self.options.scenarios.clear();
        self
    }

    /// A scenario given as JSON (`settings`, `state`, `faults`), merged after the files.
    pub fn scenario(mut self, scenario: Value) -> Self {
        let name = format!("<MockServerBuilder::scenario #{}>", self.inline.len());
        self.inline.push((name, scenario));
        self
    }

    /// Scenario settings (`{"delay": ..., "pbx": {...}}`), merged after every scenario.
    pub fn settings(self, settings: Value) -> Self {
        self.scenario(json!({ "settings": settings }))
    }

    /// A folder of contracts instead of the built-in ones.
    pub fn contracts_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.contracts = dir.into();
        self
    }

    /// Loads every session from `path` at start when it exists, and saves them there on
    /// [`MockServer::stop`] and `POST /__admin/snapshot` (the CLI's `--state-file`).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.options.engine.state_file = Some(path.into());
        self
    }

    /// Reloads the scenario files when they change, looking every `every` (the CLI's
    /// `--watch` looks every half second).
    pub fn watch(mut self, every: Duration) -> Self {
        self.watch = Some(every);
        self
    }

    /// Engine-wide limits (journal size, sessions, body size, admin token).
    pub fn engine_config(mut self, change: impl FnOnce(&mut EngineConfig)) -> Self {
        change(&mut self.options.engine);
        self
    }

    /// Starts the server, or says why it cannot (every problem, with file#pointer).
    pub async fn try_start(self) -> Result<MockServer, StartupError> {
        let engine = build_engine_with(&self.options, self.inline.clone())?;
        if let Some(every) = self.watch {
            crate::watch::spawn(&engine, self.options.scenarios, self.inline, every);
        }
        MockServer::serve(engine).await
    }

    /// Starts the server; panics with every problem when it cannot.
    pub async fn start(self) -> MockServer {
        match self.try_start().await {
            Ok(s) => s,
            Err(e) => panic!("trunkmock cannot start:\n{e}"),
        }
    }
}

impl MockServer {
    /// A server on the built-in contracts and default scenario, on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Serves an engine built elsewhere (e.g. with [`crate::build_engine`]).
    pub async fn serve(engine: Arc<Engine>) -> Result<Self, StartupError> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        match crate::server::spawn(engine, addr).await {
            Ok(running) => Ok(Self { running }),
            Err(e) => Err(StartupError(vec![format!("cannot listen on {addr}: {e}")])),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn uri(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    pub fn address(&self) -> SocketAddr {
        self.running.addr
    }

    /// The engine, for what the helpers do not cover.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.running.engine
    }

    /// A handle on one session: requests carrying `X-Trunkmock-Session: name` see only it.
    pub fn session(&self, name: &str) -> MockSession<'_> {
        MockSession {
            server: self,
            name: name.to_string(),
        }
    }

    /// Puts the default session back to the scenario.
    pub async fn reset(&self) {
        self.session(DEFAULT_SESSION).reset().await
    }

    /// Adds a fault rule (or a list of rules) to the default session; returns their ids.
    pub async fn add_fault(&self, rule: Value) -> Vec<String> {
        self.session(DEFAULT_SESSION).add_fault(rule).await
    }

    /// Moves the default session's virtual clock forward.
    pub async fn advance_clock(&self, seconds: f64) {
        self.session(DEFAULT_SESSION).advance_clock(seconds).await
    }

    /// The default session's journal, newest first.
    pub async fn requests(&self) -> Vec<Value> {
        self.session(DEFAULT_SESSION).requests().await
    }

    /// The default session's state, one entry per family.
    pub async fn state(&self) -> Value {
        self.session(DEFAULT_SESSION).state().await
    }

    /// The default session's events (every 2xx write and clock-driven change), newest first.
    pub async fn events(&self) -> Vec<Value> {
        self.session(DEFAULT_SESSION).events().await
    }

    /// Any admin call, in-process: `(status, JSON body or null)`.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        session: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(SESSION_HEADER, session)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("an admin request is well formed");
        let resp = crate::admin::answer(self.engine(), req).await;
        let status = resp.status();
        let bytes = match resp.into_body().collect().await {
            Ok(c) => c.to_bytes(),
            Err(never) => match never {},
        };
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Stops accepting and waits for open requests to finish.
    pub async fn stop(self) {
        self.running.stop().await
    }
}

/// One session of a [`MockServer`]. The helpers panic on a refused call, with the server's
/// reason, as a test wants.
pub struct MockSession<'a> {
    server: &'a MockServer,
    name: String,
}

impl MockSession<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The header that routes a request to this session: `("x-trunkmock-session", name)`.
    pub fn header(&self) -> (&'static str, &str) {
        (SESSION_HEADER, &self.name)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self
            .server
            .admin(method.clone(), path, &self.name, body)
            .await;
        assert!(
            status.is_success(),
            "{method} {path} (session {}) was refused with {status}: {value}",
            self.name
        );
        value
    }

    pub async fn reset(&self) {
        self.call(Method::POST, "/__admin/reset", None).await;
    }

    /// Adds a fault rule or a list of rules (the body of `POST /__admin/faults`).
    pub async fn add_fault(&self, rule: Value) -> Vec<String> {
        let v = self.call(Method::POST, "/__admin/faults", Some(rule)).await;
        match (v.get("id"), v.get("ids")) {
            (Some(id), _) => vec![id.as_str().unwrap_or_default().to_string()],
            (_, Some(Value::Array(ids))) => ids
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub async fn advance_clock(&self, seconds: f64) {
        let body = json!({ "seconds": seconds });
        self.call(Method::POST, "/__admin/clock/advance", Some(body))
            .await;
    }

    pub async fn requests(&self) -> Vec<Value> {
        let v = self.call(Method::GET, "/__admin/requests", None).await;
        list_member(v, "requests")
    }

    pub async fn state(&self) -> Value {
        self.call(Method::GET, "/__admin/state", None).await
    }

    /// The session's events, newest first (`GET /__admin/events`).
    pub async fn events(&self) -> Vec<Value> {
        let v = self.call(Method::GET, "/__admin/events", None).await;
        list_member(v, "events")
    }

    /// Registers a webhook receiver (the body of `POST /__admin/webhooks`, e.g.
    /// `{"url": "http://127.0.0.1:9000/hook", "secret": "s"}`); returns the receivers added.
    pub async fn add_webhook(&self, receiver: Value) -> Vec<Value> {
        let v = self
            .call(Method::POST, "/__admin/webhooks", Some(receiver))
            .await;
        list_member(v, "webhooks")
    }

    /// Every webhook delivery attempt so far (`GET /__admin/webhooks/deliveries`).
    pub async fn deliveries(&self) -> Vec<Value> {
        let v = self
            .call(Method::GET, "/__admin/webhooks/deliveries", None)
            .await;
        list_member(v, "deliveries")
    }
}

/// The array under `key` of an admin answer, taken without a copy.
fn list_member(mut v: Value, key: &str) -> Vec<Value> {
    match v.get_mut(key).map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    }
}
