//! The request journal: a bounded ring per session, newest last, queried newest first.
//! Bodies (request and response) are kept up to [`BODY_KEEP`] bytes (16 KiB) each so a full journal stays small in memory.
//! Two bounds hold at once: entries per session (`--journal-limit`) and bytes across every
//! session (`--journal-bytes`, a [`JournalBudget`] shared by all journals).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use regex::Regex;
use serde::Serialize;

/// How much of a request or response body the journal keeps.
pub const BODY_KEEP: usize = 16 * 1024;

/// One received request, as `GET /__admin/requests` shows it.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub seq: u64,
    /// Virtual time of arrival, shown as RFC 3339 (UTC); formatted only when listed.
    pub time_ms: i64,
    pub method: hyper::Method,
    /// Path, query, headers and both bodies (see [`Texts`]).
    pub texts: Texts,
    /// The matched operation, `None` for unknown paths.
    pub operation_id: Option<Arc<str>>,
    pub family: Option<&'static str>,
    /// `0` when a fault broke the connection before any status was sent.
    pub status: u16,
    pub duration_ms: f64,
    /// What a fault rule or `Prefer` header did to the request (`"bulk-rejected"`,
    /// `"prefer"`); absent for a request answered normally.
    pub fault: Option<String>,
    /// The id of the fault rule that acted; absent for `Prefer` or no fault.
    pub fault_rule: Option<String>,
    /// The engine's reason when it refused the request (validation, sign-in, contract, an
    /// injected error), in its own words; absent when the handler answered.
    pub problem: Option<Box<str>>,
    /// Who the request was made as: the signed-in (or Basic) user; absent for an anonymous
    /// request (no credentials, or sign-in not in play).
    pub user: Option<String>,
}

/// The listed form of an entry: the same fields, in this order.
#[derive(Serialize)]
struct Listed<'a> {
    seq: u64,
    #[serde(rename = "time", serialize_with = "super::clock::serialize_rfc3339")]
    time_ms: i64,
    method: &'a str,
    path: &'a str,
    query: &'a str,
    /// `{name: value}`, or `{name: [values]}` for a repeated name.
    headers: HeaderLines<'a>,
    /// The body as text (truncated past 16 KiB), `null` when empty.
    body: Option<&'a str>,
    operation_id: Option<&'a str>,
    family: Option<&'static str>,
    status: u16,
    duration_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault_rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
    /// The answer's body as text (truncated past 16 KiB), `null` when empty or never sent.
    response_body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
}

impl Serialize for JournalEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = &self.texts;
        Listed {
            seq: self.seq,
            time_ms: self.time_ms,
            method: self.method.as_str(),
            path: t.path(),
            query: t.query(),
            headers: HeaderLines(t.header_lines()),
            body: t.body(),
            operation_id: self.operation_id.as_deref(),
            family: self.family,
            status: self.status,
            duration_ms: self.duration_ms,
            fault: self.fault.as_deref(),
            fault_rule: self.fault_rule.as_deref(),
            problem: self.problem.as_deref(),
            response_body: t.response_body(),
            user: self.user.as_deref(),
        }
        .serialize(s)
    }
}

/// `name: value` lines, listed as an object.
struct HeaderLines<'a>(&'a str);

impl Serialize for HeaderLines<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Repeated names become a list, in the order received.
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for (name, value) in self.0.lines().filter_map(|l| l.split_once(": ")) {
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
}

/// An entry's texts in one allocation: path, query, the headers as `name: value` lines, the
/// request body and the response body, one after the other. Five separate strings cost five
/// allocations per request, and five frees when the entry leaves the ring long after, when
/// its memory is no longer in any cache. Keeping hyper's `HeaderMap` or the body's `Bytes`
/// instead would hold their spare capacity and, through shared bytes, the connection's read
/// buffer alive for every entry.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    all: Box<str>,
    /// Where the path, the query, the headers and the request body end in `all`.
    ends: [usize; 4],
}

/// What the journal keeps of a body: at most [`BODY_KEEP`] bytes.
fn kept(raw: &[u8]) -> &[u8] {
    &raw[..raw.len().min(BODY_KEEP)]
}

