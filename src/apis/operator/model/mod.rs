//! The operator family's state: customers and their incoming trunks, plus the counter that
//! keeps generated trunk domains unique for the life of a session. Pure Rust, no HTTP.

pub mod customers;
pub mod incoming_trunks;

use std::collections::HashSet;

use crate::engine::steady_map::SteadyMap;

use serde::{Deserialize, Serialize};

pub use customers::{Customer, CustomerChanges, Language};
pub use incoming_trunks::{DestinationField, IncomingTrunk, TransportProtocol, TrunkChanges};

use super::errors::OperatorError;
use crate::apis::operator::settings::OperatorSettings;
use crate::engine::family::StateError;
use crate::engine::indexed::{Indexed, Keyed};

/// How many resources of one type a session keeps at most (setting `operator.max_resources`).
pub const DEFAULT_MAX_RESOURCES: u64 = 10_000;

/// Everything the family remembers for one session. Its serde form is `state.operator` in a
/// scenario and in `GET|PUT /__admin/state`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorState {
    /// In creation order, found by id in O(1).
    #[serde(default)]
    pub customers: Indexed<Customer>,
    #[serde(default)]
    pub incoming_trunks: Indexed<IncomingTrunk>,
    /// The numeric part of the last domain handed out. New domains count up from here, so the
    /// domain of a deleted trunk never comes back, as the vendor promises.
    #[serde(default)]
    pub last_domain_number: u64,
    /// What the rules ask of every create and delete, so none of them walks the
    /// collections. Never stored; rebuilt by `normalise`.
    #[serde(skip)]
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    /// customer id → how many incoming trunks it owns.
    trunks_of: SteadyMap<String, usize>,
    domains: HashSet<String>,
}

impl Index {
    fn build(state: &OperatorState) -> Self {
        let mut ix = Index::default();
        for t in &state.incoming_trunks {
            *ix.trunks_of.get_or_insert_with(t.customer_id.clone(), || 0) += 1;
            ix.domains.insert(t.domain.clone());
        }
        ix
    }
}

impl Keyed for Customer {
    type Key = String;
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for IncomingTrunk {
    type Key = String;
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl OperatorState {
    fn max_resources(settings: &OperatorSettings) -> usize {
        settings.max_resources
    }

    /// Refuses a new resource of `ty` when `count` already reaches the limit.
    fn check_limit(
        ty: &'static str,
        count: usize,
        settings: &OperatorSettings,
    ) -> Result<(), OperatorError> {
        let limit = Self::max_resources(settings);
        if count >= limit {
            return Err(OperatorError::LimitReached { ty, limit });
        }
        Ok(())
    }

    /// Checks a loaded state: unique ids and domains, known customers, valid codecs; and moves
    /// the domain counter past every domain already in use.
    pub fn normalise(mut self) -> Result<Self, StateError> {
        let mut ids = HashSet::new();
        for (i, c) in self.customers.iter().enumerate() {
            if c.id.is_empty() {
                return Err(StateError::new(
                    format!("/customers/{i}/id"),
                    "must not be empty",
                ));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(StateError::new(
                    format!("/customers/{i}/id"),
                    format!("duplicate customer id {}", c.id),
                ));
            }
        }
        let mut trunk_ids = HashSet::new();
        let mut domains = HashSet::new();
        for (i, t) in self.incoming_trunks.iter().enumerate() {
            let at = |field: &str| format!("/incoming_trunks/{i}/{field}");
            if t.id.is_empty() {
                return Err(StateError::new(at("id"), "must not be empty"));
            }
            if !trunk_ids.insert(t.id.as_str()) {
                return Err(StateError::new(
                    at("id"),
                    format!("duplicate incoming trunk id {}", t.id),
                ));
            }
            if !domains.insert(t.domain.as_str()) {
                return Err(StateError::new(
                    at("domain"),
                    format!("duplicate domain {}", t.domain),
                ));
            }
            if !ids.contains(t.customer_id.as_str()) {
                return Err(StateError::new(
                    at("customer_id"),
                    format!("no customer with id {}", t.customer_id),
                ));
            }
            if let Err(e) = incoming_trunks::check_codecs(&t.codecs) {
                return Err(StateError::new(at("codecs"), e));
            }
            if let Some(n) = incoming_trunks::domain_number(&t.domain) {
                self.last_domain_number = self.last_domain_number.max(n);
            }
        }
        self.index = Index::build(&self);
        Ok(self)
    }
}
