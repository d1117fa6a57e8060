//! Events: every state change of a session, in every family, as one record. A write that
//! succeeded (POST/PUT/PATCH/DELETE answered 2xx) becomes an event derived by the engine from
//! what it already knows (operationId, method, path parameters, the answer), so no handler has
//! to remember to emit one; changes the virtual clock drives (fusion sync, bulk jobs) come from
//! the family's tick through [`FamilyEvent`]s the slot drains.
//!
//! Each session keeps the newest events in a bounded ring ([`EVENT_LIMIT`]), and a broadcast
//! channel carries them live to `GET /__admin/events/stream` and to webhook delivery.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

use super::Engine;
use super::call::Pairs;
use super::clock;
use super::reply::{Reply, ReplyBody};
use super::store::Session;

/// How many events a session keeps; older ones are dropped first.
pub const EVENT_LIMIT: usize = 1000;
/// How many bytes of events (their resources, roughly as serialised) a session keeps, so a
/// thousand sessions writing large objects stay within about a GiB at the very worst.
pub const EVENT_BYTES: usize = 1 << 20;
/// What an event weighs besides its resource: its names, ids and times.
const EVENT_OVERHEAD: usize = 256;
/// How many events a slow live reader may fall behind before it misses some.
const CHANNEL_CAPACITY: usize = 1024;

/// A change a family reports itself (from its clock-driven work), before the engine stamps it.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyEvent {
    /// `created`, `updated`, `deleted` or `status_changed`.
    pub kind: &'static str,
    /// The vendor's own name for the notification, when it has one.
    pub name: Option<String>,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub resource: Value,
}

/// One recorded change.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Unique within the session and stable: `evt-<seq>`; webhooks send it for de-duplication.
    pub id: EventId,
    pub seq: u64,
    pub session: Arc<str>,
    pub family: &'static str,
    /// The operation that caused it, or `clock` for changes the virtual clock drove.
    pub operation_id: Arc<str>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The vendor's notification name (fusion), else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub resource_type: Arc<str>,
    pub resource_id: Option<String>,
    /// Virtual time of the session, listed as RFC 3339; formatted only when read.
    #[serde(rename = "time", serialize_with = "clock::serialize_rfc3339")]
    pub time_ms: i64,
    /// Real time of the process, listed as RFC 3339.
    #[serde(rename = "wall_time", serialize_with = "clock::serialize_rfc3339")]
    pub wall_time_ms: i64,
    /// The resource after the change as compact JSON text (the answer's body; `null` for a
    /// delete without one). The reply's own bytes, shared: the event keeps no tree of its own,
    /// so recording one allocates less and dropping an old one frees less.
    #[serde(serialize_with = "raw_json")]
    pub resource: Bytes,
}

/// JSON text, written as it is.
fn raw_json<S: serde::Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    let text = std::str::from_utf8(bytes).map_err(S::Error::custom)?;
    let raw: &serde_json::value::RawValue = serde_json::from_str(text).map_err(S::Error::custom)?;
    raw.serialize(s)
}

/// The resource of an event without one.
const NULL: Bytes = Bytes::from_static(b"null");

/// `value` as the compact JSON an event keeps.
fn json_bytes(value: &Value) -> Bytes {
    serde_json::to_vec(value).map_or(NULL, Bytes::from)
}

/// An event's id, `evt-<seq>`: kept as the number and written out when listed or sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventId(pub u64);

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "evt-{}", self.0)
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Digit by digit: `format!` costs several times as much, and lists write many.
        let mut id = Vec::with_capacity(24);
        id.extend_from_slice(b"evt-");
        crate::logging::itoa(&mut id, self.0);
        s.serialize_str(std::str::from_utf8(&id).unwrap_or_default())
    }
}

/// What `GET /__admin/events` filters on.
#[derive(Debug, Default)]
pub struct EventQuery {
    pub family: Option<String>,
    /// Matches the event's `type`, its vendor `name` or its `resource_type`.
    pub kind: Option<String>,
    /// Only events with a larger `seq`.
    pub since: Option<u64>,
}

impl EventQuery {
    pub fn matches_event(&self, e: &Event) -> bool {
        self.family.as_ref().is_none_or(|f| *f == e.family)
            && self.kind.as_ref().is_none_or(|k| {
                *k == e.kind || Some(k) == e.name.as_ref() || **k == *e.resource_type
            })
            && self.since.is_none_or(|s| e.seq > s)
    }
}

