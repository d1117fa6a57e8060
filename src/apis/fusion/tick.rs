//! fusion's clock: what falls due on the virtual clock (bulk job runs, synchronisations) is
//! carried out at the next request, popped from the due-time queue (`model/due.rs`), so a tick
//! touches only what is due however many trunk groups and jobs the session holds.

use super::model::FusionState;
use super::model::bulk_jobs::BulkStatus;
use super::model::bulk_run::{run_jobs, take_due_jobs};
use super::model::sync::Synced;
use super::notifications::Snapshot;
use super::settings::FusionSettings;

pub fn tick(state: &mut FusionState, now_ms: i64, settings: &FusionSettings) {
    state.ensure_queue();
    // Most requests find nothing due: answered without looking further.
    if state.due.next_due().is_none_or(|due| due > now_ms) {
        check_queue(state);
        return;
    }
    let mut before = Snapshot::default();
    // Bulk jobs first: what they change starts its own sync delay from the job's run time.
    let jobs = take_due_jobs(state, now_ms);
    for j in &jobs {
        before.add_subscription(state, j.tenant, j.subscription);
    }
    for j in &jobs {
        before.add_job(j.tenant, j.id, BulkStatus::Ongoing);
    }
    run_jobs(state, &jobs, settings);
    // The jobs queued what they changed, so this pops their due trunk groups too.
    for key in state.due.syncs.pop_due(now_ms) {
        before.add_trunk_group(state, key);
        let (t, sub, id) = key;
        // Tenants are never removed: a slot below the count is live.
        let Some(tg) = (t < state.tenants.len())
            .then(|| &mut state.tenants[t])
            .and_then(|tenant| tenant.subscriptions.get_mut(&sub))
            .and_then(|s| s.trunk_groups.get_mut(&id))
        else {
            // Deleted since it was queued.
            continue;
        };
        tg.settle(now_ms, settings.sync_outcome);
        for p in &mut tg.peer_trunks {
            p.settle(now_ms, settings.sync_outcome);
        }
        for a in &mut tg.access_trunks {
            a.settle(now_ms, settings.sync_outcome);
        }
        // What is still pending in it (a later change of a child) goes back in the queue.
        state.schedule_trunk_group(t, sub, id);
    }
    let changes = before.changes(state);
    state.events.extend(changes);
    check_queue(state);
}

/// Debug builds (every test server) walk the state after each tick to prove the queue holds
/// every pending item no later than it falls due: a write that sets a due time without
/// queueing it fails the test that makes it, instead of leaving something pending forever.
fn check_queue(state: &FusionState) {
    #[cfg(debug_assertions)]
    if let Some(miss) = state.queue_miss() {
        panic!("fusion's due-time queue misses {miss}");
    }
    let _ = state;
}

#[cfg(test)]
#[path = "tick_tests.rs"]
mod tests;
