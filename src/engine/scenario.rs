//! Scenario files: `{"name", "description", "settings", "state": {<family>: ...}, "faults": [...]}`.
//! Several files merge in order: settings merge key by key, a family's state is replaced by a
//! later file's, faults add up.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::faults::NamedRule;
use super::settings::Settings;

/// One problem in a scenario: file, JSON pointer, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioProblem {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for ScenarioProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}: {}", self.file, self.pointer, self.message)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub settings: Map<String, Value>,
    #[serde(default)]
    pub state: Map<String, Value>,
    #[serde(default)]
    pub faults: Vec<Value>,
    /// Webhook receivers every session starts with (`crate::webhooks::Receiver`).
    #[serde(default)]
    pub webhooks: Vec<crate::webhooks::Receiver>,
    /// Users per family (`{"fusion": {"users": [...]}}`), see [`super::auth`].
    #[serde(default)]
    pub auth: super::auth::AuthSection,
}

impl Scenario {
    /// Parses a scenario document, naming the pointer of the first bad value.
    pub fn from_value(file: &str, value: &Value) -> Result<Self, ScenarioProblem> {
        super::family::deserialize_state::<Scenario>(value).map_err(|e| ScenarioProblem {
            file: file.to_string(),
            pointer: e.pointer,
            message: e.message,
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, ScenarioProblem> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ScenarioProblem {
            file: file.clone(),
            pointer: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| ScenarioProblem {
            file: file.clone(),
            pointer: String::new(),
            message: format!("not valid JSON: {e}"),
        })?;
        Self::from_value(&file, &value)
    }
}

/// What every new session starts from: the loaded scenarios, merged.
#[derive(Debug, Clone, Default)]
pub struct Blueprint {
    /// `(file, scenario name)` of every loaded scenario, in order.
    pub sources: Vec<(String, Option<String>)>,
    pub settings: Settings,
    pub state: Map<String, Value>,
    /// Fault rules with the file and pointer they came from.
    pub faults: Vec<(String, String, Value)>,
    /// The same rules compiled and named, filled in by [`super::Engine::new`]; every new
    /// session (and every reset) starts from them.
    pub rules: Vec<NamedRule>,
    /// Each file's own `settings`, so a bad engine-wide setting is reported with its file.
    pub settings_sources: Vec<(String, Map<String, Value>)>,
    /// Webhook receivers of every file, in order.
    pub webhooks: Vec<crate::webhooks::Receiver>,
    /// Users per family, a later file's family replacing an earlier one's.
    pub auth: super::auth::AuthSection,
    /// Each file's own `auth`, so a bad user is reported with its file.
    pub auth_sources: Vec<(String, super::auth::AuthSection)>,
}

impl Blueprint {
    pub fn add(&mut self, file: &str, scenario: Scenario) {
        self.settings.merge(&scenario.settings);
        self.settings_sources
            .push((file.to_string(), scenario.settings.clone()));
        for (family, state) in scenario.state {
            self.state.insert(family, state);
        }
        for (i, fault) in scenario.faults.into_iter().enumerate() {
            self.faults
                .push((file.to_string(), format!("/faults/{i}"), fault));
        }
        self.webhooks.extend(scenario.webhooks);
        for (family, users) in &scenario.auth {
            self.auth.insert(family.clone(), users.clone());
        }
        self.auth_sources.push((file.to_string(), scenario.auth));
        self.sources.push((file.to_string(), scenario.name));
    }
}
