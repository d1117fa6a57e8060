//! Building an [`Engine`] from options: contracts, scenarios, families, limits.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::contracts::Contracts;
use crate::engine::scenario::{Blueprint, Scenario};
use crate::engine::{Engine, EngineConfig, StartupError};

/// What an engine is built from (the CLI's `serve` and `check` flags).
#[derive(Debug, Clone)]
pub struct Options {
    pub contracts: PathBuf,
    pub scenarios: Vec<PathBuf>,
    pub engine: EngineConfig,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            contracts: PathBuf::from("contracts"),
            scenarios: vec![PathBuf::from("scenarios/default.json")],
            engine: EngineConfig::default(),
        }
    }
}

/// Loads the contracts and scenarios and wires every family; every problem is reported.
pub fn build_engine(options: &Options) -> Result<Arc<Engine>, StartupError> {
    let mut problems = Vec::new();
    let contracts = match Contracts::load_dir(&options.contracts) {
        Ok(c) => Some(c),
        Err(ps) => {
            problems.extend(ps.iter().map(ToString::to_string));
            None
        }
    };
    let mut blueprint = Blueprint::default();
    for path in &options.scenarios {
        match Scenario::from_file(path) {
            Ok(s) => blueprint.add(&path.display().to_string(), s),
            Err(p) => problems.push(p.to_string()),
        }
    }
    let Some(contracts) = contracts else {
        return Err(StartupError(problems));
    };
    if !problems.is_empty() {
        return Err(StartupError(problems));
    }
    Engine::new(
        options.engine.clone(),
        contracts,
        crate::apis::families(),
        blueprint,
    )
    .map(Arc::new)
}

/// `trunkmock check`: the problems that would stop `serve`, one per line.
pub fn check(options: &Options) -> Vec<String> {
    match build_engine(options) {
        Ok(_) => Vec::new(),
        Err(e) => e.0,
    }
}
