//! fusion's notifications, named as the vendor's document names them. The document says each
//! write "once completed" sends a notification "through webhook or email" and names the event
//! of each operation (`create trunk_group`, `sip_add_access_trunk_trunkgroup`, ...), but does not
//! publish the payload; ours is the engine's event (see `webhooks` in the fusion contract and
//! docs/fusion.md) whose `resource` is the object as the API answers it.
//!
//! Clock-driven changes (a trunk group's sync `pending` → `ok`, a bulk job `ongoing` →
//! `success`/`failure`, trunk groups a bulk job created or deleted) are found by comparing
//! a [`Snapshot`] of what falls due, taken before the tick, with the state after it; the tick
//! only does that when something is due (see `model/due.rs`), so a quiet request pays nothing
//! and a busy one pays for what is due, not for the session's size.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::bulk_jobs::BulkStatus;
use super::model::due::TrunkGroupKey;
use super::model::sync::SyncStatus;
use super::model::trunk_groups::{TrunkGroup, is_suspend};
use super::model::{FusionState, ParentKey, Parents};
use super::views;
use crate::engine::events::FamilyEvent;

/// The vendor's name for a trunk group event of `verb`: `<verb> trunk_group` for a sip trunk
/// group, `<verb> peer trunk_group` for the others.
fn trunk_group_event(verb: &str, answer: &Value) -> String {
    match answer.get("type").and_then(Value::as_str) {
        Some("sip") | None => format!("{verb} trunk_group"),
        Some(_) => format!("{verb} peer trunk_group"),
    }
}

/// Records a bulk job's update of an existing trunk group: the same notification a single
/// update sends, raised from the clock's tick where the job runs.
pub fn note_bulk_update(state: &mut FusionState, key: ParentKey<'_>, id: i64) {
    let Ok(tg) = state.trunk_group(key, Parents::Lenient, id) else {
        return;
    };
    let view = views::trunk_group_detail(tg, &state.pops, true);
    state.events.push(FamilyEvent {
        kind: "updated",
        name: Some(trunk_group_event("update", &view)),
        resource_type: "trunkgroups".into(),
        resource_id: Some(id.to_string()),
        resource: view,
    });
}

/// The notification a successful write sends. Disaster recovery and bulk submissions have no
/// name in the document: their events carry none (bulk items are named when the job runs).
pub fn event_name(operation_id: &str, request: &Value, answer: &Value) -> Option<String> {
    let name = match operation_id {
        "fusion_create_trunk_group" => return Some(trunk_group_event("create", answer)),
        "fusion_update_trunk_group" if is_suspend(request) => "suspend trunk_group",
        "fusion_update_trunk_group" => return Some(trunk_group_event("update", answer)),
        "fusion_delete_trunk_group" => "delete trunk_group",
        "fusion_add_trunk_group_numbers" => "add_numbers_trunk_group",
        "fusion_remove_trunk_group_numbers" => "remove_numbers_trunk_group",
        "fusion_create_access_trunks" => "sip_add_access_trunk_trunkgroup",
        "fusion_modify_access_trunk" => "sip_update_access_trunk_trunkgroup",
        "fusion_delete_access_trunk" => "sip_remove_access_trunk_trunkgroup",
        // The document writes "sip_add_peer_trunk trunkgroup_event"; we use the spelling of
        // its siblings.
        "fusion_create_peer_trunk" => "sip_add_peer_trunk_trunkgroup",
        "fusion_modify_peer_trunk" => "sip_update_peer_trunk_trunkgroup",
        "fusion_delete_peer_trunk" => "sip_remove_peer_trunk_trunkgroup",
        _ => return None,
    };
    Some(name.to_string())
}

/// Resource types of a trunk group's children, as their paths name them.
const ACCESS_TRUNKS: &str = "access_trunks";
const PEER_TRUNKS: &str = "peer_trunks";

