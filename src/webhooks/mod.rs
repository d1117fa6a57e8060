//! Webhook delivery: each session's receivers (from the scenario's `webhooks` or
//! `POST /__admin/webhooks`) get every matching event as a signed JSON POST, from a tokio task
//! of the session's own, so delivery never blocks or slows the request that caused the event.
//! Failures are retried with a doubling backoff, a bounded number of times; every attempt is
//! recorded for `GET /__admin/webhooks/deliveries`. Delivery faults (`faults.rs`) make a
//! delivery late, lost, doubled or out of order on demand.

mod faults;
mod send;
pub mod sign;

pub use faults::{DeliveryFault, FaultAction};

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::engine::events::Event;
use crate::engine::scenario::Blueprint;

/// How many delivery attempts a session remembers.
const DELIVERY_LIMIT: usize = 1000;

fn default_retries() -> u32 {
    3
}
fn default_backoff_ms() -> u64 {
    200
}

/// One receiver, as a scenario or `POST /__admin/webhooks` gives it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    /// Given by the server when absent (`wh-<n>`).
    #[serde(default)]
    pub id: String,
    /// `http://host:port/path` (plain HTTP: receivers are test doubles on the loopback).
    pub url: String,
    /// Event names, types or resource types it wants; empty or `"*"`: all.
    #[serde(default)]
    pub events: Vec<String>,
    /// With a secret, each POST carries `X-Trunkmock-Signature: sha256=<hex>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Retries after a failed attempt (a non-2xx answer or no answer).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Wait before the first retry; doubles each time.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
}

impl Receiver {
    pub fn wants(&self, e: &Event) -> bool {
        self.events.is_empty()
            || self.events.iter().any(|w| {
                w == "*" || *w == e.kind || Some(w) == e.name.as_ref() || **w == *e.resource_type
            })
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub event_id: String,
    pub receiver: String,
    pub url: String,
    pub attempt: u32,
    /// `delivered`, `failed`, `dropped`, `answer_lost`.
    pub outcome: &'static str,
    /// The receiver's status; absent when there was no answer.
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The delivery fault that acted on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    pub started: String,
    pub duration_ms: f64,
}

/// The shared part the delivery task and the admin API both see.
#[derive(Default)]
pub(crate) struct Shared {
    receivers: Mutex<Vec<Receiver>>,
    deliveries: Mutex<VecDeque<Attempt>>,
    faults: Mutex<Vec<DeliveryFault>>,
    next_id: Mutex<u64>,
}

impl Shared {
    fn record(&self, a: Attempt) {
        let mut d = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        if d.len() >= DELIVERY_LIMIT {
            d.pop_front();
        }
        d.push_back(a);
    }
}

/// A session's webhooks: receivers, delivery faults, the attempts made, and the queue.
pub struct Webhooks {
    shared: Arc<Shared>,
    queue: Mutex<Option<mpsc::UnboundedSender<Arc<Event>>>>,
    seed: u64,
}

/// The scenarios' receivers (checked when the scenario was read).
fn scenario_receivers(blueprint: &Blueprint) -> Vec<Receiver> {
    blueprint.webhooks.clone()
}

impl Webhooks {
    pub fn from_blueprint(_session: &str, blueprint: &Blueprint, seed: u64) -> Self {
        let hooks = Self {
            shared: Arc::default(),
            queue: Mutex::new(None),
            seed,
        };
        for r in scenario_receivers(blueprint) {
            hooks.add(r);
        }
        hooks
    }

    /// Back to the scenario's receivers, with no faults and no recorded attempts.
    pub fn reset(&self, blueprint: &Blueprint) {
        self.clear();
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.shared
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        for r in scenario_receivers(blueprint) {
            self.add(r);
        }
    }

    /// Adds a receiver, naming it when it has no id; returns it as stored.
    pub fn add(&self, mut r: Receiver) -> Receiver {
        {
            let mut n = self
                .shared
                .next_id
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if r.id.is_empty() {
                *n += 1;
                r.id = format!("wh-{n}");
            } else if let Some(given) = r.id.strip_prefix("wh-").and_then(|d| d.parse().ok()) {
                // A restored or scenario id in our own form: later ids must not reuse it.
                *n = (*n).max(given);
            }
        }
        let mut list = self
            .shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        list.retain(|x| x.id != r.id);
        list.push(r.clone());
        r
    }

    pub fn list(&self) -> Vec<Receiver> {
        self.shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut list = self
            .shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let before = list.len();
        list.retain(|x| x.id != id);
        list.len() != before
    }

    pub fn clear(&self) {
        self.shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn add_fault(&self, f: DeliveryFault) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(f);
    }

    pub fn faults(&self) -> Vec<Value> {
        let faults = self.shared.faults.lock().unwrap_or_else(|e| e.into_inner());
        faults.iter().map(DeliveryFault::describe).collect()
    }

    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Every attempt, oldest first.
    pub fn deliveries(&self) -> Vec<Attempt> {
        self.shared
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Queues an event for delivery when some receiver wants it. Never waits: the session's
    /// delivery task, started on first use, does the work.
    pub fn offer(&self, event: &Arc<Event>) {
        let wanted = self
            .shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|r| r.wants(event));
        if !wanted {
            return;
        }
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.as_ref().is_none_or(|q| q.is_closed()) {
            // Outside a runtime (a CLI check) there is nobody to deliver: skip quietly.
            let Ok(rt) = tokio::runtime::Handle::try_current() else {
                return;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            rt.spawn(send::run(self.shared.clone(), rx, self.seed));
            *queue = Some(tx);
        }
        if let Some(q) = queue.as_ref() {
            let _ = q.send(event.clone());
        }
    }
}
