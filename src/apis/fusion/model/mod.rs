//! Over 400 lines: the state type, its parent lookups and its load-time normalising are one job.
//! The fusion family's state and business rules, no HTTP. Data lives per tenant
//! (`draas_instance` + tenant uuid) and subscription; each kind of object has its own module.

pub mod access_trunk_rules;
pub mod access_trunks;
pub mod bulk_filters;
pub mod bulk_items;
pub mod bulk_jobs;
pub mod bulk_run;
pub mod disaster_recovery;
pub mod due;
pub mod load_checks;
pub mod numbers;
pub mod paging;
pub mod peer_trunk_api;
pub mod peer_trunks;
pub mod pops;
pub mod sync;
pub mod trunk_children;
pub mod trunk_group_rules;
pub mod trunk_groups;

use std::collections::HashSet;

use crate::engine::steady_map::SteadyMap;

use serde::{Deserialize, Serialize};

use super::errors::FusionError;
use super::settings::FusionSettings;
use crate::engine::family::StateError;
use crate::engine::indexed::{Indexed, Keyed};
use pops::Pop;
use trunk_groups::TrunkGroup;

/// Everything the fusion fake remembers for one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FusionState {
    #[serde(default = "pops::default_pops")]
    pub pops: Vec<Pop>,
    /// By `(draasInstance, lowercase uuid)`; tenants are never removed, so their slots stay put.
    #[serde(default)]
    pub tenants: Indexed<Tenant>,
    /// The next integer id of each kind; raised on load above every id in the state.
    #[serde(default)]
    pub next_ids: IdCounters,
    /// What falls due when, for `tick`; never stored, rebuilt from the state after a load.
    #[serde(skip)]
    pub due: due::Due,
    /// Changes the clock made, until the engine takes them as events.
    #[serde(skip)]
    pub events: Vec<crate::engine::events::FamilyEvent>,
}

impl Default for FusionState {
    fn default() -> Self {
        FusionState {
            pops: pops::default_pops(),
            tenants: Indexed::new(),
            next_ids: IdCounters::default(),
            due: due::Due::default(),
            events: Vec::new(),
        }
    }
}

/// A tenant of one DRaaS instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    pub draas_instance: String,
    pub uuid: String,
    /// By id; never removed, so their slots stay put.
    #[serde(default)]
    pub subscriptions: Indexed<Subscription>,
    /// The tenant's bulk jobs (their history is per tenant, across subscriptions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bulk_jobs: Vec<bulk_jobs::BulkJob>,
    /// Full number → the trunk group it is attached to, over every subscription of the
    /// tenant, so adding numbers does not walk them all. Never stored; see `reindex_numbers`.
    #[serde(skip)]
    pub number_owner: SteadyMap<String, i64>,
}

impl Tenant {
    pub fn new(draas_instance: &str, uuid: &str) -> Self {
        Tenant {
            draas_instance: draas_instance.to_string(),
            uuid: uuid.to_ascii_lowercase(),
            subscriptions: Indexed::new(),
            bulk_jobs: Vec::new(),
            number_owner: SteadyMap::new(),
        }
    }

    /// Rebuilds `number_owner` from the trunk groups (after a load or an undone bulk item).
    pub fn reindex_numbers(&mut self) {
        self.number_owner = self
            .subscriptions
            .iter()
            .flat_map(|s| s.trunk_groups.iter())
            .flat_map(|tg| tg.numbers.iter().map(|n| (n.full_number.clone(), tg.id)))
            .collect();
    }
}

/// The derived indexes (`number_owner`, a subscription's `names`) are not part of the meaning.
impl PartialEq for Tenant {
    fn eq(&self, other: &Self) -> bool {
        self.draas_instance == other.draas_instance
            && self.uuid == other.uuid
            && self.subscriptions == other.subscriptions
            && self.bulk_jobs == other.bulk_jobs
    }
}

impl PartialEq for Subscription {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.trunk_groups == other.trunk_groups
    }
}

