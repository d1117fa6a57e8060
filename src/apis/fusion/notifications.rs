//! fusion's notifications, named as the vendor's document names them. The document says each
//! write "once completed" sends a notification "through webhook or email" and names the event
//! of each operation (`create trunk_group`, `sip_add_access_trunk_trunkgroup`, ...), but does not
//! publish the payload; ours is the engine's event (see `webhooks` in the fusion contract and
//! docs/fusion.md) whose `resource` is the object as the API answers it.
//!
//! Clock-driven changes (a trunk group's sync `pending` → `ok`, a bulk job `ongoing` →
//! `success`/`failure`, trunk groups a bulk job created or deleted) are found by comparing
//! a [`Snapshot`] taken before the tick with the state after it; the tick only does that when
//! something is due, so a quiet request pays nothing.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::model::bulk_jobs::BulkStatus;
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

/// Where a trunk group lives: the tenant's position (tenants are never removed, so it is the
/// same before and after a tick, and no string is copied per trunk group), subscription, id.
type TrunkGroupKey = (usize, i64, i64);

/// Resource types of a trunk group's children, as their paths name them.
const ACCESS_TRUNKS: &str = "access_trunks";
const PEER_TRUNKS: &str = "peer_trunks";

/// What the tick may change, as it was before.
#[derive(Default)]
pub struct Snapshot {
    trunk_groups: HashMap<TrunkGroupKey, SyncStatus>,
    /// The sync status of each access trunk and peer trunk, by trunk group, kind and id.
    children: HashMap<(TrunkGroupKey, &'static str, i64), SyncStatus>,
    jobs: HashMap<(usize, u64), BulkStatus>,
}

fn each_trunk_group(state: &FusionState, mut f: impl FnMut(TrunkGroupKey, &TrunkGroup)) {
    for (ti, t) in state.tenants.iter().enumerate() {
        for s in &t.subscriptions {
            for tg in &s.trunk_groups {
                f((ti, s.id, tg.id), tg);
            }
        }
    }
}

impl Snapshot {
    pub fn take(state: &FusionState) -> Self {
        let mut snap = Snapshot::default();
        each_trunk_group(state, |k, tg| {
            for at in &tg.access_trunks {
                snap.children.insert((k, ACCESS_TRUNKS, at.id), at.status);
            }
            for pt in &tg.peer_trunks {
                snap.children.insert((k, PEER_TRUNKS, pt.id), pt.status);
            }
            snap.trunk_groups.insert(k, tg.status);
        });
        for (ti, t) in state.tenants.iter().enumerate() {
            for j in &t.bulk_jobs {
                snap.jobs.insert((ti, j.id), j.status);
            }
        }
        snap
    }

    /// The events between this snapshot and `state`.
    pub fn changes(mut self, state: &FusionState) -> Vec<FamilyEvent> {
        let mut out = Vec::new();
        each_trunk_group(state, |k, tg| {
            // An access or peer trunk whose own sync finished (or failed).
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
            // The view only for an event: most ticks change few of many trunk groups.
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
        });
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
        for (ti, t) in state.tenants.iter().enumerate() {
            for j in &t.bulk_jobs {
                let key = (ti, j.id);
                if self.jobs.get(&key).is_some_and(|b| *b != j.status) {
                    out.push(FamilyEvent {
                        kind: "status_changed",
                        name: None,
                        resource_type: "bulk_jobs".into(),
                        resource_id: Some(j.id.to_string()),
                        resource: views::bulk_job(j),
                    });
                }
            }
        }
        out
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