/// What a tick may change, as it was before: only what falls due in it. The tick adds the
/// subscriptions its bulk jobs run in (whole: their items may create, change or delete any
/// trunk group there), the trunk groups whose synchronisation is due, and the jobs.
#[derive(Default)]
pub struct Snapshot {
    subscriptions: Vec<(usize, i64)>,
    trunk_groups: HashMap<TrunkGroupKey, SyncStatus>,
    /// The sync status of each access trunk and peer trunk, by trunk group, kind and id.
    children: HashMap<(TrunkGroupKey, &'static str, i64), SyncStatus>,
    jobs: HashMap<(usize, u64), BulkStatus>,
}

/// The trunk group a key names, if it is (still) there.
fn find(state: &FusionState, (t, sub, id): TrunkGroupKey) -> Option<&TrunkGroup> {
    state
        .tenants_slot(t)?
        .subscriptions
        .get(&sub)?
        .trunk_groups
        .get(&id)
}

impl Snapshot {
    fn record(&mut self, k: TrunkGroupKey, tg: &TrunkGroup) {
        for at in &tg.access_trunks {
            self.children.insert((k, ACCESS_TRUNKS, at.id), at.status);
        }
        for pt in &tg.peer_trunks {
            self.children.insert((k, PEER_TRUNKS, pt.id), pt.status);
        }
        self.trunk_groups.insert(k, tg.status);
    }

    /// Every trunk group of a subscription a bulk job is about to run in.
    pub fn add_subscription(&mut self, state: &FusionState, t: usize, sub: i64) {
        if self.subscriptions.contains(&(t, sub)) {
            return;
        }
        self.subscriptions.push((t, sub));
        let Some(s) = state
            .tenants_slot(t)
            .and_then(|x| x.subscriptions.get(&sub))
        else {
            return;
        };
        for tg in &s.trunk_groups {
            self.record((t, sub, tg.id), tg);
        }
    }

    /// A trunk group about to settle. One in a subscription taken whole was recorded before
    /// its bulk jobs ran, and stays as it was then.
    pub fn add_trunk_group(&mut self, state: &FusionState, k: TrunkGroupKey) {
        if self.subscriptions.contains(&(k.0, k.1)) || self.trunk_groups.contains_key(&k) {
            return;
        }
        if let Some(tg) = find(state, k) {
            self.record(k, tg);
        }
    }

    /// A bulk job about to run.
    pub fn add_job(&mut self, t: usize, id: u64, status: BulkStatus) {
        self.jobs.insert((t, id), status);
    }

    /// The events between this snapshot and `state`, in the order a walk of the whole session
    /// would find them: trunk groups as the session lists them (each after its access and
    /// peer trunks), then the deleted ones, then the jobs.
    pub fn changes(mut self, state: &FusionState) -> Vec<FamilyEvent> {
        let mut keys: Vec<TrunkGroupKey> = self.trunk_groups.keys().copied().collect();
        for &(t, sub) in &self.subscriptions {
            if let Some(s) = state
                .tenants_slot(t)
                .and_then(|x| x.subscriptions.get(&sub))
            {
                keys.extend(s.trunk_groups.iter().map(|tg| (t, sub, tg.id)));
            }
        }
        // Slots follow the lists' order: tenants and subscriptions are never removed, and a
        // subscription's trunk groups keep their insertion order in their slots.
        let mut placed: Vec<((usize, usize, usize), TrunkGroupKey)> = keys
            .into_iter()
            .filter_map(|k| {
                let subs = &state.tenants_slot(k.0)?.subscriptions;
                let ss = subs.slot_of(&k.1)?;
                let gs = subs[ss].trunk_groups.slot_of(&k.2)?;
                Some(((k.0, ss, gs), k))
            })
            .collect();
        placed.sort_unstable();
        placed.dedup();
        let mut out = Vec::new();
        for (_, k) in placed {
            if let Some(tg) = find(state, k) {
                self.compare(k, tg, state, &mut out);
            }
        }
        let mut gone: Vec<_> = self.trunk_groups.into_keys().collect();
        // In the order of (instance, tenant uuid, subscription, id), as events always came.
        let tenants: Vec<(&str, &str)> = state
            .tenants
            .iter()
            .map(|t| (t.draas_instance.as_str(), t.uuid.as_str()))
            .collect();
        gone.sort_by_key(|&(ti, sub, id)| (tenants.get(ti).copied(), sub, id));
        for (_, _, id) in gone {
            out.push(FamilyEvent {
                kind: "deleted",
                name: Some("delete trunk_group".into()),
                resource_type: "trunkgroups".into(),
                resource_id: Some(id.to_string()),
                resource: json!({ "id": id }),
            });
        }
        let mut jobs: Vec<(usize, usize)> = self
            .jobs
            .keys()
            .filter_map(|&(ti, id)| {
                let pos = state
                    .tenants_slot(ti)?
                    .bulk_jobs
                    .iter()
                    .position(|j| j.id == id)?;
                Some((ti, pos))
            })
            .collect();
        jobs.sort_unstable();
        for (ti, pos) in jobs {
            let j = &state.tenants[ti].bulk_jobs[pos];
            if self.jobs.get(&(ti, j.id)).is_some_and(|b| *b != j.status) {
                out.push(FamilyEvent {
                    kind: "status_changed",
                    name: None,
                    resource_type: "bulk_jobs".into(),
                    resource_id: Some(j.id.to_string()),
                    resource: views::bulk_job(j),
                });
            }
        }
        out
    }