impl Texts {
    /// Bodies are cut at [`BODY_KEEP`] bytes and decoded as UTF-8 (invalid bytes replaced);
    /// `Authorization` and `Cookie` keep their scheme but lose their secret.
    pub fn new(
        path: &str,
        query: &str,
        headers: &hyper::HeaderMap,
        body: &[u8],
        response: &[u8],
    ) -> Self {
        let (body, response) = (kept(body), kept(response));
        // Exact unless a header is masked or bytes are replaced, which only grows it.
        let size = path.len()
            + query.len()
            + headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 3)
                .sum::<usize>()
            + body.len()
            + response.len();
        let mut all = String::with_capacity(size);
        let mut ends = [0; 4];
        all.push_str(path);
        ends[0] = all.len();
        all.push_str(query);
        ends[1] = all.len();
        for (name, value) in headers {
            all.push_str(name.as_str());
            all.push_str(": ");
            // Credentials never reach the journal in clear: the scheme stays, the secret goes.
            if name == hyper::header::AUTHORIZATION || name == hyper::header::COOKIE {
                all.push_str(&super::auth::step::redact_header(value.as_bytes()));
            } else {
                // Header values cannot hold a newline, so lines split back unambiguously.
                all.push_str(&text(value.as_bytes()));
            }
            all.push('\n');
        }
        ends[2] = all.len();
        all.push_str(&text(body));
        ends[3] = all.len();
        all.push_str(&text(response));
        Self {
            all: all.into_boxed_str(),
            ends,
        }
    }

    pub fn path(&self) -> &str {
        &self.all[..self.ends[0]]
    }

    pub fn query(&self) -> &str {
        &self.all[self.ends[0]..self.ends[1]]
    }

    /// The headers as `name: value` lines, in the order received.
    pub fn header_lines(&self) -> &str {
        &self.all[self.ends[1]..self.ends[2]]
    }

    /// The request body as kept, `None` when empty.
    pub fn body(&self) -> Option<&str> {
        Some(&self.all[self.ends[2]..self.ends[3]]).filter(|b| !b.is_empty())
    }

    /// The response body as kept, `None` when empty or never sent.
    pub fn response_body(&self) -> Option<&str> {
        Some(&self.all[self.ends[3]..]).filter(|b| !b.is_empty())
    }

    /// The bytes held.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// Bytes as text, invalid UTF-8 replaced. `std::str::from_utf8` first: its ASCII fast path
/// costs a fraction of the lossy decoder's, and nearly every body and header is valid.
pub fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
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
            .is_none_or(|m| m.eq_ignore_ascii_case(e.method.as_str()))
            && self
                .path
                .as_ref()
                .is_none_or(|r| r.is_match(e.texts.path()))
            && self
                .operation_id
                .as_ref()
                .is_none_or(|o| e.operation_id.as_deref() == Some(o.as_str()))
    }
}

impl JournalEntry {
    /// What the entry holds in memory, near enough to budget by: its own size plus its texts.
    pub fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.method.as_str().len()
            + self.texts.len()
            + self.operation_id.as_ref().map_or(0, |o| o.len())
            + self.fault.as_ref().map_or(0, String::len)
            + self.user.as_ref().map_or(0, String::len)
            + self.fault_rule.as_ref().map_or(0, String::len)
            + self.problem.as_ref().map_or(0, |p| p.len())
    }
}

/// The byte budget every session's journal draws from. A lone atomic counter, so recording
/// never takes a lock beyond the session's own journal.
#[derive(Debug)]
pub struct JournalBudget {
    limit: usize,
    used: AtomicUsize,
}

impl JournalBudget {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            used: AtomicUsize::new(0),
        })
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn take(&self, n: usize) {
        self.used.fetch_add(n, Ordering::Relaxed);
    }

    fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::Relaxed);
    }

    fn over(&self) -> bool {
        self.used() > self.limit
    }
}

pub struct Journal {
    limit: usize,
    seq: AtomicU64,
    budget: Arc<JournalBudget>,
    entries: Mutex<Entries>,
}

/// The ring and the bytes it holds, under one lock so they always agree.
#[derive(Default)]
struct Entries {
    ring: VecDeque<JournalEntry>,
    bytes: usize,
}

impl Entries {
    fn pop_oldest(&mut self, budget: &JournalBudget) -> bool {
        match self.ring.pop_front() {
            Some(e) => {
                let w = e.weight();
                self.bytes -= w;
                budget.give_back(w);
                true
            }
            None => false,
        }
    }
}

impl Journal {
    /// A journal of its own budget (tests and tools); sessions share one through
    /// [`Journal::with_budget`].
    pub fn new(limit: usize) -> Self {
        Self::with_budget(limit, JournalBudget::new(usize::MAX))
    }

