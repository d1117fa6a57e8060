//! Bulk jobs: the record a bulk PUT leaves behind, its life (ongoing → success | failure on the
//! virtual clock) and the history lists that show it. Running the items is `bulk_run.rs`.
//!
//! A job is stored with what it still has to do (`items`, a seed for the ids it will invent and
//! the instant it is due); once done, only the summary and each failed item's reason are kept.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::bulk_filters::Filters;
use crate::engine::clock::rfc3339;

/// The three bulk APIs, named as the history shows them in `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkKind {
    #[serde(rename = "trunk_groups")]
    TrunkGroups,
    #[serde(rename = "accesstrunks")]
    AccessTrunks,
    #[serde(rename = "peertrunks")]
    PeerTrunks,
}

impl BulkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BulkKind::TrunkGroups => "trunk_groups",
            BulkKind::AccessTrunks => "accesstrunks",
            BulkKind::PeerTrunks => "peertrunks",
        }
    }

    /// The `{"code","reason"}` a bulk PUT answers at once.
    pub fn started(self) -> (u16, &'static str) {
        match self {
            BulkKind::TrunkGroups => (3077, "Trunk Group bulk provisioning process is started"),
            BulkKind::AccessTrunks => (3078, "Access Trunk bulk provisioning process is started"),
            BulkKind::PeerTrunks => (3079, "Peer Trunk bulk provisioning process is started"),
        }
    }
}

/// Where a job is in its life. The document shows `ongoing` and `success`; a job with at least
/// one failed item ends as `failure` (our choice, documented in the notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BulkStatus {
    Ongoing,
    Success,
    Failure,
}

impl BulkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BulkStatus::Ongoing => "ongoing",
            BulkStatus::Success => "success",
            BulkStatus::Failure => "failure",
        }
    }
}

/// Why one item of a job failed: its position in `data` and the error the single-resource API
/// would have answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub code: u32,
    pub reason: String,
}

/// One bulk job of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkJob {
    pub id: u64,
    /// The platform prints the creation time in Unix seconds here.
    pub job_id: String,
    pub kind: BulkKind,
    pub title: String,
    pub status: BulkStatus,
    pub success_count: u64,
    pub total_count: u64,
    pub created_on: String,
    pub updated_on: String,
    /// The subscription the job ran for (the history is the tenant's, across subscriptions).
    pub subscription_id: i64,
    /// When an ongoing job finishes (virtual clock, ms). Seeded history has none and keeps the
    /// status it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// Seeds the ids the job invents, so a run under `--seed` repeats exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_seed: Option<u64>,
    /// The `data` entries still to run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Value>,
    /// Why items failed, for `GET /__admin/state` (the vendor's history shows no reasons).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_errors: Vec<ItemError>,
}

/// `2026-01-09T12:02:14.667938`: the platform's timestamp, UTC without a zone suffix.
pub fn timestamp(ms: i64) -> String {
    let base = rfc3339(ms);
    let base = base.trim_end_matches('Z');
    format!("{base}.{:06}", ms.rem_euclid(1000) * 1000)
}

/// What a new job needs to know.
pub struct NewJob<'a> {
    pub kind: BulkKind,
    pub title: &'a str,
    pub subscription_id: i64,
    pub items: Vec<Value>,
    pub now_ms: i64,
    pub duration_ms: i64,
    pub id_seed: u64,
}

impl BulkJob {
    pub fn start(id: u64, new: NewJob<'_>) -> Self {
        let stamp = timestamp(new.now_ms);
        BulkJob {
            id,
            job_id: new.now_ms.div_euclid(1000).to_string(),
            kind: new.kind,
            title: new.title.to_string(),
            status: BulkStatus::Ongoing,
            success_count: 0,
            total_count: new.items.len() as u64,
            created_on: stamp.clone(),
            updated_on: stamp,
            subscription_id: new.subscription_id,
            due_ms: Some(new.now_ms + new.duration_ms.max(0)),
            id_seed: Some(new.id_seed),
            items: new.items,
            item_errors: Vec::new(),
        }
    }

    /// Whether the job should run now.
    pub fn is_due(&self, now_ms: i64) -> bool {
        self.status == BulkStatus::Ongoing && self.due_ms.is_some_and(|d| d <= now_ms)
    }

    /// Records the outcome of running every item: the job is then over.
    pub fn finish(&mut self, errors: Vec<ItemError>) {
        let at = self.due_ms.unwrap_or_default();
        self.success_count = self.total_count.saturating_sub(errors.len() as u64);
        self.status = if errors.is_empty() {
            BulkStatus::Success
        } else {
            BulkStatus::Failure
        };
        self.updated_on = timestamp(at);
        self.items.clear();
        self.due_ms = None;
        self.id_seed = None;
        self.item_errors = errors;
    }

    /// A field's value for searching and filtering, as the history shows it.
    pub fn field(&self, name: &str) -> Option<Value> {
        match name {
            "subscription_id" => Some(json!(self.subscription_id)),
            // The other fields are matched as the history entry shows them.
            _ => crate::apis::fusion::views::bulk_job(self)
                .get(name)
                .cloned(),
        }
    }
}

