//! The queue-driven tick against the walk it replaced: the same writes at the same times must
//! leave the same state and raise the same events, in the same order.

use serde_json::{Value, json};

use super::tick;
use crate::apis::fusion::model::access_trunks::AccessTrunkInput;
use crate::apis::fusion::model::bulk_jobs::BulkKind;
use crate::apis::fusion::model::bulk_run::{DueJob, run_jobs};
use crate::apis::fusion::model::sync::{SyncStatus, Synced};
use crate::apis::fusion::model::trunk_group_rules::WriteContext;
use crate::apis::fusion::model::trunk_groups::TrunkGroupWrite;
use crate::apis::fusion::model::{FusionState, ParentKey, Parents};
use crate::apis::fusion::notifications::Snapshot;
use crate::apis::fusion::settings::FusionSettings;
use crate::engine::events::FamilyEvent;
use crate::engine::ids::IdGen;

const TENANTS: [&str; 2] = [
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
];

fn key(n: u64) -> ParentKey<'static> {
    ParentKey {
        draas_instance: "draas_v1",
        tenant: TENANTS[(n % 2) as usize],
        subscription: 1 + (n / 2 % 2) as i64,
    }
}

/// The tick as it was: snapshot everything, run every due job, settle every trunk group.
fn walking_tick(state: &mut FusionState, now_ms: i64, settings: &FusionSettings) {
    let mut before = Snapshot::default();
    let mut jobs = Vec::new();
    for (ti, t) in state.tenants.iter().enumerate() {
        for s in &t.subscriptions {
            before.add_subscription(state, ti, s.id);
        }
        for j in &t.bulk_jobs {
            before.add_job(ti, j.id, j.status);
            if j.is_due(now_ms) {
                jobs.push(DueJob {
                    due_ms: j.due_ms.unwrap_or_default(),
                    id: j.id,
                    tenant: ti,
                    subscription: j.subscription_id,
                });
            }
        }
    }
    jobs.sort_by_key(|j| (j.due_ms, j.id));
    run_jobs(state, &jobs, settings);
    for tg in state
        .tenants
        .iter_mut()
        .flat_map(|t| t.subscriptions.iter_mut())
        .flat_map(|s| s.trunk_groups.iter_mut())
    {
        tg.settle(now_ms, settings.sync_outcome);
        for p in &mut tg.peer_trunks {
            p.settle(now_ms, settings.sync_outcome);
        }
        for a in &mut tg.access_trunks {
            a.settle(now_ms, settings.sync_outcome);
        }
    }
    let changes = before.changes(state);
    state.events.extend(changes);
}

/// A small deterministic generator, so a failure replays.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn ids_of(state: &FusionState) -> Vec<(ParentKey<'static>, i64, String)> {
    let mut out = Vec::new();
    for n in 0..4 {
        let k = key(n);
        if let Ok(Some(s)) = state.subscription(k, Parents::Lenient) {
            out.extend(s.trunk_groups.iter().map(|tg| (k, tg.id, tg.uuid.clone())));
        }
    }
    out
}

/// One write chosen by `r`, the same on either state.
fn write(state: &mut FusionState, r: &mut Lcg, ids: &mut IdGen, now_ms: i64, n: u64) -> String {
    let settings = FusionSettings::default();
    let cx = WriteContext {
        now_ms,
        ids,
        settings: &settings,
    };
    let existing = ids_of(state);
    let pick =
        (!existing.is_empty()).then(|| existing[r.next(existing.len() as u64) as usize].clone());
    let k = key(r.next(4));
    let tg_write = |v: Value| serde_json::from_value::<TrunkGroupWrite>(v).unwrap();
    let outcome = match (r.next(7), pick) {
        (0, _) | (1, None) => state
            .create_trunk_group(
                k,
                Parents::Lenient,
                tg_write(json!({"name": format!("tg{n}")})),
                cx,
            )
            .map(|_| ()),
        (1, Some(_)) => state
            .create_trunk_group(
                k,
                Parents::Lenient,
                tg_write(json!({"name": format!("peer{n}"), "type": "msteams",
                    "peerTrunks": [{"popId": 1}]})),
                cx,
            )
            .map(|_| ()),
        (2, Some((k, id, _))) => state.update_trunk_group(
            k,
            Parents::Lenient,
            id,
            false,
            tg_write(json!({"name": format!("re{n}")})),
            cx,
        ),
        (3, Some((k, id, _))) => state.delete_trunk_group(k, Parents::Lenient, id),
        (4, Some((k, id, _))) => {
            let input = AccessTrunkInput::from_json(
                &json!({"name": format!("at{n}"), "trunkingPopId": 1, "ipWhitelist": "10.0.0.1"}),
            )
            .unwrap();
            state
                .create_access_trunks(k, Parents::Lenient, id, &input, cx)
                .map(|_| ())
        }
        (5, pick) => {
            let mut items = vec![
                json!({"name": format!("bulk{n}")}),
                json!({"name": format!("bulk{n}")}),
            ];
            let mut at = k;
            if let Some((tg_key, _, uuid)) = pick {
                at = tg_key;
                if n.is_multiple_of(2) {
                    items.push(json!({"uuid": uuid, "name": format!("bulkre{n}")}));
                } else {
                    // Written, then undone whole (the pilot is not among the numbers): the
                    // trunk group goes back to the due time it had before the job.
                    items.push(json!({"uuid": uuid, "name": format!("bulkundo{n}"),
                        "numbers": ["+3226260100"], "pilot": "+3226260199"}));
                }
            }
            state
                .submit_bulk_job(at, Parents::Lenient, BulkKind::TrunkGroups, "t", items, cx)
                .map(|_| ())
        }
        _ => Ok(()),
    };
    format!("{outcome:?}")
}

