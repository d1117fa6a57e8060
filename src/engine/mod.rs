//! The API-agnostic machinery. [`Engine`] holds the compiled contracts, the families and the
//! sessions; [`pipeline`] is the path of one request, step by step, read top to bottom.
//! Families plug in through [`family::Family`]; imports flow from the families to the engine,
//! never back.

pub mod auth;
pub mod body_json;
pub mod call;
pub mod clock;
pub mod contracts;
pub mod events;
pub mod family;
pub mod faults;
pub mod http;
pub mod ids;
pub mod indexed;
pub mod journal;
pub mod pipeline;
pub mod problem;
pub mod reply;
pub mod router;
pub mod scenario;
pub mod settings;
pub mod steady_map;
pub mod store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use hyper::HeaderMap;
use hyper::header::ALLOW;

use http::session_name;

use contracts::Contracts;
use family::DynFamily;
use problem::Problem;
use reply::Reply;
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
    /// How long a client may take to send a request's head; past it the connection is closed,
    /// so stalled half-sent requests cannot pile up.
    pub header_read_timeout: std::time::Duration,
    pub journal_limit: usize,
    /// Bytes the journals of every session may hold together.
    pub journal_bytes: usize,
    /// Seconds a session may stay idle before it is dropped; 0 keeps sessions until deleted.
    pub session_ttl_secs: u64,
    pub max_sessions: usize,
    pub admin_token: Option<String>,
    /// `None`: a fresh random seed per process.
    pub seed: Option<u64>,
    /// `--verify-responses`: every answer a handler (or a `Prefer` code) gives is checked
    /// against its operation's contract; a violation answers 500 and logs an error.
    pub verify_responses: bool,
    /// `--cors`: answer CORS preflights and add `Access-Control-Allow-Origin` to answers.
    pub cors: bool,
    /// `--state-file`: where `POST /__admin/snapshot` and a graceful shutdown save sessions.
    pub state_file: Option<std::path::PathBuf>,
    /// `--auth`: overrides every family's `auth_mode` setting; `None` leaves them be.
    pub auth: Option<auth::AuthMode>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            header_read_timeout: std::time::Duration::from_secs(30),
            journal_limit: 10_000,
            journal_bytes: 64 * 1024 * 1024,
            session_ttl_secs: 3600,
            max_sessions: 1000,
            admin_token: None,
            seed: None,
            verify_responses: false,
            cors: false,
            state_file: None,
            auth: None,
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
    /// The loaded scenarios, which every new or reset session starts from. Swapped whole by
    /// `--watch` ([`Engine::replace_blueprint`]); read once per new session, never per request.
    blueprint: RwLock<Arc<Blueprint>>,
    /// Counts blueprint loads: 1 at start, one more per reload.
    scenario_revision: AtomicU64,
    pub sessions: Sessions,
    pub clock: clock::RealClock,
    /// Request counters for `GET /__admin/metrics`, one fixed slot per label set.
    pub metrics: crate::metrics::Metrics,
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
            let index = match family::handler_index(families[fi].as_ref()) {
                Ok(index) => index,
                Err(e) => {
                    errors.push(e);
                    Default::default()
                }
            };
            match index.get(&*op.operation_id) {
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
                    .any(|o| o.family == f.name() && &*o.operation_id == id)
                {
                    errors.push(format!(
                        "family {}: handler {id} has no operation in contracts/{}.openapi.json",
                        f.name(),
                        f.name()
                    ));
                }
            }
        }
        let blueprint = match prepare_blueprint(blueprint, &contracts, &families) {
            Ok(b) => Some(b),
            Err(problems) => {
                errors.extend(problems);
                None
            }
        };
        let Some(blueprint) = blueprint.filter(|_| errors.is_empty()) else {
            return Err(StartupError(errors));
        };
        let seed = config.seed.unwrap_or_else(ids::entropy_seed);
        let engine = Self {
            sessions: Sessions::new(
                store::SessionLimits {
                    max: config.max_sessions,
                    journal_limit: config.journal_limit,
                    journal_bytes: config.journal_bytes,
                    ttl_ms: (config.session_ttl_secs > 0).then(|| {
                        config
                            .session_ttl_secs
                            .saturating_mul(1000)
                            .min(i64::MAX as u64) as i64
                    }),
                },
                seed,
            ),
            metrics: crate::metrics::Metrics::new(contracts.operations.len(), families.len()),
            config,
            contracts,
            families,
            targets,
            blueprint: RwLock::new(Arc::new(blueprint)),
            scenario_revision: AtomicU64::new(1),
            clock: clock::RealClock::new(),
        };
        // Load the default session now, so a broken scenario stops the start, not a request.
        engine
            .session(DEFAULT_SESSION)
            .map_err(|e| StartupError(vec![engine.describe_session_error(&e)]))?;
        Ok(engine)
    }

    /// The named session, created on first use.
    pub fn session(&self, name: &str) -> Result<Arc<store::Session>, SessionError> {
        // Every request and admin call counts as use, so the TTL sweep never drops a session
        // a suite is still driving.
        if let Some(s) = self.sessions.get_used(name, self.clock.now_ms()) {
            return Ok(s);
        }
        self.sessions
            .get_or_create(name, &self.families, &self.blueprint(), &self.clock)
    }

    /// The scenarios new and reset sessions start from.
    pub fn blueprint(&self) -> Arc<Blueprint> {
        self.blueprint
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Which blueprint is loaded: 1 at start, one more per [`Engine::replace_blueprint`].
    pub fn scenario_revision(&self) -> u64 {
        self.scenario_revision.load(Ordering::Relaxed)
    }

    /// Makes `blueprint` the one new and reset sessions start from, after the same checks as
    /// a start (settings, fault rules, a trial session built from its state). A refused one
    /// changes nothing; the problems name file#pointer. Returns the new revision.
    pub fn replace_blueprint(&self, blueprint: Blueprint) -> Result<u64, StartupError> {
        let blueprint =
            prepare_blueprint(blueprint, &self.contracts, &self.families).map_err(StartupError)?;
        let trial = Sessions::new(
            store::SessionLimits {
                max: 1,
                journal_limit: 1,
                journal_bytes: 1024,
                ttl_ms: None,
            },
            0,
        );
        if let Err(e) =
            trial.get_or_create(DEFAULT_SESSION, &self.families, &blueprint, &self.clock)
        {
            return Err(StartupError(vec![describe_session_error(&blueprint, &e)]));
        }
        *self.blueprint.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(blueprint);
        Ok(self.scenario_revision.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// A readable account of a session error, naming the scenario file and pointer.
    pub fn describe_session_error(&self, e: &SessionError) -> String {
        describe_session_error(&self.blueprint(), e)
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
        }
        .with_problem(&problem.message);
        if problem.allow.is_empty() {
            reply
        } else {
            reply.with_header(ALLOW, problem.allow.join(", "))
        }
    }

    /// Whether a request may be made to wait: it carries a `Prefer` header, or its session
    /// (or, for a session not created yet, the scenario) has fault rules or a default delay.
    /// The server carries such a request out even when its client stops waiting, as a real
    /// slow server would. `session` is the request's session when it already exists (see
    /// [`Engine::existing_session`]).
    pub fn may_wait(&self, headers: &HeaderMap, session: Option<&store::Session>) -> bool {
        if headers.contains_key(&faults::prefer::PREFER) {
            return true;
        }
        match session {
            Some(s) => !s.faults.is_empty() || s.settings().delay.is_some(),
            None => {
                let blueprint = self.blueprint();
                !blueprint.rules.is_empty() || blueprint.settings.0.contains_key("delay")
            }
        }
    }

    /// The request's session if it exists, marked as used: the server looks it up once and
    /// hands it to [`Engine::answer`], which creates it when it does not exist yet.
    pub fn existing_session(&self, headers: &HeaderMap) -> Option<Arc<store::Session>> {
        self.sessions
            .get_used(session_name(headers), self.clock.now_ms())
    }
}

/// The checks a blueprint passes before any session starts from it: every state names a
/// family, settings are known and well typed, fault rules compile (and are kept compiled).
fn prepare_blueprint(
    mut blueprint: Blueprint,
    contracts: &Contracts,
    families: &[Arc<dyn DynFamily>],
) -> Result<Blueprint, Vec<String>> {
    let mut errors = Vec::new();
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
    for (file, scenario_settings) in &blueprint.settings_sources {
        for (pointer, message) in settings::check(scenario_settings, families) {
            errors.push(format!("{file}#{pointer}: {message}"));
        }
    }
    errors.extend(auth::check_sources(&blueprint.auth_sources, families));
    match faults::compile_scenario_rules(&blueprint.faults, contracts) {
        Ok(rules) => blueprint.rules = rules,
        Err(problems) => errors.extend(problems.iter().map(ToString::to_string)),
    }
    if errors.is_empty() {
        Ok(blueprint)
    } else {
        Err(errors)
    }
}

/// A readable account of a session error, naming the scenario file and pointer.
fn describe_session_error(blueprint: &Blueprint, e: &SessionError) -> String {
    match e {
        SessionError::TooMany(max) => format!(
            "too many sessions: the limit of {max} is reached (raise --max-sessions or delete sessions through /__admin/sessions)"
        ),
        SessionError::State { family, error } => {
            let file = blueprint
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
