//! Building an [`Engine`] from options: contracts, scenarios, families, limits. The contracts
//! and the default scenario come from the binary itself unless a folder or file is named
//! (see [`crate::embedded`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::embedded::{self, BUILT_IN, is_built_in};
use crate::engine::contracts::{ContractProblem, Contracts};
use crate::engine::scenario::{Blueprint, Scenario, ScenarioProblem};
use crate::engine::{Engine, EngineConfig, StartupError};

/// What an engine is built from (the CLI's `serve` and `check` flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// A folder of `<family>.openapi.json`, or [`BUILT_IN`] for the compiled-in contracts.
    pub contracts: PathBuf,
    /// Scenario files in order; [`BUILT_IN`] stands for the compiled-in default scenario.
    pub scenarios: Vec<PathBuf>,
    pub engine: EngineConfig,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            contracts: PathBuf::from(BUILT_IN),
            scenarios: vec![PathBuf::from(BUILT_IN)],
            engine: EngineConfig::default(),
        }
    }
}

/// Loads the contracts and scenarios and wires every family; every problem is reported.
pub fn build_engine(options: &Options) -> Result<Arc<Engine>, StartupError> {
    build_engine_with(options, Vec::new())
}

/// [`build_engine`] with scenarios given as values, merged after the files (each with the
/// name its problems are reported under).
pub fn build_engine_with(
    options: &Options,
    extra: Vec<(String, serde_json::Value)>,
) -> Result<Arc<Engine>, StartupError> {
    let mut problems = Vec::new();
    let contracts = match load_contracts(&options.contracts) {
        Ok(c) => Some(c),
        Err(ps) => {
            problems.extend(ps.iter().map(ToString::to_string));
            None
        }
    };
    let blueprint = load_blueprint(&options.scenarios, &extra).unwrap_or_else(|ps| {
        problems.extend(ps);
        Blueprint::default()
    });
    let Some(contracts) = contracts else {
        return Err(StartupError(problems));
    };
    if !problems.is_empty() {
        return Err(StartupError(problems));
    }
    let engine = Engine::new(
        options.engine.clone(),
        contracts,
        crate::apis::families(),
        blueprint,
    )?;
    // Saved sessions come back before the first request, or the start is refused.
    if let Some(path) = &options.engine.state_file {
        crate::persist::load(&engine, path)?;
    }
    Ok(Arc::new(engine))
}

/// `trunkmock check`: the problems that would stop `serve`, one per line.
pub fn check(options: &Options) -> Vec<String> {
    match build_engine(options) {
        Ok(_) => Vec::new(),
        Err(e) => e.0,
    }
}

/// The scenario files (then the scenarios given as values) merged in order; every problem
/// is reported with file#pointer. `--watch` calls it again when a file changes.
pub fn load_blueprint(
    scenarios: &[PathBuf],
    extra: &[(String, serde_json::Value)],
) -> Result<Blueprint, Vec<String>> {
    let mut problems = Vec::new();
    let mut blueprint = Blueprint::default();
    for path in scenarios {
        match load_scenario(path) {
            Ok((file, s)) => blueprint.add(&file, s),
            Err(p) => problems.push(p.to_string()),
        }
    }
    for (file, value) in extra {
        match Scenario::from_value(file, value) {
            Ok(s) => blueprint.add(file, s),
            Err(p) => problems.push(p.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(blueprint)
    } else {
        Err(problems)
    }
}

/// The contracts in `dir`, or the built-in ones when `dir` is [`BUILT_IN`].
pub fn load_contracts(dir: &Path) -> Result<Contracts, Vec<ContractProblem>> {
    if !is_built_in(dir) {
        return Contracts::load_dir(dir);
    }
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for (family, text) in embedded::CONTRACTS {
        let file = embedded::contract_file(family);
        match serde_json::from_str(text) {
            Ok(doc) => docs.push((family.to_string(), file, doc)),
            Err(e) => problems.push(ContractProblem {
                file,
                pointer: String::new(),
                message: format!("not a JSON document: {e}"),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Contracts::from_documents(docs)
}

/// One scenario file (or the built-in default) and the name its problems are reported under.
pub fn load_scenario(path: &Path) -> Result<(String, Scenario), ScenarioProblem> {
    if !is_built_in(path) {
        return Scenario::from_file(path).map(|s| (path.display().to_string(), s));
    }
    let file = embedded::DEFAULT_SCENARIO_FILE.to_string();
    let value = serde_json::from_str(embedded::DEFAULT_SCENARIO).map_err(|e| ScenarioProblem {
        file: file.clone(),
        pointer: String::new(),
        message: format!("not valid JSON: {e}"),
    })?;
    Scenario::from_value(&file, &value).map(|s| (file, s))
}