/// Gives every seeded `ongoing` job (it has no instant yet) the instant it finishes:
/// `duration_ms` after now. Called when a client first looks at or adds to the bulk jobs, so the
/// history first shows the job `ongoing`, as the document's example does, and a client polling it
/// sees it end `success` on the virtual clock like any job. Returns the ids it started.
pub fn start_seeded(jobs: &mut [BulkJob], now_ms: i64, duration_ms: i64) -> Vec<u64> {
    let mut started = Vec::new();
    for job in jobs
        .iter_mut()
        .filter(|j| j.status == BulkStatus::Ongoing && j.due_ms.is_none())
    {
        job.due_ms = Some(now_ms + duration_ms.max(0));
        started.push(job.id);
    }
    started
}

/// The history of one kind among a tenant's jobs, newest first, searched and filtered.
pub fn history<'a>(
    jobs: &'a [BulkJob],
    kind: BulkKind,
    search: Option<&str>,
    filters: &Filters,
) -> Vec<&'a BulkJob> {
    let needle = search.map(str::to_lowercase).filter(|s| !s.is_empty());
    let mut out: Vec<&BulkJob> = jobs
        .iter()
        .filter(|j| j.kind == kind)
        .filter(|j| match &needle {
            Some(n) => j.title.to_lowercase().contains(n) || j.kind.as_str().contains(n.as_str()),
            None => true,
        })
        .filter(|j| filters.matches(j))
        .collect();
    out.sort_by_key(|j| std::cmp::Reverse(j.id));
    out
}

/// Forgets a tenant's oldest finished jobs beyond `most` (`max_bulk_jobs_per_tenant`), so a client
/// pushing bulk jobs in a loop cannot grow the fake's memory without bound.
pub fn prune(jobs: &mut Vec<BulkJob>, most: usize) {
    if jobs.len() <= most {
        return;
    }
    let excess = jobs.len() - most;
    let mut finished: Vec<u64> = jobs
        .iter()
        .filter(|j| j.status != BulkStatus::Ongoing)
        .map(|j| j.id)
        .collect();
    finished.sort_unstable();
    finished.truncate(excess);
    jobs.retain(|j| !finished.contains(&j.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small bound, so the test is about pruning and not about the default.
    const MOST: usize = 5;

    fn job(id: u64, kind: BulkKind, title: &str) -> BulkJob {
        BulkJob::start(
            id,
            NewJob {
                kind,
                title,
                subscription_id: 1,
                items: vec![json!({}), json!({})],
                now_ms: 1_767_960_134_667,
                duration_ms: 1000,
                id_seed: 7,
            },
        )
    }

    #[test]
    fn timestamps_look_like_the_documents() {
        assert_eq!(timestamp(1_767_960_134_667), "2026-01-09T12:02:14.667000");
    }

    #[test]
    fn a_new_job_is_ongoing_with_nothing_done() {
        let j = job(1, BulkKind::TrunkGroups, "Create trunk group");
        assert_eq!(j.job_id, "1767960134");
        let r = crate::apis::fusion::views::bulk_job(&j);
        assert_eq!(r["status"], "ongoing");
        assert_eq!(r["success_count"], 0);
        assert_eq!(r["total_count"], 2);
        assert_eq!(r["created_on"], r["updated_on"]);
        assert!(!j.is_due(1_767_960_135_000));
        assert!(j.is_due(1_767_960_135_667));
    }

    #[test]
    fn one_failed_item_makes_a_failure_that_counts_the_rest() {
        let mut j = job(1, BulkKind::AccessTrunks, "x");
        j.finish(vec![ItemError {
            index: 1,
            code: 3001,
            reason: "bad".into(),
        }]);
        assert_eq!(j.status, BulkStatus::Failure);
        assert_eq!(j.success_count, 1);
        assert_eq!(j.updated_on, "2026-01-09T12:02:15.667000");
        assert!(j.items.is_empty());
        let mut ok = job(2, BulkKind::AccessTrunks, "x");
        ok.finish(Vec::new());
        assert_eq!(ok.status, BulkStatus::Success);
        assert_eq!(ok.success_count, 2);
    }

    #[test]
    fn history_is_newest_first_of_one_kind_and_searchable() {
        let jobs = vec![
            job(1, BulkKind::TrunkGroups, "Create trunk group"),
            job(2, BulkKind::PeerTrunks, "Create peer trunk"),
            job(3, BulkKind::TrunkGroups, "Nightly SYNC"),
        ];
        let none = Filters::default();
        let ids = |v: Vec<&BulkJob>| v.iter().map(|j| j.id).collect::<Vec<_>>();
        let all = history(&jobs, BulkKind::TrunkGroups, None, &none);
        assert_eq!(ids(all), vec![3, 1]);
        let sync = history(&jobs, BulkKind::TrunkGroups, Some("sync"), &none);
        assert_eq!(ids(sync), vec![3]);
        let by_kind = history(&jobs, BulkKind::TrunkGroups, Some("TRUNK_G"), &none);
        assert_eq!(ids(by_kind), vec![3, 1]);
    }

    #[test]
    fn pruning_keeps_ongoing_jobs_and_the_newest() {
        let mut jobs: Vec<BulkJob> = (1..=(MOST as u64 + 3))
            .map(|i| {
                let mut j = job(i, BulkKind::TrunkGroups, "t");
                if i != 1 {
                    j.finish(Vec::new());
                }
                j
            })
            .collect();
        prune(&mut jobs, MOST);
        assert_eq!(jobs.len(), MOST);
        assert_eq!(jobs[0].id, 1, "the ongoing job stays");
        assert_eq!(jobs[1].id, 5);
    }
}
