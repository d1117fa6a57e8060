//! The API-agnostic machinery. [`Engine`] holds the compiled contracts, the families and the
//! sessions; [`pipeline`] is the path of one request, step by step, read top to bottom.
//! Families plug in through [`family::Family`]; imports flow from the families to the engine,
//! never back.

pub mod call;
pub mod clock;
pub mod contracts;
pub mod family;
pub mod faults;
pub mod http;
pub mod ids;
pub mod journal;
pub mod pipeline;
pub mod problem;
pub mod reply;
pub mod router;
pub mod scenario;
pub mod settings;
pub mod store;

use std::sync::Arc;

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
    pub journal_limit: usize,
    pub max_sessions: usize,
    pub admin_token: Option<String>,
    /// `None`: a fresh random seed per process.
    pub seed: Option<u64>,
    /// `--state-file`: where `POST /__admin/snapshot` and a graceful shutdown save sessions.
    pub state_file: Option<std::path::PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            journal_limit: 10_000,
            max_sessions: 1000,
            admin_token: None,
            seed: None,
            state_file: None,
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
    /// The loaded scenarios, which every new or reset session starts from.
    pub blueprint: Arc<Blueprint>,
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
            for (pointer, message) in settings::check(scenario_settings, &families) {
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
            metrics: crate::metrics::Metrics::new(contracts.operations.len(), families.len()),
            config,
            contracts,
            families,
            targets,
            blueprint: Arc::new(blueprint),
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
        self.sessions
            .get_or_create(name, &self.families, &self.blueprint, &self.clock)
    }

    /// A readable account of a session error, naming the scenario file and pointer.
    pub fn describe_session_error(&self, e: &SessionError) -> String {
        match e {
            SessionError::TooMany(max) => format!(
                "too many sessions: the limit of {max} is reached (raise --max-sessions or delete sessions through /__admin/sessions)"
            ),
            SessionError::State { family, error } => {
                let file = self
                    .blueprint
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

    /// Whether a request may be made to wait: it carries a `Prefer` header, or its session
    /// (or, for a session not created yet, the scenario) has fault rules or a default delay.
    /// The server carries such a request out even when its client stops waiting, as a real
    /// slow server would. Cheap: no lock beyond the session map's read lock.
    pub fn may_wait(&self, headers: &HeaderMap) -> bool {
        if headers.contains_key(&faults::prefer::PREFER) {
            return true;
        }
        match self.sessions.get(session_name(headers)) {
            Some(s) => !s.faults.is_empty() || s.settings().delay.is_some(),
            None => {
                !self.blueprint.rules.is_empty() || self.blueprint.settings.0.contains_key("delay")
            }
        }
    }
}