struct Ring {
    next_seq: u64,
    /// Each event with its weight in bytes.
    events: VecDeque<(Arc<Event>, usize)>,
    bytes: usize,
}

/// A session's events: the bounded ring and the live channel.
pub struct EventLog {
    ring: Mutex<Ring>,
    live: broadcast::Sender<Arc<Event>>,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            ring: Mutex::new(Ring {
                next_seq: 1,
                events: VecDeque::new(),
                bytes: 0,
            }),
            live: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

impl EventLog {
    /// Numbers the event, keeps it and tells live readers. The lock is held only to number and
    /// push, so the order in the ring is the order readers see.
    pub fn push(&self, mut event: Event) -> Arc<Event> {
        let weight = event.resource.len() + EVENT_OVERHEAD;
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        event.seq = ring.next_seq;
        event.id = EventId(event.seq);
        ring.next_seq += 1;
        let event = Arc::new(event);
        // The newest event is always kept, however large.
        while !ring.events.is_empty()
            && (ring.events.len() >= EVENT_LIMIT || ring.bytes + weight > EVENT_BYTES)
        {
            if let Some((_, w)) = ring.events.pop_front() {
                ring.bytes -= w;
            }
        }
        ring.bytes += weight;
        ring.events.push_back((event.clone(), weight));
        // No reader is not an error: nobody listens yet.
        let _ = self.live.send(event.clone());
        event
    }

    /// Matching events, newest first, at most `limit`.
    pub fn list(&self, q: &EventQuery, limit: usize) -> Vec<Arc<Event>> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.events
            .iter()
            .rev()
            .map(|(e, _)| e)
            .filter(|e| q.matches_event(e))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.live.subscribe()
    }

    /// Forgets the kept events (a reset); numbering goes on so ids stay unique.
    pub fn clear(&self) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.events.clear();
        ring.bytes = 0;
    }
}

/// A request the handler answered, as the event step reads it.
pub(crate) struct Write<'a> {
    pub method: &'a Method,
    pub path_params: &'a Pairs,
    /// The request's parsed body (`null` without one).
    pub request: &'a Value,
    pub now_ms: i64,
    /// The answer; a JSON body is serialised here, so the event keeps the tree the handler
    /// built instead of a copy.
    pub reply: &'a mut Reply,
}

/// Whether an answer to `method` means the state changed.
fn is_change(method: &Method, status: StatusCode) -> bool {
    status.is_success()
        && matches!(
            *method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        )
}

/// The answer's JSON body, whichever way the handler built it: as a tree, for the event's id
/// and name, and as the compact text the event keeps. A tree the handler built is moved out,
/// and the reply and the event share its serialised bytes (what the wire sends anyway).
fn answer_body(reply: &mut Reply) -> (Value, Bytes) {
    if let ReplyBody::Json(_) = reply.body {
        let tree = reply.serialize_body().unwrap_or(Value::Null);
        return (tree, reply.body_bytes());
    }
    match &reply.body {
        ReplyBody::Bytes(b) => match serde_json::from_slice(b) {
            Ok(tree) => (tree, b.clone()),
            // Not JSON (a file download, say): no resource.
            Err(_) => (Value::Null, NULL),
        },
        _ => (Value::Null, NULL),
    }
}

/// The changed resource's id: the answer's `id` (also under JSON:API `data`), else the last
/// path parameter.
fn resource_id(body: &Value, path_params: &Pairs) -> Option<String> {
    let from_body = body
        .get("id")
        .or_else(|| body.get("data").and_then(|d| d.get("id")));
    match from_body {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => path_params.0.last().map(|(_, v)| v.clone()),
    }
}

impl Engine {
    /// After a handler ran: records an event when its answer says the state changed, and any
    /// events the family's clock-driven work left in the slot.
    pub(crate) fn note_change(&self, session: &Session, operation: usize, seen: Write<'_>) {
        let Write {
            method,
            path_params,
            request,
            now_ms,
            reply,
        } = seen;
        let family = self.targets[operation].family;
        self.note_family_events(session, family, now_ms);
        if !is_change(method, reply.status) {
            return;
        }
        let op = &self.contracts.operations[operation];
        let fam = &self.families[family];
        let (body, text) = answer_body(reply);
        let kind = match *method {
            _ if op.removes => "deleted",
            Method::POST
                if reply.status == StatusCode::CREATED || op.operation_id.starts_with("create") =>
            {
                "created"
            }
            _ => "updated",
        };
        let name = fam.event_name(&op.operation_id, request, &body);
        let event = Event {
            id: EventId::default(),
            seq: 0,
            session: session.name.clone(),
            family: fam.name(),
            operation_id: op.operation_id.clone(),
            kind,
            name,
            resource_type: op.resource_type.clone(),
            resource_id: resource_id(&body, path_params),
            time_ms: now_ms,
            wall_time_ms: self.clock.now_ms(),
            resource: text,
        };
        let event = session.events.push(event);
        session.webhooks.offer(&event);
    }

