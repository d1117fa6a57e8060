//! Checks of a loaded state's access trunks and bulk jobs (part 1's `normalise` checks the rest),
//! and the id counters raised above their ids.

use std::collections::HashSet;

use super::FusionState;
use super::pops;
use crate::engine::family::StateError;

impl FusionState {
    pub fn check_access_trunks_and_bulk_jobs(mut self) -> Result<Self, StateError> {
        let mut access_ids = HashSet::new();
        let mut job_ids = HashSet::new();
        let (mut max_access, mut max_job) = (0, 0);
        let pop_list = self.pops.clone();
        for (ti, t) in self.tenants.iter_mut().enumerate() {
            let tp = format!("/tenants/{ti}");
            for (si, s) in t.subscriptions.iter_mut().enumerate() {
                for (gi, tg) in s.trunk_groups.iter_mut().enumerate() {
                    let gp = format!("{tp}/subscriptions/{si}/trunkGroups/{gi}");
                    if tg.kind.is_peer() && !tg.access_trunks.is_empty() {
                        return Err(StateError::new(
                            format!("{gp}/accessTrunks"),
                            "only a sip trunk group has access trunks",
                        ));
                    }
                    for (ai, a) in tg.access_trunks.iter_mut().enumerate() {
                        let ap = format!("{gp}/accessTrunks/{ai}");
                        if !access_ids.insert(a.id) {
                            return Err(StateError::new(
                                format!("{ap}/id"),
                                "duplicate access trunk id",
                            ));
                        }
                        if pops::find(&pop_list, a.pop.id).is_none() {
                            return Err(StateError::new(
                                format!("{ap}/pop/id"),
                                "no POP with this id",
                            ));
                        }
                        if a.uuid.is_empty() {
                            // A scenario may leave the uuid out: derive a stable one from the id.
                            a.uuid = format!(
                                "00000000-0000-4000-8000-{:012}",
                                a.id.rem_euclid(1_000_000_000_000)
                            );
                        }
                        max_access = max_access.max(a.id);
                    }
                }
            }
            for (ji, j) in t.bulk_jobs.iter().enumerate() {
                if !job_ids.insert(j.id) {
                    return Err(StateError::new(
                        format!("{tp}/bulkJobs/{ji}/id"),
                        "duplicate bulk job id",
                    ));
                }
                max_job = max_job.max(i64::try_from(j.id).unwrap_or(i64::MAX));
            }
        }
        if max_access > super::MAX_ID || max_job > super::MAX_ID {
            return Err(StateError::new(
                "",
                format!("an access trunk or bulk job id is above {}", super::MAX_ID),
            ));
        }
        let n = &mut self.next_ids;
        n.access_trunk = n.access_trunk.max(max_access + 1);
        n.bulk_job = n.bulk_job.max(max_job + 1);
        Ok(self)
    }
}
