//! Delivery faults: what a test asks webhook delivery to do wrong, in the fault rules' words
//! (`times`, `after`, `probability`), so a receiver's idempotency and ordering can be tested.
//!
//! - `drop`: the delivery never happens;
//! - `delay`: sent `delay_ms` late (the session's queue waits, so later events wait too);
//! - `duplicate`: sent twice with the same event id;
//! - `reorder`: held back and sent after the next event (or after `delay_ms`, default 1000,
//!   when no other event comes);
//! - `answer_lost`: sent, but its answer is treated as lost, so it is sent once more.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::engine::events::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    Drop,
    Delay,
    Duplicate,
    Reorder,
    AnswerLost,
}

impl FaultAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultAction::Drop => "drop",
            FaultAction::Delay => "delay",
            FaultAction::Duplicate => "duplicate",
            FaultAction::Reorder => "reorder",
            FaultAction::AnswerLost => "answer_lost",
        }
    }
}

/// One delivery fault rule, as `POST /__admin/webhooks/faults` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFault {
    #[serde(default)]
    pub id: String,
    pub action: FaultAction,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Only these event names/types/resource types; empty: every event.
    #[serde(default)]
    pub events: Vec<String>,
    /// Acts at most this many times.
    #[serde(default)]
    pub times: Option<u64>,
    /// Lets this many matching events through first.
    #[serde(default)]
    pub after: u64,
    /// Acts on this share of the matching events (0..=1), drawn from the session's seed.
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(skip)]
    seen: u64,
    #[serde(skip)]
    fired: u64,
}

impl DeliveryFault {
    /// Refuses what cannot mean anything.
    pub fn check(&self) -> Result<(), String> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err("probability must be between 0 and 1".into());
        }
        if self.action == FaultAction::Delay && self.delay_ms.is_none() {
            return Err("a delay fault needs delay_ms".into());
        }
        Ok(())
    }

    pub fn describe(&self) -> Value {
        json!({
            "id": self.id,
            "action": self.action.as_str(),
            "delay_ms": self.delay_ms,
            "events": self.events,
            "times": self.times,
            "after": self.after,
            "probability": self.probability,
            "fired": self.fired,
        })
    }

    /// Whether this rule acts on `event`; counts what it sees. `draw` is a uniform [0, 1).
    pub fn decide(&mut self, event: &Event, draw: f64) -> bool {
        let wanted = self.events.is_empty()
            || self.events.iter().any(|w| {
                *w == event.kind || Some(w) == event.name.as_ref() || **w == *event.resource_type
            });
        if !wanted {
            return false;
        }
        self.seen += 1;
        if self.seen <= self.after || self.times.is_some_and(|t| self.fired >= t) {
            return false;
        }
        if self.probability.is_some_and(|p| draw >= p) {
            return false;
        }
        self.fired += 1;
        true
    }
}
