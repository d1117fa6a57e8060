//! `GET /__admin/metrics`: counters kept with atomics and written out in the Prometheus text
//! format (version 0.0.4). Written here rather than taken from a metrics crate because every
//! label is known at start (operations and families come from the contracts), so each
//! counter is a fixed slot: the hot path is a few relaxed atomic adds, with no lock, no map
//! lookup and no allocation, and the exposition is forty lines.

use std::fmt::Write;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::engine::Engine;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Distinct statuses counted per operation; a rarer one past these counts as `other`.
const STATUS_SLOTS: usize = 8;

#[derive(Default)]
struct StatusSlot {
    /// 0 while free; claimed once by compare-and-swap, never changed after.
    status: AtomicU16,
    count: AtomicU64,
}

/// One row of request counters: an operation, or a family's (or no family's) unrouted paths.
#[derive(Default)]
struct Row {
    statuses: [StatusSlot; STATUS_SLOTS],
    other: AtomicU64,
    fault_hits: AtomicU64,
}

impl Row {
    fn count(&self, status: u16) {
        for slot in &self.statuses {
            let s = slot.status.load(Relaxed);
            let claimed = s == status
                || (s == 0
                    && match slot.status.compare_exchange(0, status, Relaxed, Relaxed) {
                        Ok(_) => true,
                        Err(now) => now == status,
                    });
            if claimed {
                slot.count.fetch_add(1, Relaxed);
                return;
            }
        }
        self.other.fetch_add(1, Relaxed);
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        // Buckets hold their own hits only; the exposition adds them up (cumulative `le`).
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_us.fetch_add(elapsed.as_micros() as u64, Relaxed);
    }
}

/// Every counter of one engine.
pub struct Metrics {
    /// One per operation, then one per family (unrouted paths under it), then one for paths
    /// under no family.
    rows: Vec<Row>,
    /// One per family, then one for paths under no family.
    latency: Vec<Histogram>,
    operations: usize,
}

impl Metrics {
    pub fn new(operations: usize, families: usize) -> Self {
        Self {
            rows: (0..operations + families + 1)
                .map(|_| Row::default())
                .collect(),
            latency: (0..families + 1).map(|_| Histogram::default()).collect(),
            operations,
        }
    }

    /// Counts one answered API request (status 0: the connection was broken by a fault).
    pub fn observe(
        &self,
        operation: Option<usize>,
        family: Option<usize>,
        status: u16,
        elapsed: Duration,
        faulted: bool,
    ) {
        let families = self.latency.len() - 1;
        let family = family.unwrap_or(families).min(families);
        let row = match operation {
            Some(o) if o < self.operations => &self.rows[o],
            _ => &self.rows[self.operations + family],
        };
        row.count(status);
        if faulted {
            row.fault_hits.fetch_add(1, Relaxed);
        }
        self.latency[family].observe(elapsed);
    }
}

