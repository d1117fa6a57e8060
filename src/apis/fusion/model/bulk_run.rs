//! Submitting bulk jobs and running them when their time comes on the virtual clock.
//!
//! A job runs as a whole at `created + fusion.bulk_duration_seconds` (default 1): every item
//! goes through the same rules as the single-resource API, in order. An item is all or nothing
//! (it is undone if any part of it fails: a refused number, an unknown pilot) and never stops
//! the items after it. An item whose `uuid` names an existing resource updates it; any other
//! item creates one, under the given `uuid` when there is one (the document's "Bulk create"
//! examples send uuids for resources that do not exist yet).

use serde_json::Value;

use super::bulk_items::{access_trunk_item, peer_trunk_group_item, trunk_group_item};
use super::bulk_jobs::{BulkJob, BulkKind, ItemError, NewJob, prune};
use super::trunk_group_rules::WriteContext;
use super::{FusionState, ParentKey, Parents, Tenant, take};
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::settings::FusionSettings;
use crate::engine::ids::IdGen;

fn duration_ms(settings: &FusionSettings) -> i64 {
    settings.bulk_duration_seconds.as_ms()
}

impl FusionState {
    /// The tenant a history path names, if the state has it.
    pub fn tenant(&self, draas_instance: &str, uuid: &str) -> Option<&Tenant> {
        self.tenants
            .get(&(draas_instance.to_string(), uuid.to_ascii_lowercase()))
    }

    /// Records a bulk job for the path's tenant and subscription; it runs later (see [`run_due`]).
    pub fn submit_bulk_job(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        kind: BulkKind,
        title: &str,
        items: Vec<Value>,
        cx: WriteContext<'_>,
    ) -> Result<u64, FusionError> {
        let (t, _) = self.locate_mut(key, parents, cx.settings)?;
        let id = take(&mut self.next_ids.bulk_job) as u64;
        let tenant = &mut self.tenants[t];
        let job = BulkJob::start(
            id,
            NewJob {
                kind,
                title,
                subscription_id: key.subscription,
                items,
                now_ms: cx.now_ms,
                duration_ms: duration_ms(cx.settings),
                id_seed: cx.ids.next_u64(),
            },
        );
        let due = job.due_ms;
        tenant.bulk_jobs.push(job);
        prune(&mut tenant.bulk_jobs, cx.settings.max_bulk_jobs_per_tenant);
        self.schedule_job(t, id, due);
        Ok(id)
    }
}

/// A job whose time has come: when, its id, its tenant's slot and its subscription.
#[derive(Debug, Clone, Copy)]
pub struct DueJob {
    pub due_ms: i64,
    pub id: u64,
    pub tenant: usize,
    pub subscription: i64,
}

/// Takes the jobs due at `now_ms` off the queue, oldest first (by due time, then id). Queue
/// entries for jobs pruned or finished since are dropped here.
pub fn take_due_jobs(state: &mut FusionState, now_ms: i64) -> Vec<DueJob> {
    let mut due: Vec<DueJob> = state
        .due
        .jobs
        .pop_due(now_ms)
        .into_iter()
        .filter_map(|(ti, id)| {
            let job = state
                .tenants_slot(ti)?
                .bulk_jobs
                .iter()
                .find(|j| j.id == id)?;
            job.is_due(now_ms).then(|| DueJob {
                due_ms: job.due_ms.unwrap_or_default(),
                id,
                tenant: ti,
                subscription: job.subscription_id,
            })
        })
        .collect();
    due.sort_by_key(|j| (j.due_ms, j.id));
    due
}

/// Runs every job whose time has come, oldest first.
pub fn run_due(state: &mut FusionState, now_ms: i64, settings: &FusionSettings) {
    state.ensure_queue();
    let jobs = take_due_jobs(state, now_ms);
    run_jobs(state, &jobs, settings);
}

/// Runs the given jobs in order; each job's subscription is queued again afterwards, since
/// its items (and the undoing of failed ones) changed what falls due there.
pub fn run_jobs(state: &mut FusionState, jobs: &[DueJob], settings: &FusionSettings) {
    for &DueJob {
        due_ms: due,
        id,
        tenant: ti,
        subscription,
    } in jobs
    {
        let Some(ji) = state.tenants[ti].bulk_jobs.iter().position(|j| j.id == id) else {
            continue;
        };
        let job = &mut state.tenants[ti].bulk_jobs[ji];
        let items = std::mem::take(&mut job.items);
        let kind = job.kind;
        let mut ids = IdGen::new(job.id_seed.unwrap_or_default());
        let instance = state.tenants[ti].draas_instance.clone();
        let tenant = state.tenants[ti].uuid.clone();
        let key = ParentKey {
            draas_instance: &instance,
            tenant: &tenant,
            subscription,
        };
        let mut errors = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let cx = WriteContext {
                now_ms: due,
                ids: &mut ids,
                settings,
            };
            // `fusion.bulk_items_fail_every`: every Nth item fails as the platform's own
            // error would, so a job can end in partial failure on demand.
            let forced = settings.bulk_items_fail_every > 0
                && (index + 1) % settings.bulk_items_fail_every == 0;
            let outcome = if forced {
                Err(FusionError::Uncaught)
            } else {
                run_item(state, key, kind, item, cx)
            };
            if let Err(e) = outcome {
                let code = e.code().number();
                errors.push(ItemError {
                    index,
                    code,
                    reason: e.reason(),
                });
            }
        }
        state.tenants[ti].bulk_jobs[ji].finish(errors);
        state.schedule_subscription(ti, subscription);
    }
}

