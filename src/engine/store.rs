//! Sessions: each `X-Trunkmock-Session` name owns a World (one state slot per family), a
//! journal, a clock offset and its settings. Sessions are created on first use from the
//! blueprint, up to `--max-sessions`; past that a new name is refused, never evicted silently.
//! Sessions idle past `--session-ttl` are dropped by [`Sessions::sweep`], never one in use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use super::clock::{RealClock, SessionClock};
use super::events::EventLog;
use super::family::{DynFamily, FamilySlot, StateError};
use super::faults::FaultBook;
use super::ids::IdGen;
use super::journal::{Journal, JournalBudget};
use super::scenario::Blueprint;
use super::settings::{SessionSettings, Settings};

/// One isolated session.
pub struct Session {
    /// Shared with every event the session records.
    pub name: Arc<str>,
    pub created_ms: i64,
    /// Real time of the last request or admin call naming this session.
    last_used_ms: AtomicI64,
    /// Indexed like the engine's family list.
    slots: Vec<Box<dyn FamilySlot>>,
    pub journal: Journal,
    pub clock: SessionClock,
    settings: RwLock<Arc<SessionSettings>>,
    /// The session's fault rules, starting as the scenario's.
    pub faults: FaultBook,
    /// The session's state changes, kept bounded and broadcast live.
    pub events: EventLog,
    /// The session's webhook receivers and delivery record.
    pub webhooks: crate::webhooks::Webhooks,
    /// The scenario's users and the tokens this session handed out.
    pub auth: super::auth::SessionAuth,
}

impl Session {
    pub fn last_used_ms(&self) -> i64 {
        self.last_used_ms.load(Ordering::Relaxed)
    }

    pub fn slot(&self, family: usize) -> &dyn FamilySlot {
        self.slots[family].as_ref()
    }

    pub fn settings(&self) -> Arc<SessionSettings> {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Takes new settings: every family reads its part first, and if one refuses them nothing
    /// changes (the error names the family and the pointer inside its settings).
    pub fn set_settings(
        &self,
        settings: Settings,
        families: &[Arc<dyn DynFamily>],
    ) -> Result<(), SessionError> {
        let mut guard = self.settings.write().unwrap_or_else(|e| e.into_inner());
        for (i, f) in families.iter().enumerate() {
            if let Err(error) = self.slots[i].configure(&settings) {
                for slot in &self.slots[..i] {
                    let _ = slot.configure(&guard.raw);
                }
                return Err(SessionError::State {
                    family: f.name(),
                    error,
                });
            }
        }
        *guard = Arc::new(SessionSettings::new(settings));
        Ok(())
    }
}

/// Why a session could not be had.
#[derive(Debug)]
pub enum SessionError {
    TooMany(usize),
    State {
        family: &'static str,
        error: StateError,
    },
}

/// How sessions are bounded: count, journal entries and bytes, idle time.
#[derive(Debug, Clone)]
pub struct SessionLimits {
    pub max: usize,
    pub journal_limit: usize,
    pub journal_bytes: usize,
    /// Idle time after which a session is dropped; `None` keeps sessions until deleted.
    pub ttl_ms: Option<i64>,
}

pub struct Sessions {
    map: RwLock<HashMap<String, Arc<Session>>>,
    max: usize,
    journal_limit: usize,
    journal_budget: Arc<JournalBudget>,
    ttl_ms: Option<i64>,
    seed: u64,
    /// Sessions being built right now: counted against the limit, so a burst of new names
    /// builds at most as many worlds as there is room for.
    building: AtomicUsize,
}

/// Gives a reserved build slot back however the build ends.
struct Building<'a>(&'a AtomicUsize);

