//! `--watch`: reloads the scenario files when one changes, so an edited scenario is picked up
//! without a restart. New sessions and resets start from the new one; sessions already there
//! keep their state. An edit that does not load is logged with file#pointer and the previous
//! scenario stays.
//!
//! Polling the files' modification time and size every half second needs no dependency and
//! behaves the same on every file system (network mounts and container volumes included,
//! where change notifications are unreliable); a scenario is a handful of files.

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::config::load_blueprint;
use crate::embedded::is_built_in;
use crate::engine::Engine;

/// How often `--watch` looks at the files.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// What identifies a file's version: modification time and size (`None`: missing).
type Stamp = Option<(SystemTime, u64)>;

fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect()
}

/// Watches `scenarios` (the built-in one never changes) in a task of the current runtime,
/// polling every `every`, until the engine is dropped.
pub fn spawn(
    engine: &Arc<Engine>,
    scenarios: Vec<PathBuf>,
    extra: Vec<(String, Value)>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    let files: Vec<PathBuf> = scenarios
        .iter()
        .filter(|p| !is_built_in(p))
        .cloned()
        .collect();
    // A weak handle: watching must not keep a stopped server's engine alive.
    let engine: Weak<Engine> = Arc::downgrade(engine);
    // Taken now, not when the task first runs: an edit made in between must count as one.
    let mut seen = stamps(&files);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(engine) = engine.upgrade() else {
                return;
            };
            let now = stamps(&files);
            if now == seen {
                continue;
            }
            // Remember this version even if it does not load: it is reported once, and the
            // next edit is tried again.
            seen = now;
            reload(&engine, &scenarios, &extra);
        }
    })
}

/// Loads the scenarios again and swaps them in, or logs why not.
pub fn reload(engine: &Engine, scenarios: &[PathBuf], extra: &[(String, Value)]) {
    let result =
        load_blueprint(scenarios, extra).and_then(|b| engine.replace_blueprint(b).map_err(|e| e.0));
    match result {
        Ok(revision) => tracing::info!(revision, "scenario reloaded"),
        Err(problems) => {
            for p in &problems {
                tracing::warn!(problem = %p, "scenario edit refused; the previous one stays");
            }
        }
    }
}
