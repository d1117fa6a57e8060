//! Scenario settings: a free JSON object each family reads its own keys from
//! (`{"fusion": {"strict_parents": true}}`), plus a few engine-wide ones.

use serde_json::{Map, Value};

/// A session's settings, merged from every loaded scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings(pub Map<String, Value>);

impl Settings {
    /// The value at a dotted path (`fusion.sync_delay_seconds`).
    pub fn get(&self, dotted: &str) -> Option<&Value> {
        let mut parts = dotted.split('.');
        let mut cur = self.0.get(parts.next()?)?;
        for part in parts {
            cur = cur.get(part)?;
        }
        Some(cur)
    }

    pub fn bool_or(&self, dotted: &str, default: bool) -> bool {
        self.get(dotted).and_then(Value::as_bool).unwrap_or(default)
    }

    pub fn f64_or(&self, dotted: &str, default: f64) -> f64 {
        self.get(dotted).and_then(Value::as_f64).unwrap_or(default)
    }

    pub fn u64_or(&self, dotted: &str, default: u64) -> u64 {
        self.get(dotted).and_then(Value::as_u64).unwrap_or(default)
    }

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
