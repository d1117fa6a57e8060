//! The request journal: a bounded ring per session, newest last, queried newest first.
//! Bodies are kept up to [`BODY_KEEP`] bytes (16 KiB) so a full journal stays small in memory.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::Regex;
use serde::Serialize;

/// How much of a request body the journal keeps.
pub const BODY_KEEP: usize = 16 * 1024;

/// One received request, as `GET /__admin/requests` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub seq: u64,
    /// Virtual time of arrival, shown as RFC 3339 (UTC); formatted only when listed.
    #[serde(rename = "time", serialize_with = "as_rfc3339")]
    pub time_ms: i64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Listed as `{name: value}` or `{name: [values]}`.
    #[serde(serialize_with = "headers_as_object")]
    pub headers: CompactHeaders,
    /// The body as text (truncated past 16 KiB), `null` when empty.
    pub body: Option<String>,
    /// The matched operation, `null` for unknown paths.
    pub operation_id: Option<String>,
    pub family: Option<String>,
    /// `0` when a fault broke the connection before any status was sent.
    pub status: u16,
    pub duration_ms: f64,
    /// What a fault rule or `Prefer` header did to the request (`"bulk-rejected"`,
    /// `"prefer"`); absent for a request answered normally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

fn as_rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&super::clock::rfc3339(*ms))
}

fn headers_as_object<S: serde::Serializer>(h: &CompactHeaders, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    // Repeated names become a list, in the order received.
    let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, value) in h.iter() {
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => grouped.push((name, vec![value])),
        }
    }
    let mut map = s.serialize_map(Some(grouped.len()))?;
    for (name, values) in grouped {
        if values.len() == 1 {
            map.serialize_entry(name, values[0])?;
        } else {
            map.serialize_entry(name, &values)?;
        }
    }
    map.end()
}

/// Request headers in one allocation (`name: value` lines). Keeping hyper's `HeaderMap` would
/// hold its spare capacity and, through shared bytes, the connection's read buffer alive for
/// every journal entry.
#[derive(Debug, Clone, Default)]
pub struct CompactHeaders(Box<str>);

impl CompactHeaders {
    pub fn from_map(map: &hyper::HeaderMap) -> Self {
        let mut s = String::new();
        for (name, value) in map {
            s.push_str(name.as_str());
            s.push_str(": ");
            // Header values cannot hold a newline, so lines split back unambiguously.
            s.push_str(&String::from_utf8_lossy(value.as_bytes()));
            s.push('\n');
        }
        CompactHeaders(s.into_boxed_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.lines().filter_map(|l| l.split_once(": "))
    }
}

/// A filter on the journal: method (exact, case-insensitive) and path (regex).
#[derive(Debug, Default)]
pub struct JournalQuery {
    pub method: Option<String>,
    pub path: Option<Regex>,
    pub operation_id: Option<String>,
}

impl JournalQuery {
    fn matches(&self, e: &JournalEntry) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
            && self.path.as_ref().is_none_or(|r| r.is_match(&e.path))
            && self
                .operation_id
                .as_ref()
                .is_none_or(|o| e.operation_id.as_deref() == Some(o.as_str()))
    }
}

pub struct Journal {
    limit: usize,
    seq: AtomicU64,
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            seq: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::with_capacity(limit.min(1024))),
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Appends an entry, dropping the oldest past the limit (a limit of 0 keeps nothing).
    pub fn record(&self, entry: JournalEntry) {
        if self.limit == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.limit {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn list(&self, query: &JournalQuery, limit: usize) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .rev()
            .filter(|e| query.matches(e))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn count(&self, query: &JournalQuery) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().filter(|e| query.matches(e)).count()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, method: &str, path: &str) -> JournalEntry {
        JournalEntry {
            seq,
            time_ms: 0,
            method: method.into(),
            path: path.into(),
            query: String::new(),
            headers: Default::default(),
            body: None,
            operation_id: None,
            family: None,
            status: 200,
            duration_ms: 0.0,
            fault: None,
        }
    }

    #[test]
    fn keeps_only_the_newest_entries() {
        let j = Journal::new(2);
        for i in 1..=3 {
            j.record(entry(i, "GET", "/a"));
        }
        let seqs: Vec<u64> = j
            .list(&JournalQuery::default(), 10)
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, vec![3, 2]);
    }

    #[test]
    fn filters_by_method_and_path_regex() {
        let j = Journal::new(10);
        j.record(entry(1, "GET", "/api/providers"));
        j.record(entry(2, "POST", "/api/providers"));
        j.record(entry(3, "POST", "/api/other"));
        let q = JournalQuery {
            method: Some("post".into()),
            path: Some(Regex::new("^/api/providers$").unwrap()),
            operation_id: None,
        };
        assert_eq!(j.count(&q), 1);
    }
}
