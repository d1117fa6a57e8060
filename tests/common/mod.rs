//! Test support: start a real server on 127.0.0.1:0 in-process, talk to it over HTTP with
//! reqwest, and check every response against the contract of the operation it answers.
#![allow(dead_code)]

pub mod apio;
pub mod exact;
pub mod files;
pub mod fixtures;
pub mod plain;
pub mod raw;
pub mod webdriver;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use trunkmock::engine::contracts::Contracts;
use trunkmock::server::Running;
use trunkmock::{Engine, Options};

/// The repository root (where `contracts/` and `scenarios/` live).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Options for a test server: the repo's contracts and default scenario, seed 42.
pub fn options() -> Options {
    let mut o = Options {
        contracts: repo().join("contracts"),
        scenarios: vec![repo().join("scenarios/default.json")],
        ..Options::default()
    };
    o.engine.seed = Some(42);
    // Every server the tests start checks its own answers: a body that breaks its contract
    // turns into a 500 that the test sees.
    o.engine.verify_responses = true;
    o
}

/// A running server and a client for it.
pub struct TestServer {
    pub base: String,
    pub running: Running,
    pub client: reqwest::Client,
}

impl TestServer {
    /// A server with the default options.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server with options changed by `f` (e.g. another scenario or limit).
    pub async fn start_with(f: impl FnOnce(&mut Options)) -> Self {
        let mut o = options();
        f(&mut o);
        let engine = trunkmock::build_engine(&o).unwrap_or_else(|e| panic!("engine: {e}"));
        let running = trunkmock::server::spawn(engine, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind 127.0.0.1:0");
        Self {
            base: format!("http://{}", running.addr),
            running,
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.running.engine
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request builder; `.send()` checks the answer against the contract.
    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            server: self,
            method: method.clone(),
            path: path.to_string(),
            session: "default".to_string(),
            inner: self.client.request(method, self.url(path)),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.req(Method::GET, path).send().await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.req(Method::DELETE, path).send().await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.req(Method::POST, path).json(&body).send().await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.req(Method::PUT, path).json(&body).send().await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.req(Method::PATCH, path).json(&body).send().await
    }

    /// A `DELETE` with a JSON body (apio and fusion delete numbers and prefixes that way).
    pub async fn delete_with_body(&self, path: &str, body: Value) -> Resp {
        self.req(Method::DELETE, path).json(&body).send().await
    }

    /// Moves the default session's virtual clock on by `seconds`; panics unless it answers 200.
    pub async fn advance_clock(&self, seconds: impl Into<f64>) {
        let seconds: f64 = seconds.into();
        self.post("/__admin/clock/advance", json!({ "seconds": seconds }))
            .await
            .expect(200);
    }

    /// Sends `body` as is to the clock advance, for tests of what it refuses.
    pub async fn advance_clock_with_body(&self, body: &str) -> Resp {
        self.req(Method::POST, "/__admin/clock/advance")
            .body("application/json", body.to_string())
            .send()
            .await
    }

    /// Applies `settings` (keyed by family, as in a scenario file) to the default session
    /// through `POST /__admin/scenarios`; panics unless it answers 200.
    pub async fn apply_settings(&self, settings: Value) {
        self.post(
            "/__admin/scenarios",
            json!({ "name": "settings", "settings": settings }),
        )
        .await
        .expect(200);
    }

    /// Adds a fault rule through the admin API and returns its id.
    pub async fn add_fault_rule(&self, rule: Value) -> String {
        let r = self.post("/__admin/faults", rule).await;
        r.expect(201);
        r.json["id"].as_str().unwrap().to_string()
    }

    /// Dumps the default session's state, restores it into `session` and dumps that: the two
    /// documents, for tests that a dump round-trips.
    pub async fn state_and_its_copy_in(&self, session: &str) -> (Value, Value) {
        let dumped = self.get("/__admin/state").await;
        dumped.expect(200);
        self.req(Method::PUT, "/__admin/state")
            .session(session)
            .json(&dumped.json)
            .send()
            .await
            .expect(200);
        let copy = self
            .req(Method::GET, "/__admin/state")
            .session(session)
            .send()
            .await;
        (dumped.json, copy.json)
    }

    /// Creates a pbx provider and returns its id; panics unless it answers 201.
    pub async fn create_pbx_provider(&self, body: Value) -> String {
        let resp = self.post("/api/providers", body).await;
        resp.expect(201);
        resp.json["id"].as_str().expect("an id").to_string()
    }

    /// Checks a response exactly against the contract operation for `method path` (see
    /// [`exact`]); panics on a mismatch. Paths no operation answers (admin, unknown) are not
    /// checked. A status the contract does not list is accepted only when the session's journal
    /// shows that a fault rule or a `Prefer` header produced it (the contracts document injected
    /// answers in each operation's `default` entry, whose error shape is then checked).
    pub async fn check_contract(&self, method: &Method, path: &str, session: &str, resp: &Resp) {
        let path = path.split('?').next().unwrap_or(path);
        // A HEAD answer has no body by definition; tests/http.rs compares it with the GET one.
        if *method == Method::HEAD {
            return;
        }
        let hmethod = hyper::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        if trunkmock::admin::is_admin_path(path) {
            // The admin API has its own contract; its answers are checked exactly too.
            let (contracts, doc) = admin_contract();
            if let Some(op) = contracts.operation_for(&hmethod, path)
                && let Err(e) = exact::check_in(doc, op, resp, false)
            {
                panic!(
                    "admin answer breaks contracts/admin.openapi.json: {e}\nbody: {}",
                    resp.text()
                );
            }
            return;
        }
        let Some(op) = self.engine().contracts.operation_for(&hmethod, path) else {
            return;
        };
        let injected = if exact::needs_fault_allowance(self.engine(), op, resp.status) {
            self.journal_shows_fault(method, path, session, resp.status)
                .await
        } else {
            false
        };
        if let Err(e) = exact::check(self.engine(), op, resp, injected) {
            panic!("response breaks the contract: {e}\nbody: {}", resp.text());
        }
    }

    /// Whether the session's journal holds an answer of `status` to `method path` that a fault
    /// rule or `Prefer` header produced. The journal is written before the answer is sent, so
    /// the entry is there once the client has the response.
    async fn journal_shows_fault(
        &self,
        method: &Method,
        path: &str,
        session: &str,
        status: u16,
    ) -> bool {
        let r = self
            .client
            .get(self.url(&format!("/__admin/requests?method={method}&limit=200")))
            .header("x-trunkmock-session", session)
            .send()
            .await
            .expect("journal read");
        let journal: Value = r.json().await.expect("journal JSON");
        journal["requests"].as_array().is_some_and(|entries| {
            entries
                .iter()
                .any(|e| e["path"] == path && e["status"] == status && e["fault"].is_string())
        })
    }
}

/// The admin API's contract (`contracts/admin.openapi.json`, as built in), compiled once per
/// test binary, with its document.
pub fn admin_contract() -> &'static (Contracts, Value) {
    static ADMIN: OnceLock<(Contracts, Value)> = OnceLock::new();
    ADMIN.get_or_init(|| {
        let doc: Value = serde_json::from_str(trunkmock::embedded::ADMIN_CONTRACT)
            .expect("the admin contract is JSON");
        let contracts = Contracts::from_documents(vec![(
            "admin".into(),
            "contracts/admin.openapi.json".into(),
            doc.clone(),
        )])
        .unwrap_or_else(|ps| panic!("the admin contract does not compile: {ps:?}"));
        (contracts, doc)
    })
}

/// A request under construction.
pub struct Req<'a> {
    server: &'a TestServer,
    method: Method,
    path: String,
    /// The session the request runs in, to read its journal.
    session: String,
    inner: reqwest::RequestBuilder,
}

