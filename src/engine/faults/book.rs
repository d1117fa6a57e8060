//! A session's fault rules: an ordered list swapped whole on every change (an `Arc` snapshot
//! read under a short per-session lock), with atomic counters per rule, so concurrent requests
//! pick rules and spend budgets without waiting for each other.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use super::delay::FaultRng;
use super::rule::{FaultRule, RequestView};

/// The most rules one session may hold.
pub const MAX_RULES: usize = 1000;

/// A compiled rule with the name it goes by and where it came from.
#[derive(Debug, Clone)]
pub struct NamedRule {
    pub id: String,
    /// `scenarios/x.json#/faults/0`, or `admin` for a rule added over the admin API.
    pub origin: String,
    pub rule: Arc<FaultRule>,
}

/// A rule inside one session, with its counters.
#[derive(Debug)]
pub struct ActiveRule {
    pub named: NamedRule,
    /// Requests the matcher accepted.
    matched: AtomicU64,
    /// Requests the rule acted on.
    hits: AtomicU64,
}

impl ActiveRule {
    fn new(named: NamedRule) -> Self {
        Self {
            named,
            matched: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    pub fn id(&self) -> &str {
        &self.named.id
    }

    pub fn rule(&self) -> &FaultRule {
        &self.named.rule
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many more times the rule will act; `None` when unlimited.
    pub fn remaining(&self) -> Option<u64> {
        self.rule().times.map(|t| t.saturating_sub(self.hits()))
    }

    /// Counts a matching request and decides whether the rule acts on it: past the first
    /// `after` matches, then a draw against `probability`, then a unit of the `times` budget.
    fn fires(&self, rng: &FaultRng) -> bool {
        let rule = self.rule();
        let seen = self.matched.fetch_add(1, Ordering::Relaxed);
        if seen < rule.after {
            return false;
        }
        if let Some(p) = rule.probability
            && rng.unit() >= p
        {
            return false;
        }
        match rule.times {
            None => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                true
            }
            Some(times) => self
                .hits
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |h| {
                    (h < times).then_some(h + 1)
                })
                .is_ok(),
        }
    }

    /// The rule as `GET /__admin/faults` shows it.
    pub fn describe(&self) -> Value {
        json!({
            "id": self.named.id,
            "origin": self.named.origin,
            "hits": self.hits(),
            "matched": self.matched.load(Ordering::Relaxed),
            "remaining": self.remaining(),
            "rule": self.rule().source,
        })
    }
}

/// Why a rule could not be added.
#[derive(Debug, PartialEq, Eq)]
pub enum AddError {
    DuplicateId(String),
    Full,
}

/// One session's rules and random source.
#[derive(Debug)]
pub struct FaultBook {
    rules: RwLock<Arc<Vec<Arc<ActiveRule>>>>,
    /// The number of rules, readable without the lock (the server asks on every request).
    len: AtomicUsize,
    pub rng: FaultRng,
    next_id: AtomicU64,
}

impl FaultBook {
    pub fn new(rules: &[NamedRule], seed: u64) -> Self {
        Self {
            rules: RwLock::new(Arc::new(
                rules
                    .iter()
                    .cloned()
                    .map(|r| Arc::new(ActiveRule::new(r)))
                    .collect(),
            )),
            len: AtomicUsize::new(rules.len()),
            rng: FaultRng::new(seed),
            next_id: AtomicU64::new(1),
        }
    }

    /// The current rules, in the order they are tried.
    pub fn snapshot(&self) -> Arc<Vec<Arc<ActiveRule>>> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn change<T>(&self, f: impl FnOnce(&mut Vec<Arc<ActiveRule>>) -> T) -> T {
        let mut guard = self.rules.write().unwrap_or_else(|e| e.into_inner());
        let mut list = (**guard).clone();
        let out = f(&mut list);
        self.len.store(list.len(), Ordering::Relaxed);
        *guard = Arc::new(list);
        out
    }

    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first rule that matches the request and fires, counting it.
    pub fn select(&self, request: &RequestView<'_>) -> Option<Arc<ActiveRule>> {
        self.snapshot()
            .iter()
            .find(|r| r.rule().matcher.matches(request) && r.fires(&self.rng))
            .cloned()
    }