impl Keyed for Tenant {
    type Key = (String, String);
    fn key(&self) -> Self::Key {
        (self.draas_instance.clone(), self.uuid.to_ascii_lowercase())
    }
}

impl Keyed for Subscription {
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
}

impl Keyed for TrunkGroup {
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
}

/// A subscription of a tenant and its trunk groups.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subscription {
    pub id: i64,
    /// In creation order (the list's order), by id. Written through `add`, `put` and
    /// `remove`, which keep `names` in step.
    #[serde(default)]
    pub trunk_groups: Indexed<TrunkGroup>,
    /// Lowercase name → trunk group id: names are unique per subscription regardless of
    /// case, checked on every create and rename. Never stored; see `reindex_names`.
    #[serde(skip)]
    names: SteadyMap<String, i64>,
}

impl Subscription {
    pub fn new(id: i64) -> Self {
        Subscription {
            id,
            trunk_groups: Indexed::new(),
            names: SteadyMap::new(),
        }
    }

    /// Rebuilds `names` from the trunk groups (after a load).
    pub fn reindex_names(&mut self) {
        self.names = self
            .trunk_groups
            .iter()
            .map(|tg| (tg.name.to_ascii_lowercase(), tg.id))
            .collect();
    }

    /// The id of the trunk group called `name` (in any case), if one is.
    pub fn named(&self, name: &str) -> Option<i64> {
        self.names.get(&name.to_ascii_lowercase()).copied()
    }

    /// Stores a new trunk group; its id must be new (ids come from the state's sequence).
    pub fn add(&mut self, tg: TrunkGroup) -> Result<(), FusionError> {
        let (name, id) = (tg.name.to_ascii_lowercase(), tg.id);
        self.trunk_groups
            .push(tg)
            .map_err(|_| FusionError::Uncaught)?;
        self.names.insert(name, id);
        Ok(())
    }

    /// Replaces the stored trunk group with the same id (a rename included).
    pub fn put(&mut self, tg: TrunkGroup) -> Result<(), FusionError> {
        let (name, id) = (tg.name.to_ascii_lowercase(), tg.id);
        let old = self
            .trunk_groups
            .replace(&id, tg)
            .map_err(|_| FusionError::TrunkGroupNotFound(id))?;
        self.names.remove(&old.name.to_ascii_lowercase());
        self.names.insert(name, id);
        Ok(())
    }

    /// Takes the trunk group `id` out.
    pub fn remove(&mut self, id: i64) -> Option<TrunkGroup> {
        let tg = self.trunk_groups.remove(&id)?;
        self.names.remove(&tg.name.to_ascii_lowercase());
        Some(tg)
    }

    pub fn trunk_group(&self, id: i64) -> Result<&TrunkGroup, FusionError> {
        self.trunk_groups
            .get(&id)
            .ok_or(FusionError::TrunkGroupNotFound(id))
    }

    pub fn trunk_group_mut(&mut self, id: i64) -> Result<&mut TrunkGroup, FusionError> {
        self.trunk_groups
            .get_mut(&id)
            .ok_or(FusionError::TrunkGroupNotFound(id))
    }
}

/// Integer id sequences, shared by the whole state as the platform's database would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdCounters {
    #[serde(default = "one")]
    pub trunk_group: i64,
    #[serde(default = "one")]
    pub number: i64,
    #[serde(default = "one")]
    pub connection: i64,
    #[serde(default = "one")]
    pub peer_trunk: i64,
    #[serde(default = "one")]
    pub access_trunk: i64,
    #[serde(default = "one")]
    pub bulk_job: i64,
}

fn one() -> i64 {
    1
}

impl Default for IdCounters {
    fn default() -> Self {
        IdCounters {
            trunk_group: 1,
            number: 1,
            connection: 1,
            peer_trunk: 1,
            access_trunk: 1,
            bulk_job: 1,
        }
    }
}

/// The largest id a loaded state may hold (JavaScript's largest safe integer): far from
/// `i64::MAX`, so the counters after it can never overflow, and every client reads it exactly.
pub const MAX_ID: i64 = (1 << 53) - 1;