/// Runs one item; on failure the tenant is put back as it was before the item.
fn run_item(
    state: &mut FusionState,
    key: ParentKey<'_>,
    kind: BulkKind,
    item: &Value,
    cx: WriteContext<'_>,
) -> Result<(), FusionError> {
    // An item writes only into the path's subscription (and the id counters), so a copy of
    // those is the whole undo. The subscription exists: the job's submission created it.
    let (t, s) = state.locate_mut(key, Parents::Lenient, cx.settings)?;
    let saved_subscription = state.tenants[t].subscriptions[s].clone();
    let saved_ids = state.next_ids.clone();
    let result = match kind {
        BulkKind::TrunkGroups => trunk_group_item(state, key, item, cx),
        BulkKind::AccessTrunks => access_trunk_item(state, key, item, cx),
        BulkKind::PeerTrunks => peer_trunk_group_item(state, key, item, cx),
    };
    if result.is_err() {
        state.tenants[t].subscriptions[s] = saved_subscription;
        state.tenants[t].reindex_numbers();
        state.next_ids = saved_ids;
    }
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apis::fusion::model::bulk_jobs::BulkStatus;

    const KEY: ParentKey<'static> = ParentKey {
        draas_instance: "draas_v1",
        tenant: "11111111-1111-4111-8111-111111111111",
        subscription: 1,
    };

    fn submit(state: &mut FusionState, kind: BulkKind, items: Vec<Value>, ids: &mut IdGen) {
        let settings = FusionSettings::default();
        let cx = WriteContext {
            now_ms: 1_000,
            ids,
            settings: &settings,
        };
        state
            .submit_bulk_job(KEY, Parents::Lenient, kind, "t", items, cx)
            .unwrap();
    }

    fn job(state: &FusionState) -> &BulkJob {
        state.tenants[0].bulk_jobs.last().unwrap()
    }

    #[test]
    fn a_job_waits_for_its_time_then_runs_every_item() {
        let mut state = FusionState::default();
        let mut ids = IdGen::new(1);
        let items = vec![json!({"name": "A"}), json!({"name": "B"})];
        submit(&mut state, BulkKind::TrunkGroups, items, &mut ids);
        run_due(&mut state, 1_999, &FusionSettings::default());
        assert_eq!(job(&state).status, BulkStatus::Ongoing);
        assert!(state.tenants[0].subscriptions[0].trunk_groups.is_empty());
        run_due(&mut state, 2_000, &FusionSettings::default());
        assert_eq!(job(&state).status, BulkStatus::Success);
        assert_eq!(job(&state).success_count, 2);
        assert_eq!(state.tenants[0].subscriptions[0].trunk_groups.len(), 2);
    }

    #[test]
    fn a_failed_item_is_undone_whole_and_the_ids_it_took_are_given_back() {
        let mut state = FusionState::default();
        let mut ids = IdGen::new(1);
        let items = vec![
            json!({"name": "Half", "numbers": ["+3226260100"], "pilot": "+3226260199"}),
            json!({"name": "Whole", "numbers": ["+3226260100"], "pilot": "+3226260100"}),
        ];
        submit(&mut state, BulkKind::TrunkGroups, items, &mut ids);
        run_due(&mut state, 5_000, &FusionSettings::default());
        let j = job(&state);
        assert_eq!((j.status, j.success_count), (BulkStatus::Failure, 1));
        assert_eq!(j.item_errors[0].index, 0);
        let tgs = &state.tenants[0].subscriptions[0].trunk_groups;
        assert_eq!(tgs.len(), 1);
        assert_eq!(tgs[0].name, "Whole");
        assert_eq!(
            tgs[0].id, 1,
            "the failed item's trunk group id was given back"
        );
        assert_eq!(tgs[0].pilot_number().unwrap().full_number, "+3226260100");
    }

    #[test]
    fn the_same_seed_runs_a_job_the_same_way() {
        let run = || {
            let mut state = FusionState::default();
            let mut ids = IdGen::new(7);
            let items = vec![json!({"name": "Teams", "type": "msteams", "peers": [{"popId": 1}]})];
            submit(&mut state, BulkKind::PeerTrunks, items, &mut ids);
            run_due(&mut state, 10_000, &FusionSettings::default());
            state.tenants[0].subscriptions[0].trunk_groups[0].peer_trunks[0]
                .uuid
                .clone()
        };
        assert_eq!(run(), run());
    }
}