    /// One trunk group's events: its access and peer trunks whose sync finished (or failed),
    /// then its own creation or status change. Takes it out of the snapshot, so what is left
    /// there afterwards was deleted.
    fn compare(
        &mut self,
        k: TrunkGroupKey,
        tg: &TrunkGroup,
        state: &FusionState,
        out: &mut Vec<FamilyEvent>,
    ) {
        let mut child =
            |kind: &'static str, id: i64, status: SyncStatus, view: &dyn Fn() -> Value| {
                let before = self.children.get(&(k, kind, id));
                if before.is_some_and(|b| *b != status) {
                    out.push(FamilyEvent {
                        kind: "status_changed",
                        name: None,
                        resource_type: kind.into(),
                        resource_id: Some(id.to_string()),
                        resource: view(),
                    });
                }
            };
        for at in &tg.access_trunks {
            child(ACCESS_TRUNKS, at.id, at.status, &|| {
                views::access_trunk(at, &state.pops, true)
            });
        }
        for pt in &tg.peer_trunks {
            child(PEER_TRUNKS, pt.id, pt.status, &|| {
                views::peer_trunk(pt, tg, &state.pops)
            });
        }
        // The view only for an event: most ticks change few of the trunk groups they look at.
        let view = || views::trunk_group_detail(tg, &state.pops, true);
        let id = || Some(tg.id.to_string());
        match self.trunk_groups.remove(&k) {
            None => {
                let view = view();
                out.push(FamilyEvent {
                    kind: "created",
                    name: Some(trunk_group_event("create", &view)),
                    resource_type: "trunkgroups".into(),
                    resource_id: id(),
                    resource: view,
                })
            }
            Some(before) if before != tg.status => out.push(FamilyEvent {
                kind: "status_changed",
                name: None,
                resource_type: "trunkgroups".into(),
                resource_id: id(),
                resource: view(),
            }),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_trunk_group_is_named_as_one() {
        let peer = json!({ "type": "msteams" });
        let sip = json!({ "type": "sip" });
        let none = Value::Null;
        assert_eq!(
            event_name("fusion_create_trunk_group", &none, &peer).as_deref(),
            Some("create peer trunk_group")
        );
        assert_eq!(
            event_name("fusion_update_trunk_group", &json!({"name": "x"}), &sip).as_deref(),
            Some("update trunk_group")
        );
        assert_eq!(
            event_name(
                "fusion_update_trunk_group",
                &json!({"outgoingCalls": true}),
                &sip
            )
            .as_deref(),
            Some("suspend trunk_group")
        );
        assert_eq!(event_name("fusion_bulk_trunk_groups", &none, &none), None);
    }
}