/// Takes the next id of a sequence.
pub fn take(counter: &mut i64) -> i64 {
    let id = *counter;
    // Loaded ids are capped at MAX_ID, so this never saturates in practice; it must not wrap.
    *counter = counter.saturating_add(1);
    id
}

/// The parents named by a path: `/draas/{draas_instance}/tenants/{uuid}/subscriptions/{id}`.
#[derive(Debug, Clone, Copy)]
pub struct ParentKey<'a> {
    pub draas_instance: &'a str,
    pub tenant: &'a str,
    pub subscription: i64,
}

/// A trunk group borrowed for a write, beside the state's POPs and id sequences.
pub struct TrunkGroupParts<'a> {
    pub trunk_group: &'a mut TrunkGroup,
    pub pops: &'a [Pop],
    pub next_ids: &'a mut IdCounters,
}

/// How unknown parents are treated: strict by default, lenient with `fusion.any_parent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parents {
    /// Any parent exists and starts empty (the default).
    Lenient,
    /// Only the scenario's tenants and subscriptions exist; others answer 404.
    Strict,
}

impl FusionState {
    fn tenant_index(&self, key: ParentKey<'_>) -> Option<usize> {
        self.tenants.slot_of(&(
            key.draas_instance.to_string(),
            key.tenant.to_ascii_lowercase(),
        ))
    }

    fn not_found_tenant(key: ParentKey<'_>) -> FusionError {
        FusionError::TenantNotFound {
            draas_instance: key.draas_instance.to_string(),
            uuid: key.tenant.to_string(),
        }
    }

    fn not_found_subscription(key: ParentKey<'_>) -> FusionError {
        FusionError::SubscriptionNotFound {
            uuid: key.tenant.to_string(),
            subscription: key.subscription,
        }
    }

    /// The subscription for a read: `None` when it does not exist and parents are lenient
    /// (it reads as empty), 404 when they are strict.
    pub fn subscription(
        &self,
        key: ParentKey<'_>,
        parents: Parents,
    ) -> Result<Option<&Subscription>, FusionError> {
        let strict = parents == Parents::Strict;
        let Some(t) = self.tenant_index(key) else {
            return if strict {
                Err(Self::not_found_tenant(key))
            } else {
                Ok(None)
            };
        };
        match self.tenants[t].subscriptions.get(&key.subscription) {
            Some(s) => Ok(Some(s)),
            None if strict => Err(Self::not_found_subscription(key)),
            None => Ok(None),
        }
    }

    /// The trunk group `id` for a read.
    pub fn trunk_group(
        &self,
        key: ParentKey<'_>,
        parents: Parents,
        id: i64,
    ) -> Result<&TrunkGroup, FusionError> {
        self.subscription(key, parents)?
            .ok_or(FusionError::TrunkGroupNotFound(id))?
            .trunk_group(id)
    }

    /// `(tenant, subscription)` indices of the subscription holding trunk group `id`, for a
    /// write to it. Never creates a parent: a missing one means the trunk group is missing.
    pub fn locate_trunk_group(
        &self,
        key: ParentKey<'_>,
        parents: Parents,
        id: i64,
    ) -> Result<(usize, usize), FusionError> {
        self.trunk_group(key, parents, id)?;
        let t = self
            .tenant_index(key)
            .ok_or(FusionError::TrunkGroupNotFound(id))?;
        let s = self.tenants[t]
            .subscriptions
            .slot_of(&key.subscription)
            .ok_or(FusionError::TrunkGroupNotFound(id))?;
        Ok((t, s))
    }