#[test]
fn the_queue_gives_what_the_walk_gave() {
    for seed in 1..=12 {
        let settings = FusionSettings::default();
        let (mut queued, mut walked) = (FusionState::default(), FusionState::default());
        let (mut ids_q, mut ids_w) = (IdGen::new(seed), IdGen::new(seed));
        let mut r = Lcg(seed);
        let mut now = 0;
        let mut events = 0;
        for n in 0..300 {
            now += r.next(900) as i64;
            tick(&mut queued, now, &settings);
            walking_tick(&mut walked, now, &settings);
            let got: Vec<FamilyEvent> = std::mem::take(&mut queued.events);
            let want: Vec<FamilyEvent> = std::mem::take(&mut walked.events);
            assert_eq!(got, want, "seed {seed}, step {n}, at {now} ms");
            events += got.len();
            let mut r2 = Lcg(r.0);
            let a = write(&mut queued, &mut r, &mut ids_q, now, n);
            let b = write(&mut walked, &mut r2, &mut ids_w, now, n);
            assert_eq!(a, b, "seed {seed}, step {n}");
            assert!(queued == walked, "seed {seed}, step {n}: the states differ");
        }
        assert!(events > 100, "seed {seed}: only {events} events");
    }
}

#[test]
fn a_deleted_or_rescheduled_trunk_group_is_skipped_and_a_restore_rebuilds_the_queue() {
    let settings = FusionSettings::default();
    let mut state = FusionState::default();
    let mut ids = IdGen::new(3);
    tick(&mut state, 0, &settings);
    let k = key(0);
    let mut create = |state: &mut FusionState, name: &str, now_ms| {
        let cx = WriteContext {
            now_ms,
            ids: &mut ids,
            settings: &settings,
        };
        let w = serde_json::from_value(json!({ "name": name })).unwrap();
        state
            .create_trunk_group(k, Parents::Lenient, w, cx)
            .unwrap()
    };
    let gone = create(&mut state, "gone", 0);
    let moved = create(&mut state, "moved", 0);
    let kept = create(&mut state, "kept", 0);
    state.delete_trunk_group(k, Parents::Lenient, gone).unwrap();
    let w = serde_json::from_value(json!({ "name": "moved" })).unwrap();
    let cx = WriteContext {
        now_ms: 1_500,
        ids: &mut IdGen::new(4),
        settings: &settings,
    };
    state
        .update_trunk_group(k, Parents::Lenient, moved, false, w, cx)
        .unwrap();
    assert_eq!(
        state.due.syncs.len(),
        2,
        "one entry per live pending trunk group"
    );

    // A restore: the queue is not stored, and is rebuilt from the due times.
    let saved = serde_json::to_value(&state).unwrap();
    let mut state: FusionState = serde_json::from_value::<FusionState>(saved)
        .unwrap()
        .normalise()
        .unwrap();
    tick(&mut state, 2_000, &settings);
    let ids: Vec<_> = state
        .events
        .drain(..)
        .map(|e| e.resource_id.unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![kept.to_string()],
        "the moved one is due at 3 500 ms"
    );
    tick(&mut state, 3_500, &settings);
    let ids: Vec<_> = state
        .events
        .drain(..)
        .map(|e| e.resource_id.unwrap())
        .collect();
    assert_eq!(ids, vec![moved.to_string()]);
    let statuses: Vec<_> = state.tenants[0].subscriptions[0]
        .trunk_groups
        .iter()
        .map(|tg| tg.status)
        .collect();
    assert_eq!(statuses, vec![SyncStatus::Ok, SyncStatus::Ok]);
    assert!(state.due.next_due().is_none());
}

#[test]
fn equal_due_times_settle_in_the_lists_order() {
    let settings = FusionSettings::default();
    let mut state = FusionState::default();
    tick(&mut state, 0, &settings);
    let mut ids = IdGen::new(5);
    let mut made = Vec::new();
    // Created in another order than the lists show: the second subscription first.
    for (n, sub) in [(0, 3), (1, 0), (2, 3), (3, 0)] {
        let cx = WriteContext {
            now_ms: 0,
            ids: &mut ids,
            settings: &settings,
        };
        let w = serde_json::from_value(json!({ "name": format!("n{n}") })).unwrap();
        made.push((
            sub,
            state
                .create_trunk_group(key(sub), Parents::Lenient, w, cx)
                .unwrap(),
        ));
    }
    tick(&mut state, 2_000, &settings);
    let got: Vec<_> = state
        .events
        .drain(..)
        .map(|e| e.resource_id.unwrap())
        .collect();
    // Subscription 2 was created first, so it lists first.
    let want: Vec<_> = [made[0].1, made[2].1, made[1].1, made[3].1]
        .iter()
        .map(i64::to_string)
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_debug_check_notices_a_due_time_nobody_queued() {
    let settings = FusionSettings::default();
    let mut state = FusionState::default();
    tick(&mut state, 0, &settings);
    let cx = WriteContext {
        now_ms: 0,
        ids: &mut IdGen::new(1),
        settings: &settings,
    };
    let w = serde_json::from_value(json!({ "name": "x" })).unwrap();
    state
        .create_trunk_group(key(0), Parents::Lenient, w, cx)
        .unwrap();
    assert_eq!(state.queue_miss(), None);
    state.tenants[0].subscriptions[0]
        .trunk_groups
        .iter_mut()
        .for_each(|tg| tg.pending_until_ms = Some(1));
    assert!(state.queue_miss().is_some_and(|m| m.contains("due at 1")));
}