    /// An id for a rule that has none: `fault-1`, `fault-2`, ... skipping ids in use.
    fn fresh_id(&self, list: &[Arc<ActiveRule>]) -> String {
        loop {
            let id = format!("fault-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
            if !list.iter().any(|r| r.id() == id) {
                return id;
            }
        }
    }

    /// Adds rules from the admin API, all or none, and returns their ids: in front of the
    /// existing ones (`front`: the newest rule is tried first) or after them (a scenario
    /// applied over the admin API keeps its own order behind the rules already there).
    pub fn add(&self, rules: Vec<Arc<FaultRule>>, front: bool) -> Result<Vec<String>, AddError> {
        self.change(|list| {
            if list.len() + rules.len() > MAX_RULES {
                return Err(AddError::Full);
            }
            let mut added: Vec<Arc<ActiveRule>> = Vec::with_capacity(rules.len());
            for rule in rules {
                let id = match &rule.id {
                    Some(id) => {
                        if list.iter().chain(&added).any(|r| r.id() == id) {
                            return Err(AddError::DuplicateId(id.clone()));
                        }
                        id.clone()
                    }
                    None => {
                        let taken: Vec<Arc<ActiveRule>> =
                            list.iter().chain(&added).cloned().collect();
                        self.fresh_id(&taken)
                    }
                };
                added.push(Arc::new(ActiveRule::new(NamedRule {
                    id,
                    origin: "admin".into(),
                    rule,
                })));
            }
            let ids = added.iter().map(|r| r.id().to_string()).collect();
            if front {
                list.splice(0..0, added);
            } else {
                list.extend(added);
            }
            Ok(ids)
        })
    }

    pub fn remove(&self, id: &str) -> bool {
        self.change(|list| {
            let before = list.len();
            list.retain(|r| r.id() != id);
            list.len() != before
        })
    }

    pub fn clear(&self) {
        self.change(Vec::clear);
    }

    /// Back to the scenario's rules with fresh counters, and the random source to its start.
    pub fn reset(&self, rules: &[NamedRule]) {
        self.change(|list| {
            *list = rules
                .iter()
                .cloned()
                .map(|r| Arc::new(ActiveRule::new(r)))
                .collect();
        });
        self.rng.reset();
        self.next_id.store(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::call::Pairs;
    use serde_json::json;

    fn rule(v: Value) -> Arc<FaultRule> {
        Arc::new(FaultRule::compile(&v, &|_| true).unwrap())
    }

    fn fire(book: &FaultBook) -> Option<String> {
        let headers = hyper::HeaderMap::new();
        let query = Pairs::default();
        let view = RequestView {
            method: "GET",
            path: "/api/providers",
            operation_id: "pbx_list_providers",
            headers: &headers,
            query: &query,
            body: b"",
        };
        book.select(&view).map(|r| r.id().to_string())
    }

    #[test]
    fn after_skips_then_times_spends_the_budget() {
        let book = FaultBook::new(&[], 1);
        book.add(
            vec![rule(
                json!({"id": "a", "after": 1, "times": 2, "fault": "EMPTY_RESPONSE"}),
            )],
            true,
        )
        .unwrap();
        let got: Vec<_> = (0..5).map(|_| fire(&book)).collect();
        assert_eq!(got, [None, Some("a".into()), Some("a".into()), None, None]);
        assert_eq!(book.snapshot()[0].remaining(), Some(0));
    }

    #[test]
    fn the_newest_admin_rule_is_tried_first_and_ids_are_unique() {
        let book = FaultBook::new(&[], 1);
        let first = book.add(vec![rule(json!({}))], true).unwrap();
        let second = book.add(vec![rule(json!({}))], true).unwrap();
        assert_eq!(
            (first[0].as_str(), second[0].as_str()),
            ("fault-1", "fault-2")
        );
        assert_eq!(fire(&book).as_deref(), Some("fault-2"));
        assert_eq!(
            book.add(vec![rule(json!({"id": "fault-1"}))], false),
            Err(AddError::DuplicateId("fault-1".into()))
        );
    }

    #[test]
    fn probability_draws_repeat_with_the_seed() {
        let run = || {
            let book = FaultBook::new(&[], 42);
            book.add(vec![rule(json!({"probability": 0.3}))], true)
                .unwrap();
            (0..200).map(|_| fire(&book).is_some()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|x| **x).count();
        assert!((30..90).contains(&n), "{n} of 200 fired");
    }
}