/// The exposition of `engine`'s metrics.
pub fn render(engine: &Engine) -> String {
    let m = &engine.metrics;
    let family_name = |i: usize| engine.families.get(i).map_or("none", |f| f.name());
    let label = |row: usize| -> (String, String) {
        match engine.contracts.operations.get(row) {
            Some(op) if row < m.operations => (op.family.clone(), op.operation_id.to_string()),
            _ => (family_name(row - m.operations).to_string(), "none".into()),
        }
    };
    let mut out = String::new();
    out.push_str("# HELP trunkmock_requests_total API requests answered, by family, operationId and status (0: connection broken by a fault).\n");
    out.push_str("# TYPE trunkmock_requests_total counter\n");
    for (i, row) in m.rows.iter().enumerate() {
        let (family, op) = label(i);
        for slot in &row.statuses {
            let status = slot.status.load(Relaxed);
            if status != 0 {
                let n = slot.count.load(Relaxed);
                let _ = writeln!(
                    out,
                    "trunkmock_requests_total{{family=\"{family}\",operationId=\"{op}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let other = row.other.load(Relaxed);
        if other != 0 {
            let _ = writeln!(
                out,
                "trunkmock_requests_total{{family=\"{family}\",operationId=\"{op}\",status=\"other\"}} {other}"
            );
        }
    }
    out.push_str("# HELP trunkmock_fault_hits_total API requests a fault rule or a Prefer header acted on.\n");
    out.push_str("# TYPE trunkmock_fault_hits_total counter\n");
    for (i, row) in m.rows.iter().enumerate() {
        let hits = row.fault_hits.load(Relaxed);
        if hits != 0 {
            let (family, op) = label(i);
            let _ = writeln!(
                out,
                "trunkmock_fault_hits_total{{family=\"{family}\",operationId=\"{op}\"}} {hits}"
            );
        }
    }
    out.push_str(
        "# HELP trunkmock_request_duration_seconds Time from request to answer, by family.\n",
    );
    out.push_str("# TYPE trunkmock_request_duration_seconds histogram\n");
    for (i, h) in m.latency.iter().enumerate() {
        let family = family_name(i);
        let mut cumulative = 0;
        for (b, bound) in BUCKETS.iter().enumerate() {
            cumulative += h.buckets[b].load(Relaxed);
            let _ = writeln!(
                out,
                "trunkmock_request_duration_seconds_bucket{{family=\"{family}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = h.count.load(Relaxed);
        let sum = h.sum_us.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "trunkmock_request_duration_seconds_bucket{{family=\"{family}\",le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "trunkmock_request_duration_seconds_sum{{family=\"{family}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "trunkmock_request_duration_seconds_count{{family=\"{family}\"}} {count}"
        );
    }
    out.push_str("# HELP trunkmock_sessions Sessions held now.\n# TYPE trunkmock_sessions gauge\n");
    let _ = writeln!(out, "trunkmock_sessions {}", engine.sessions.len());
    out.push_str("# HELP trunkmock_max_sessions The --max-sessions limit.\n# TYPE trunkmock_max_sessions gauge\n");
    let _ = writeln!(out, "trunkmock_max_sessions {}", engine.sessions.max());
    // Counted at scrape time: the journals know their length; their bytes are the shared budget.
    let entries: usize = engine.sessions.all().iter().map(|s| s.journal.len()).sum();
    out.push_str("# HELP trunkmock_journal_entries Requests held in every session's journal.\n# TYPE trunkmock_journal_entries gauge\n");
    let _ = writeln!(out, "trunkmock_journal_entries {entries}");
    let budget = engine.sessions.journal_budget();
    out.push_str("# HELP trunkmock_journal_bytes Bytes held by every session's journal together.\n# TYPE trunkmock_journal_bytes gauge\n");
    let _ = writeln!(out, "trunkmock_journal_bytes {}", budget.used());
    out.push_str("# HELP trunkmock_journal_bytes_limit The --journal-bytes limit.\n# TYPE trunkmock_journal_bytes_limit gauge\n");
    let _ = writeln!(out, "trunkmock_journal_bytes_limit {}", budget.limit());
    out.push_str("# HELP trunkmock_log_lines_dropped_total Log lines dropped because stdout could not keep up.\n# TYPE trunkmock_log_lines_dropped_total counter\n");
    let _ = writeln!(
        out,
        "trunkmock_log_lines_dropped_total {}",
        crate::logging::dropped_lines()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_racing_for_status_slots_lose_no_count() {
        let row = std::sync::Arc::new(Row::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let row = row.clone();
                std::thread::spawn(move || {
                    for i in 0..1000u16 {
                        row.count(200 + (i + t) % 10);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let counted: u64 = row.statuses.iter().map(|s| s.count.load(Relaxed)).sum();
        assert_eq!(counted + row.other.load(Relaxed), 4000);
        assert_eq!(
            row.other.load(Relaxed),
            800,
            "two of ten statuses have no slot"
        );
    }
}