    /// Lets every family of the session catch up with its clock and records what changed
    /// (after `POST /__admin/clock/advance` and before events are listed).
    pub fn note_clock(&self, session: &Session) {
        let now_ms = session.clock.now_ms(&self.clock);
        for family in 0..self.families.len() {
            self.note_family_events(session, family, now_ms);
        }
    }

    fn note_family_events(&self, session: &Session, family: usize, now_ms: i64) {
        let fam = &self.families[family];
        for e in session.slot(family).take_events(now_ms) {
            let event = session.events.push(Event {
                id: EventId::default(),
                seq: 0,
                session: session.name.clone(),
                family: fam.name(),
                operation_id: "clock".into(),
                kind: e.kind,
                name: e.name,
                resource_type: e.resource_type.into(),
                resource_id: e.resource_id,
                time_ms: now_ms,
                wall_time_ms: self.clock.now_ms(),
                resource: json_bytes(&e.resource),
            });
            session.webhooks.offer(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_read_like_format() {
        for seq in [0, 1, 9, 10, 99, 1000, 123_456_789, u64::MAX] {
            let id = EventId(seq);
            assert_eq!(id.to_string(), format!("evt-{seq}"));
            assert_eq!(serde_json::to_value(id).unwrap(), format!("evt-{seq}"));
        }
    }

    #[test]
    fn the_resource_lists_as_the_json_it_was_given() {
        let tree = serde_json::json!({"z": 1, "a": {"y": [true, null], "b": "é\"x"}});
        let mut e = event("pbx", "created");
        e.resource = json_bytes(&tree);
        let listed = serde_json::to_value(&e).unwrap();
        assert_eq!(listed["resource"], tree);
        let text = serde_json::to_string(&e).unwrap();
        assert!(
            text.contains(r#""resource":{"z":1,"a":{"y":[true,null],"b":"é\"x"}}"#),
            "{text}"
        );
        assert_eq!(
            serde_json::to_value(event("pbx", "deleted")).unwrap()["resource"],
            Value::Null
        );
    }

    fn event(family: &'static str, kind: &'static str) -> Event {
        Event {
            id: EventId::default(),
            seq: 0,
            session: "s".into(),
            family,
            operation_id: "op".into(),
            kind,
            name: None,
            resource_type: "things".into(),
            resource_id: None,
            time_ms: 0,
            wall_time_ms: 0,
            resource: NULL,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_events_and_lists_them_newest_first() {
        let log = EventLog::default();
        for _ in 0..EVENT_LIMIT + 5 {
            log.push(event("pbx", "created"));
        }
        let all = log.list(&EventQuery::default(), usize::MAX);
        assert_eq!(all.len(), EVENT_LIMIT);
        assert_eq!(all[0].seq, (EVENT_LIMIT + 5) as u64);
        assert_eq!(all[0].id.to_string(), format!("evt-{}", EVENT_LIMIT + 5));
    }

    #[test]
    fn the_ring_keeps_within_its_byte_bound() {
        let log = EventLog::default();
        let big = json_bytes(&Value::String("x".repeat(EVENT_BYTES / 4)));
        for _ in 0..10 {
            let mut e = event("pbx", "created");
            e.resource = big.clone();
            log.push(e);
        }
        let kept = log.list(&EventQuery::default(), usize::MAX);
        assert!(kept.len() < 4 && !kept.is_empty(), "{}", kept.len());
        assert_eq!(kept[0].seq, 10);
    }

    #[test]
    fn filters_family_type_and_since() {
        let log = EventLog::default();
        log.push(event("pbx", "created"));
        log.push(event("fusion", "deleted"));
        log.push(event("fusion", "created"));
        let q = EventQuery {
            family: Some("fusion".into()),
            kind: Some("created".into()),
            since: Some(1),
        };
        let got: Vec<u64> = log.list(&q, 10).iter().map(|e| e.seq).collect();
        assert_eq!(got, vec![3]);
    }
}
