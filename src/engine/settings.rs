//! Scenario settings: `{"delay": ..., "<family>": {...}}`. Scenarios merge their settings as
//! JSON; each family reads its entry into its own typed struct (unknown keys refused), and the
//! engine reads `delay`. [`check`] reports every problem with its pointer when a scenario loads.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::family::{DynFamily, deserialize_state};
use super::faults::DelaySpec;

/// A session's settings, merged from every loaded scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings(pub Map<String, Value>);

impl Settings {
    /// Merges `other` over `self`: objects merge key by key, anything else is replaced.
    pub fn merge(&mut self, other: &Map<String, Value>) {
        merge_objects(&mut self.0, other);
    }
}

fn merge_objects(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge_objects(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A session's settings: the merged JSON, and the engine-wide ones read once.
#[derive(Debug, Clone, Default)]
pub struct SessionSettings {
    pub raw: Settings,
    /// `settings.delay`: delays every request of every family.
    pub delay: Option<DelaySpec>,
}

impl SessionSettings {
    /// Reads the engine-wide settings; a broken one was refused by [`check`] when the
    /// scenario loaded, so it reads as absent here.
    pub fn new(raw: Settings) -> Self {
        let delay = raw
            .0
            .get("delay")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        Self { raw, delay }
    }
}

/// Every problem with one scenario's `settings` object, as `(pointer, message)` with pointers
/// under `/settings`: unknown keys, a family's settings that its struct refuses (a typo, a wrong
/// type), a broken `delay`.
pub fn check(
    settings: &Map<String, Value>,
    families: &[Arc<dyn DynFamily>],
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (key, value) in settings {
        let at = format!("/settings/{}", key.replace('~', "~0").replace('/', "~1"));
        if key == "delay" {
            match deserialize_state::<DelaySpec>(value) {
                Ok(d) => problems.extend(
                    d.problems()
                        .into_iter()
                        .map(|(p, m)| (format!("{at}{p}"), m)),
                ),
                Err(e) => problems.push((format!("{at}{}", e.pointer), e.message)),
            }
        } else if let Some(f) = families.iter().find(|f| f.name() == key) {
            if let Err(e) = f.check_settings(value) {
                problems.push((format!("{at}{}", e.pointer), e.message));
            }
        } else {
            let known: Vec<&str> = std::iter::once("delay")
                .chain(families.iter().map(|f| f.name()))
                .collect();
            problems.push((at, format!("unknown setting; known: {}", known.join(", "))));
        }
    }
    problems
}

/// A duration setting in seconds (fractions allowed): finite, not negative, at most a year,
/// so no arithmetic on it can overflow.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Seconds(f64);

impl Seconds {
    pub const MAX: f64 = 365.0 * 24.0 * 3600.0;

    pub const fn new_const(secs: f64) -> Self {
        Self(secs)
    }

    pub fn as_ms(self) -> i64 {
        (self.0 * 1000.0).round() as i64
    }
}

impl From<Seconds> for f64 {
    fn from(s: Seconds) -> f64 {
        s.0
    }
}

impl TryFrom<f64> for Seconds {
    type Error = String;

    fn try_from(secs: f64) -> Result<Self, String> {
        if secs.is_finite() && (0.0..=Self::MAX).contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(format!(
                "must be a number of seconds from 0 to {}",
                Self::MAX
            ))
        }
    }
}