impl Req<'_> {
    pub fn json(mut self, body: &Value) -> Self {
        self.inner = self.inner.json(body);
        self
    }

    /// A raw body with an explicit content type.
    pub fn body(mut self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        self.inner = self.inner.header("content-type", content_type).body(body);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        if name.eq_ignore_ascii_case("x-trunkmock-session") && !value.is_empty() {
            self.session = value.to_string();
        }
        self.inner = self.inner.header(name, value);
        self
    }

    /// Runs in the named session (`X-Trunkmock-Session`).
    pub fn session(self, name: &str) -> Self {
        self.header("x-trunkmock-session", name)
    }

    /// Sends, reads the whole answer, and checks it against the contract.
    pub async fn send(self) -> Resp {
        let resp = self.send_unchecked().await;
        self.server
            .check_contract(&self.method, &self.path, &self.session, &resp)
            .await;
        resp
    }

    /// Sends without the contract check (for answers no contract documents).
    pub async fn send_unchecked(&self) -> Resp {
        let builder = self.inner.try_clone().expect("cloneable request");
        read_response(builder.send().await.expect("request sent")).await
    }
}

/// Reads a whole reqwest answer into a [`Resp`], without any check (for requests built
/// directly with reqwest, e.g. with headers [`Req`] always sets).
pub async fn read_response(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body read").to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        bytes,
        json,
    }
}

/// A complete answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Panics with the body when the status differs: a failing test shows why.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}