    pub fn with_budget(limit: usize, budget: Arc<JournalBudget>) -> Self {
        Self {
            limit,
            seq: AtomicU64::new(0),
            budget,
            entries: Mutex::new(Entries {
                ring: VecDeque::with_capacity(limit.min(1024)),
                bytes: 0,
            }),
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Appends an entry, dropping this session's oldest past the entry limit or while every
    /// journal together holds more than the byte budget (a limit of 0 keeps nothing). When
    /// this session has nothing left to drop and the budget is still spent by others, the new
    /// entry is not kept: the bound holds whatever the clients do.
    pub fn record(&self, entry: JournalEntry) {
        if self.limit == 0 {
            return;
        }
        let w = entry.weight();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.ring.len() >= self.limit {
            entries.pop_oldest(&self.budget);
        }
        self.budget.take(w);
        while self.budget.over() && entries.pop_oldest(&self.budget) {}
        if self.budget.over() {
            self.budget.give_back(w);
            return;
        }
        entries.bytes += w;
        // Grown to exactly `limit`, never past it: a full ring then writes each new entry into
        // the slot its oldest entry just left, one place in memory instead of two.
        let ring = &mut entries.ring;
        if ring.len() == ring.capacity() && ring.capacity() < self.limit {
            ring.reserve_exact(ring.capacity().clamp(1, self.limit - ring.capacity()));
        }
        ring.push_back(entry);
    }

    /// The bytes this journal holds (as [`JournalEntry::weight`] counts them).
    pub fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn list(&self, query: &JournalQuery, limit: usize) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .ring
            .iter()
            .rev()
            .filter(|e| query.matches(e))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn count(&self, query: &JournalQuery) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.ring.iter().filter(|e| query.matches(e)).count()
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ring
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.ring.clear();
        self.budget.give_back(std::mem::take(&mut entries.bytes));
    }
}

impl Drop for Journal {
    /// A dropped session (deleted, expired) gives its bytes back to the shared budget.
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, method: &str, path: &str) -> JournalEntry {
        JournalEntry {
            seq,
            time_ms: 0,
            method: method.parse().unwrap(),
            texts: Texts::new(path, "", &Default::default(), b"", b""),
            operation_id: None,
            family: None,
            status: 200,
            duration_ms: 0.0,
            fault: None,
            fault_rule: None,
            problem: None,
            user: None,
        }
    }

    #[test]
    fn a_full_ring_holds_exactly_its_limit() {
        let j = Journal::new(1500);
        for i in 1..=4000 {
            j.record(entry(i, "GET", "/a"));
        }
        let entries = j.entries.lock().unwrap();
        assert_eq!((entries.ring.len(), entries.ring.capacity()), (1500, 1500));
        assert_eq!(entries.ring.front().map(|e| e.seq), Some(2501));
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
    fn the_byte_budget_holds_across_journals_and_drops_the_writers_oldest() {
        let one = entry(0, "GET", "/a").weight();
        let budget = JournalBudget::new(one * 3);
        let (a, b) = (
            Journal::with_budget(100, budget.clone()),
            Journal::with_budget(100, budget.clone()),
        );
        a.record(entry(1, "GET", "/a"));
        a.record(entry(2, "GET", "/a"));
        b.record(entry(3, "GET", "/a"));
        b.record(entry(4, "GET", "/a"));
        // b's second write pushed the total over: b, the writer, dropped its own oldest.
        assert!(budget.used() <= one * 3);
        assert_eq!((a.len(), b.len()), (2, 1));
        drop(a);
        assert_eq!(budget.used(), b.bytes());
        b.clear();
        assert_eq!(budget.used(), 0);
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

    #[test]
    fn texts_keep_each_piece_apart_and_list_as_before() {
        let mut headers = hyper::HeaderMap::new();
        headers.append("x-a", "1".parse().unwrap());
        headers.append("authorization", "Bearer secret".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        let long = vec![b'x'; BODY_KEEP + 10];
        let t = Texts::new("/p", "q=1", &headers, b"{\"a\":\xff}", &long);
        assert_eq!((t.path(), t.query()), ("/p", "q=1"));
        assert_eq!(t.body(), Some("{\"a\":\u{fffd}}"));
        assert_eq!(t.response_body().map(str::len), Some(BODY_KEEP));
        assert!(!t.header_lines().contains("secret"), "{}", t.header_lines());
        let mut e = entry(1, "POST", "/p");
        e.texts = t;
        let listed = serde_json::to_value(&e).unwrap();
        assert_eq!(listed["headers"]["x-a"], serde_json::json!(["1", "2"]));
        assert_eq!(listed["query"], "q=1");
        let empty = Texts::new("/p", "", &Default::default(), b"", b"");
        assert_eq!((empty.body(), empty.response_body()), (None, None));
        let keys: Vec<String> = serde_json::to_value(entry(2, "GET", "/x"))
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            [
                "seq",
                "time",
                "method",
                "path",
                "query",
                "headers",
                "body",
                "operation_id",
                "family",
                "status",
                "duration_ms",
                "response_body"
            ]
        );
    }
}