    /// Trunk group `id` for a write, with what a write to it may also need: the POP list and
    /// the id sequences (used by the numbers, disaster recovery and peer trunk writes).
    pub fn trunk_group_parts_mut(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        id: i64,
    ) -> Result<TrunkGroupParts<'_>, FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, id)?;
        let FusionState {
            pops,
            tenants,
            next_ids,
            ..
        } = self;
        let trunk_group = tenants[t].subscriptions[s].trunk_group_mut(id)?;
        Ok(TrunkGroupParts {
            trunk_group,
            pops,
            next_ids,
        })
    }

    /// `(tenant, subscription)` indices for a write; lenient parents are created on first use,
    /// up to the settings' `max_tenants` and `max_subscriptions_per_tenant`.
    pub fn locate_mut(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        settings: &FusionSettings,
    ) -> Result<(usize, usize), FusionError> {
        let strict = parents == Parents::Strict;
        let t = match self.tenant_index(key) {
            Some(t) => t,
            None if strict => return Err(Self::not_found_tenant(key)),
            None => {
                if self.tenants.len() >= settings.max_tenants {
                    return Err(FusionError::ParentLimitReached(
                        "tenants",
                        settings.max_tenants,
                    ));
                }
                let tenant = Tenant::new(key.draas_instance, key.tenant);
                let tenant_key = tenant.key();
                // Unknown just above, under the same lock: the push is not refused.
                let _ = self.tenants.push(tenant);
                self.tenants
                    .slot_of(&tenant_key)
                    .ok_or_else(|| Self::not_found_tenant(key))?
            }
        };
        let subs = &mut self.tenants[t].subscriptions;
        let s = match subs.slot_of(&key.subscription) {
            Some(s) => s,
            None if strict => return Err(Self::not_found_subscription(key)),
            None => {
                if subs.len() >= settings.max_subscriptions_per_tenant {
                    return Err(FusionError::ParentLimitReached(
                        "subscriptions per tenant",
                        settings.max_subscriptions_per_tenant,
                    ));
                }
                let _ = subs.push(Subscription::new(key.subscription));
                subs.slot_of(&key.subscription)
                    .ok_or_else(|| Self::not_found_subscription(key))?
            }
        };
        Ok((t, s))
    }

    /// Checks a loaded state's cross-references and raises the id counters above its ids.
    pub fn normalise(mut self) -> Result<Self, StateError> {
        self.reset_queue();
        let mut pop_ids = HashSet::new();
        for (i, p) in self.pops.iter().enumerate() {
            if !pop_ids.insert(p.id) {
                return Err(StateError::new(format!("/pops/{i}/id"), "duplicate POP id"));
            }
        }
        let mut tenant_keys = HashSet::new();
        let mut tg_ids = HashSet::new();
        let mut peer_ids = HashSet::new();
        let mut connection_ids = HashSet::new();
        let mut number_ids = HashSet::new();
        let mut max = IdCounters {
            trunk_group: 0,
            number: 0,
            connection: 0,
            peer_trunk: 0,
            access_trunk: 0,
            bulk_job: 0,
        };
        // The seed's uuids may be in any case; the tenants' index is by the lowercase one.
        self.tenants = std::mem::take(&mut self.tenants)
            .into_iter()
            .map(|mut t| {
                t.uuid = t.uuid.to_ascii_lowercase();
                t.reindex_numbers();
                t
            })
            .collect();
        for (ti, t) in self.tenants.iter_mut().enumerate() {
            for s in t.subscriptions.iter_mut() {
                s.reindex_names();
            }
            let tp = format!("/tenants/{ti}");
            if !tenant_keys.insert((t.draas_instance.clone(), t.uuid.clone())) {
                return Err(StateError::new(
                    tp,
                    "duplicate tenant (draasInstance + uuid)",
                ));
            }
            let mut sub_ids = HashSet::new();
            let mut tenant_numbers = HashSet::new();
            for (si, s) in t.subscriptions.iter().enumerate() {
                let sp = format!("{tp}/subscriptions/{si}");
                if !sub_ids.insert(s.id) {
                    return Err(StateError::new(
                        format!("{sp}/id"),
                        "duplicate subscription id",
                    ));
                }
                let mut names = HashSet::new();
                for (gi, tg) in s.trunk_groups.iter().enumerate() {
                    let gp = format!("{sp}/trunkGroups/{gi}");
                    if !tg_ids.insert(tg.id) {
                        return Err(StateError::new(
                            format!("{gp}/id"),
                            "duplicate trunk group id",
                        ));
                    }
                    if !names.insert(tg.name.to_lowercase()) {
                        return Err(StateError::new(
                            format!("{gp}/name"),
                            "trunk group names must be unique within a subscription",
                        ));
                    }
                    max.trunk_group = max.trunk_group.max(tg.id);
                    for (ni, n) in tg.numbers.iter().enumerate() {
                        let np = format!("{gp}/numbers/{ni}");
                        if !numbers::is_e164(&n.full_number) {
                            return Err(StateError::new(
                                format!("{np}/fullNumber"),
                                "not an E.164 number",
                            ));
                        }
                        if !tenant_numbers.insert(n.full_number.clone()) {
                            return Err(StateError::new(
                                format!("{np}/fullNumber"),
                                "number attached twice in this tenant",
                            ));
                        }
                        if !connection_ids.insert(n.connection_id) {
                            return Err(StateError::new(
                                format!("{np}/connectionId"),
                                "duplicate connectionId",
                            ));
                        }
                        if !number_ids.insert(n.id) {
                            return Err(StateError::new(format!("{np}/id"), "duplicate number id"));
                        }
                        max.number = max.number.max(n.id);
                        max.connection = max.connection.max(n.connection_id);
                    }
                    if tg.pilot.is_some() && tg.pilot_number().is_none() {
                        return Err(StateError::new(
                            format!("{gp}/pilot"),
                            "pilot must be the connectionId of one of the trunk group's numbers",
                        ));
                    }
                    if tg.region.is_some() && !tg.kind.has_region() {
                        return Err(StateError::new(
                            format!("{gp}/region"),
                            "region only for webexc / webexcc",
                        ));
                    }
                    if !tg.kind.is_peer() && !tg.peer_trunks.is_empty() {
                        return Err(StateError::new(
                            format!("{gp}/peerTrunks"),
                            "a sip trunk group has no peer trunks",
                        ));
                    }
                    for (pi, p) in tg.peer_trunks.iter().enumerate() {
                        let pp = format!("{gp}/peerTrunks/{pi}");
                        if !peer_ids.insert(p.id) {
                            return Err(StateError::new(
                                format!("{pp}/id"),
                                "duplicate peer trunk id",
                            ));
                        }
                        if !pop_ids.contains(&p.pop_id) {
                            return Err(StateError::new(
                                format!("{pp}/popId"),
                                "no POP with this id",
                            ));
                        }
                        max.peer_trunk = max.peer_trunk.max(p.id);
                    }
                }
            }
        }
        for (what, id) in [
            ("trunkGroups", max.trunk_group),
            ("numbers", max.number),
            ("connections", max.connection),
            ("peerTrunks", max.peer_trunk),
        ] {
            if id > MAX_ID {
                return Err(StateError::new(
                    "",
                    format!("an id in {what} is above {MAX_ID}, the largest id kept"),
                ));
            }
        }
        let n = &mut self.next_ids;
        n.trunk_group = n.trunk_group.max(max.trunk_group + 1);
        n.number = n.number.max(max.number + 1);
        n.connection = n.connection.max(max.connection + 1);
        n.peer_trunk = n.peer_trunk.max(max.peer_trunk + 1);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_index_follows_adds_renames_removes_and_loads() {
        let mut sub = Subscription::new(1);
        sub.add(TrunkGroup::new(5, "u5".into(), "Alpha".into()))
            .unwrap();
        assert_eq!(sub.named("ALPHA"), Some(5));
        let mut renamed = sub.trunk_group(5).unwrap().clone();
        renamed.name = "Beta".into();
        sub.put(renamed).unwrap();
        assert_eq!((sub.named("alpha"), sub.named("beta")), (None, Some(5)));
        let json = serde_json::to_value(&sub).unwrap();
        let mut loaded: Subscription = serde_json::from_value(json).unwrap();
        loaded.reindex_names();
        assert_eq!(loaded.named("BETA"), Some(5));
        sub.remove(5).unwrap();
        assert_eq!(sub.named("beta"), None);
        assert!(sub.trunk_groups.is_empty());
    }
}