impl Drop for Building<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Sessions {
    pub fn new(limits: SessionLimits, seed: u64) -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
            max: limits.max,
            journal_limit: limits.journal_limit,
            journal_budget: JournalBudget::new(limits.journal_bytes),
            ttl_ms: limits.ttl_ms,
            seed,
            building: AtomicUsize::new(0),
        }
    }

    /// The byte budget all journals share.
    pub fn journal_budget(&self) -> &JournalBudget {
        &self.journal_budget
    }

    pub fn ttl_ms(&self) -> Option<i64> {
        self.ttl_ms
    }

    /// Drops every session idle for longer than the TTL, except the default session and any
    /// session in use: one whose `Arc` someone besides the map holds (a request being
    /// answered, an admin call) is never dropped. Returns how many were dropped.
    pub fn sweep(&self, now_ms: i64) -> usize {
        let Some(ttl) = self.ttl_ms else { return 0 };
        let idle = |s: &Arc<Session>| {
            &*s.name != super::DEFAULT_SESSION
                && now_ms.saturating_sub(s.last_used_ms()) > ttl
                && Arc::strong_count(s) == 1
        };
        // A cheap look under the read lock first: most sweeps find nothing to do.
        if !self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(idle)
        {
            return 0;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let before = map.len();
        // Under the write lock nobody can clone an `Arc` out of the map, so the strong count
        // checked here cannot grow before the session is gone.
        map.retain(|_, s| !idle(s));
        before - map.len()
    }

    pub fn ids_for(&self, session: &str, family: &str) -> IdGen {
        IdGen::for_session(self.seed, session, family)
    }

    /// The seed of a session's fault draws (probabilities, delays), fixed by `--seed`.
    fn fault_seed(&self, session: &str) -> u64 {
        IdGen::for_session(self.seed, session, "\u{0}faults").next_u64()
    }

    /// Builds every family's slot for `name` from the blueprint.
    fn build(
        &self,
        name: &str,
        families: &[Arc<dyn DynFamily>],
        blueprint: &Blueprint,
        now_ms: i64,
    ) -> Result<Session, SessionError> {
        let mut slots = Vec::with_capacity(families.len());
        for f in families {
            let slot = f
                .clone()
                .new_slot(
                    blueprint.state.get(f.name()),
                    &blueprint.settings,
                    self.ids_for(name, f.name()),
                )
                .map_err(|error| SessionError::State {
                    family: f.name(),
                    error,
                })?;
            slots.push(slot);
        }
        Ok(Session {
            name: name.into(),
            created_ms: now_ms,
            last_used_ms: AtomicI64::new(now_ms),
            slots,
            journal: Journal::with_budget(self.journal_limit, self.journal_budget.clone()),
            clock: SessionClock::default(),
            settings: RwLock::new(Arc::new(SessionSettings::new(blueprint.settings.clone()))),
            faults: FaultBook::new(&blueprint.rules, self.fault_seed(name)),
            events: EventLog::default(),
            webhooks: crate::webhooks::Webhooks::from_blueprint(
                name,
                blueprint,
                self.fault_seed(name),
            ),
            auth: super::auth::SessionAuth::new(&blueprint.auth),
        })
    }

    /// The session called `name`, created from the blueprint on first use.
    pub fn get_or_create(
        &self,
        name: &str,
        families: &[Arc<dyn DynFamily>],
        blueprint: &Blueprint,
        clock: &RealClock,
    ) -> Result<Arc<Session>, SessionError> {
        let now = clock.now_ms();
        // The hot path: a shared read lock, released before any handler runs.
        {
            let map = self.map.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = map.get(name) {
                s.last_used_ms.store(now, Ordering::Relaxed);
                return Ok(s.clone());
            }
            // Refused before a world is built: a flood of new names costs a map look-up each.
            if map.len() >= self.max {
                drop(map);
                if self.sweep(now) == 0 {
                    return Err(SessionError::TooMany(self.max));
                }
            }
        }
        // The count first, then the reservation: a session already inserted has given its
        // reservation back under the write lock, so it is never counted twice.
        let stored = self.len();
        let reserved = Building(&self.building);
        let others = self.building.fetch_add(1, Ordering::Relaxed);
        if stored + others >= self.max {
            return Err(SessionError::TooMany(self.max));
        }
        let built = Arc::new(self.build(name, families, blueprint, now)?);
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get(name) {
            return Ok(s.clone());
        }
        // Checked again: others may have filled the map while this world was being built.
        if map.len() >= self.max {
            return Err(SessionError::TooMany(self.max));
        }
        map.insert(name.to_string(), built.clone());
        drop(reserved);
        Ok(built)
    }

    /// The session called `name` if it exists, marked as used at `now_ms` (see [`Self::sweep`]).
    pub fn get_used(&self, name: &str, now_ms: i64) -> Option<Arc<Session>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let s = map.get(name)?;
        s.last_used_ms.store(now_ms, Ordering::Relaxed);
        Some(s.clone())
    }

    pub fn get(&self, name: &str) -> Option<Arc<Session>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    pub fn remove(&self, name: &str) -> bool {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .is_some()
    }

    /// Every session, sorted by name.
    pub fn all(&self) -> Vec<Arc<Session>> {
        let mut v: Vec<_> = self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Puts a session back to the blueprint: state, ids, settings, clock, journal and the
    /// scenario's fault rules (with fresh counters).
    pub fn reset(
        &self,
        session: &Session,
        families: &[Arc<dyn DynFamily>],
        blueprint: &Blueprint,
    ) -> Result<(), SessionError> {
        for (i, f) in families.iter().enumerate() {
            session.slots[i]
                .replace(
                    blueprint.state.get(f.name()),
                    &blueprint.settings,
                    self.ids_for(&session.name, f.name()),
                )
                .map_err(|error| SessionError::State {
                    family: f.name(),
                    error,
                })?;
        }
        *session.settings.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(SessionSettings::new(blueprint.settings.clone()));
        session.faults.reset(&blueprint.rules);
        session.clock.reset();
        session.journal.clear();
        session.events.clear();
        session.webhooks.reset(blueprint);
        session.auth.reset(&blueprint.auth);
        Ok(())
    }
}

/// The whole state of a session, one entry per family.
pub fn dump_world(
    session: &Session,
    families: &[Arc<dyn DynFamily>],
    now_ms: i64,
) -> Map<String, Value> {
    families
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name().to_string(), session.slot(i).dump(now_ms)))
        .collect()
}
