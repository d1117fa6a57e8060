//! Over 400 lines: about 170 are unit tests; the code is the provider list's rules.
//! PBX providers: state and business rules, no HTTP.
//!
//! A provider is a typed [`Provider`] (see `provider.rs`); its serde form is still one JSON
//! object holding every documented field in the document's order (plus the write-only
//! `password`), so what a client reads back is exactly what it wrote, defaults filled in.

pub mod checks;
pub mod did_index;
pub mod provider;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::errors::PbxError;
use super::filter::{Filter, Record, compare, parse_orderby};
use crate::engine::family::StateError;
use crate::engine::ids::IdGen;
use crate::engine::steady_map::SteadyMap;
use did_index::DidIndex;
pub use provider::{Field, Provider};

/// Fields the document's update table does not list: accepted, ignored.
const NOT_UPDATABLE: &[Field] = &[Field::Id, Field::Brand, Field::AuthMode, Field::Shared];
/// Fields of the list's summary items.
pub const SUMMARY: &[Field] = &[
    Field::Id,
    Field::Name,
    Field::Enabled,
    Field::Brand,
    Field::Hostname,
    Field::Port,
    Field::DidNumbers,
    Field::Shared,
];
/// Fields `search` looks in.
const SEARCHABLE: &[&str] = &[
    "name",
    "brand",
    "hostname",
    "outbound_server",
    "did_numbers",
];
/// Longest `search` accepted, in bytes: far longer than any field it can match.
pub const MAX_SEARCH_LEN: usize = 1024;
/// Scalar fields `filter` and `orderby` may name.
pub const QUERYABLE: &[&str] = &[
    "id",
    "name",
    "enabled",
    "brand",
    "auth_mode",
    "transport",
    "hostname",
    "port",
    "auth_id",
    "username",
    "registration",
    "register_interval",
    "outbound_server",
    "outbound_server_port",
    "inlan",
    "single_via_header",
    "rewrite_via_ip",
    "verify_port",
    "keep_alive",
    "keep_alive_interval",
    "concurrency",
    "additional_ips",
    "adjust_sdp_direction",
    "remove_srtp_info",
    "stir_shaken_signature_required",
    "did_numbers",
    "shared",
];

/// Most entries one `did_numbers` may hold; each is compared with every other provider's.
pub const MAX_DID_ENTRIES: usize = 1000;
/// Most numbers one `did_numbers` range may span. Ranges are compared as intervals, never
/// expanded, so this bounds nothing in memory: it refuses what no number plan assigns.
pub const MAX_DID_RANGE: u64 = 1_000_000;

/// Slots freed by deletes are compacted once they outnumber the providers (and there are at
/// least this many), so a delete is amortised O(1) and memory follows the live providers.
const COMPACT_FROM: usize = 64;

/// The family's state: its providers, in creation order.
///
/// Its serde form is `{"providers": [...]}`. Reading it keeps the providers as JSON objects
/// until [`PbxState::normalise`] types them, so a scenario's mistakes are reported with a
/// pointer to the field and in the same words as before the providers were typed.
#[derive(Debug, Clone, Default)]
pub struct PbxState {
    /// In creation order; `None` where a provider was destroyed, until the next compaction.
    slots: Vec<Option<Provider>>,
    /// How many slots hold a provider.
    live: usize,
    /// id → position in `slots`, so lookups stay O(1) however many providers a suite makes.
    /// Hashed with foldhash rather than SipHash: every create hashes a new id twice, and the
    /// keys are ids the server generated (or a scenario seeded), never chosen by a client.
    index: SteadyMap<std::sync::Arc<str>, usize, foldhash::fast::RandomState>,
    /// Every provider's numeric did_numbers ranges.
    dids: DidIndex,
    /// Providers read from a scenario, waiting for `normalise`.
    seeded: Vec<Map<String, Value>>,
}

impl Serialize for PbxState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// The live providers, serialised straight from the slots.
        struct Live<'a>(&'a PbxState);
        impl Serialize for Live<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.providers())
            }
        }
        let mut st = s.serialize_struct("PbxState", 1)?;
        st.serialize_field("providers", &Live(self))?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for PbxState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Form {
            #[serde(default)]
            providers: Vec<Map<String, Value>>,
        }
        let form = Form::deserialize(d)?;
        Ok(PbxState {
            seeded: form.providers,
            ..PbxState::default()
        })
    }
}

/// What a list call asks for.
#[derive(Debug, Default)]
pub struct ListQuery<'a> {
    pub filter: Option<&'a str>,
    pub search: Option<&'a str>,
    pub orderby: Option<&'a str>,
    pub skip: usize,
    pub top: usize,
}

/// One entry of `did_numbers`: an inclusive numeric range, or text the fake keeps as is.
#[derive(Debug, Clone, PartialEq)]
enum DidEntry {
    Range(u64, u64),
    Opaque,
}

/// The numeric ranges of a `did_numbers` text that parses; none for one that does not.
fn did_ranges(text: Option<&str>) -> Vec<(u64, u64)> {
    text.and_then(|t| parse_did_numbers(t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, e)| match e {
            DidEntry::Range(a, b) => Some((a, b)),
            DidEntry::Opaque => None,
        })
        .collect()
}

fn parse_did_numbers(text: &str) -> Result<Vec<(&str, DidEntry)>, String> {
    let mut out = Vec::new();
    for raw in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        if out.len() >= MAX_DID_ENTRIES {
            return Err(format!("more than {MAX_DID_ENTRIES} numbers and ranges"));
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let number = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("{raw} has a number too large"))
        };
        let entry = if digits(raw) {
            let n = number(raw)?;
            DidEntry::Range(n, n)
        } else if let Some((a, b)) = raw.split_once('-').filter(|(a, b)| digits(a) && digits(b)) {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!("range {raw} starts after it ends"));
            }
            // `b - a` cannot underflow: a ≤ b was just checked.
            if b - a >= MAX_DID_RANGE {
                return Err(format!(
                    "range {raw} spans more than {MAX_DID_RANGE} numbers"
                ));
            }
            DidEntry::Range(a, b)
        } else {
            // The document's own example sends the placeholder "text"; keep such entries.
            DidEntry::Opaque
        };
        out.push((raw, entry));
    }
    Ok(out)
}

impl PbxState {
    fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    fn at(&self, idx: usize) -> &Provider {
        // The index only names occupied slots; `find` is its only source of positions.
        self.slots[idx]
            .as_ref()
            .expect("indexed slot holds a provider")
    }

    /// Every provider, in creation order.
    pub fn providers(&self) -> impl Iterator<Item = &Provider> {
        self.slots.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn push(&mut self, p: Provider) {
        self.dids
            .insert(&p.id, did_ranges(p.did_numbers.as_deref()));
        self.index.insert(p.id.clone(), self.slots.len());
        self.slots.push(Some(p));
        self.live += 1;
    }

    /// Drops freed slots and renumbers the index: O(n), run once per n/2 deletes.
    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.index = self
            .slots
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
    }

    /// Refuses `did_numbers` entries that overlap a numeric entry of another provider.
    fn check_did_numbers(&self, text: Option<&str>, own_id: &str) -> Result<(), PbxError> {
        let Some(text) = text else { return Ok(()) };
        let mine = parse_did_numbers(text).map_err(|e| PbxError::field("did_numbers", e))?;
        for (raw, entry) in &mine {
            let DidEntry::Range(a, b) = entry else {
                continue;
            };
            if let Some(other) = self.dids.clash(*a, *b, own_id) {
                return Err(PbxError::DidNumbersOverlap {
                    entry: raw.to_string(),
                    provider: other.to_string(),
                });
            }
        }
        Ok(())
    }

    /// A new opaque id shaped like the document's: base64 of a 64-bit number's decimal text.
    fn new_id(&self, ids: &mut IdGen) -> String {
        use base64::Engine as _;
        loop {
            let mut n = ids.range(100_000_000_000_000_000, 999_999_999_999_999_999);
            // Its 18 decimal digits, written on the stack rather than through `to_string`.
            let mut digits = [0u8; 18];
            for d in digits.iter_mut().rev() {
                *d = b'0' + (n % 10) as u8;
                n /= 10;
            }
            let id = base64::engine::general_purpose::STANDARD.encode(digits);
            if self.find(&id).is_none() {
                return id;
            }
        }
    }

    /// Creates a provider from a validated body; answers its id.
    pub fn create(
        &mut self,
        body: &Map<String, Value>,
        ids: &mut IdGen,
        max_providers: usize,
    ) -> Result<String, PbxError> {
        if self.live >= max_providers {
            return Err(PbxError::TooMany(max_providers));
        }
        self.check_did_numbers(body.get("did_numbers").and_then(Value::as_str), "")?;
        let id = self.new_id(ids);
        let mut p = Provider::new(id.as_str().into());
        // One pass over the body; keys the document does not list are ignored.
        for (k, v) in body {
            let Some(f) = Field::from_name(k) else {
                continue;
            };
            // The server chooses the id and `shared`; a blank field keeps its default.
            if matches!(f, Field::Id | Field::Shared) || v.is_null() {
                continue;
            }
            p.set(f, v).map_err(|want| wrong_type(f, want))?;
        }
        checks::check_provider(&p)?;
        self.push(p);
        Ok(id)
    }

    /// Applies the fields given; null resets a field to its default. All or nothing.
    pub fn update(&mut self, id: &str, body: &Map<String, Value>) -> Result<(), PbxError> {
        let idx = self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?;
        if let Some(did) = body.get("did_numbers") {
            self.check_did_numbers(did.as_str(), id)?;
        }
        // Work on a copy so a wrongly typed field late in the body changes nothing.
        let mut p = self.at(idx).clone();
        for (k, v) in body {
            let Some(f) = Field::from_name(k).filter(|f| !NOT_UPDATABLE.contains(f)) else {
                continue;
            };
            if v.is_null() {
                p.reset(f);
            } else {
                p.set(f, v).map_err(|want| wrong_type(f, want))?;
            }
        }
        checks::check_provider(&p)?;
        let old = self.slots[idx].replace(p);
        if let Some(old) = old {
            self.dids.remove(id, did_ranges(old.did_numbers.as_deref()));
        }
        let ranges = did_ranges(self.at(idx).did_numbers.as_deref());
        self.dids.insert(id, ranges);
        Ok(())
    }

    /// `ONLINE` while the provider is enabled, `OFFLINE` otherwise.
    pub fn status(&self, id: &str) -> Result<&'static str, PbxError> {
        let p = self.at(self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?);
        Ok(if p.enabled == Some(false) {
            "OFFLINE"
        } else {
            "ONLINE"
        })
    }

    pub fn destroy(&mut self, id: &str) -> Result<(), PbxError> {
        let idx = self.find(id).ok_or(PbxError::InvalidProviderId)?;
        self.index.remove(id);
        if let Some(old) = self.slots[idx].take() {
            self.dids.remove(id, did_ranges(old.did_numbers.as_deref()));
            self.live -= 1;
        }
        if self.slots.len() >= COMPACT_FROM && self.live < self.slots.len() / 2 {
            self.compact();
        }
        Ok(())
    }

    /// Every field but the password, borrowed for serialisation.
    pub fn view(&self, id: &str) -> Result<&Provider, PbxError> {
        let idx = self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?;
        Ok(self.at(idx))
    }

    /// Filters, searches, sorts and pages; answers the total before paging and the page.
    pub fn list(&self, q: &ListQuery<'_>) -> Result<(usize, Vec<&Provider>), PbxError> {
        let filter = match q.filter.filter(|f| !f.trim().is_empty()) {
            Some(f) => {
                let parsed =
                    Filter::parse(f, QUERYABLE).map_err(|e| PbxError::field("filter", e))?;
                checks::check_filter_types(&parsed)?;
                Some(parsed)
            }
            None => None,
        };
        let order = match q.orderby.filter(|o| !o.trim().is_empty()) {
            Some(o) => parse_orderby(o, QUERYABLE).map_err(|e| PbxError::field("orderby", e))?,
            None => Vec::new(),
        };
        if q.search.is_some_and(|s| s.len() > MAX_SEARCH_LEN) {
            return Err(PbxError::field(
                "search",
                format!("the search is longer than {MAX_SEARCH_LEN} characters"),
            ));
        }
        let needle = q.search.map(str::to_lowercase).filter(|s| !s.is_empty());
        if filter.is_none() && needle.is_none() && order.is_empty() {
            // The common case pages straight off the providers: nothing collected.
            let page = self.providers().skip(q.skip).take(q.top).collect();
            return Ok((self.live, page));
        }
        let mut hits: Vec<&Provider> = self
            .providers()
            .filter(|p| filter.as_ref().is_none_or(|f| f.matches(*p)))
            .filter(|p| needle.as_ref().is_none_or(|n| searched(p, n)))
            .collect();
        if !order.is_empty() {
            // A stable sort keeps creation order among equals.
            hits.sort_by(|a, b| {
                for (field, desc) in &order {
                    let ord = compare(a.field(field), b.field(field))
                        .unwrap_or(std::cmp::Ordering::Equal);
                    let ord = if *desc { ord.reverse() } else { ord };
                    if ord.is_ne() {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
        }
        let total = hits.len();
        let page = hits.into_iter().skip(q.skip).take(q.top).collect();
        Ok((total, page))
    }

    /// Every provider as retrieve shows it.
    pub fn export(&self) -> Vec<&Provider> {
        self.providers().collect()
    }

    /// Types the providers read from a scenario, fills their defaults and checks ids and
    /// did_numbers.
    pub fn normalise(mut self, max_providers: usize) -> Result<Self, StateError> {
        let mut seen: HashSet<std::sync::Arc<str>> =
            self.providers().map(|p| p.id.clone()).collect();
        let start = self.live;
        if start + self.seeded.len() > max_providers {
            return Err(StateError::new(
                "/providers",
                format!("more than max_providers ({max_providers}) providers"),
            ));
        }
        for (i, raw) in std::mem::take(&mut self.seeded).iter().enumerate() {
            let i = start + i;
            let p = seeded_provider(raw).map_err(|(field, message)| {
                StateError::new(format!("/providers/{i}/{field}"), message)
            })?;
            if !seen.insert(p.id.clone()) {
                return Err(StateError::new(
                    format!("/providers/{i}/id"),
                    format!("duplicate provider id {}", p.id),
                ));
            }
            // Checked against those before it, then indexed: O(k log n) each.
            self.check_did_numbers(p.did_numbers.as_deref(), &p.id)
                .map_err(|e| {
                    StateError::new(format!("/providers/{i}/did_numbers"), format!("{e:?}"))
                })?;
            self.push(p);
        }
        Ok(self)
    }
}

/// Whether any searchable field holds `needle` (already lower case), ignoring case.
fn searched(p: &Provider, needle: &str) -> bool {
    SEARCHABLE.iter().any(|f| match p.field(f) {
        super::filter::FieldValue::Text(v) => v.to_lowercase().contains(needle),
        _ => false,
    })
}

/// A body field of the wrong type. The contract refuses these before the model sees them;
/// this keeps the model total should a body ever arrive unchecked.
fn wrong_type(f: Field, want: &str) -> PbxError {
    PbxError::field(f.name(), format!("must be {want}"))
}

/// A provider from a scenario: `id` and `name` must be strings, every key a documented
/// field of the right type; absent fields take their defaults, explicit nulls stay blank.
/// A refusal names the field and what it must be.
fn seeded_provider(raw: &Map<String, Value>) -> Result<Provider, (String, String)> {
    for required in ["id", "name"] {
        if !raw.get(required).is_some_and(Value::is_string) {
            return Err((required.into(), "must be a string".into()));
        }
    }
    let id = raw.get("id").and_then(Value::as_str).unwrap_or_default();
    let mut p = Provider::new(id.into());
    if let Some(unknown) = raw.keys().find(|k| Field::from_name(k).is_none()) {
        return Err((unknown.clone(), "not a provider field".into()));
    }
    for (k, v) in raw {
        if let Some(f) = Field::from_name(k) {
            p.set(f, v)
                .map_err(|want| (k.clone(), format!("must be {want}")))?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MAX: usize = 10_000;

    #[test]
    fn new_ids_are_base64_of_the_drawn_eighteen_digits() {
        use base64::Engine as _;
        let s = PbxState::default();
        let (mut ids, mut same) = (IdGen::new(9), IdGen::new(9));
        for _ in 0..100 {
            let n = same.range(100_000_000_000_000_000, 999_999_999_999_999_999);
            let want = base64::engine::general_purpose::STANDARD.encode(n.to_string());
            assert_eq!(s.new_id(&mut ids), want);
        }
    }

    #[test]
    fn destroy_keeps_creation_order_and_compacts_freed_slots() {
        let mut s = PbxState::default();
        let mut ids = IdGen::new(1);
        let made: Vec<String> = (0..200)
            .map(|i| {
                s.create(&minimal(&format!("p{i}"), None), &mut ids, MAX)
                    .unwrap()
            })
            .collect();
        for id in made.iter().step_by(2).chain(made.iter().skip(1).step_by(4)) {
            s.destroy(id).unwrap();
        }
        let left: Vec<&str> = s.providers().map(|p| &*p.id).collect();
        let want: Vec<&str> = made.iter().skip(3).step_by(4).map(String::as_str).collect();
        assert_eq!(left, want);
        assert_eq!(s.len(), 50);
        assert!(s.slots.len() < 200, "freed slots are compacted");
        for id in &want {
            assert_eq!(got(&s, id)["id"], json!(id));
        }
    }

    #[test]
    fn creates_past_max_providers_are_refused_and_a_destroy_makes_room() {
        let mut s = PbxState::default();
        let mut ids = IdGen::new(1);
        let a = s.create(&minimal("a", None), &mut ids, 2).unwrap();
        s.create(&minimal("b", None), &mut ids, 2).unwrap();
        assert_eq!(
            s.create(&minimal("c", None), &mut ids, 2),
            Err(PbxError::TooMany(2))
        );
        s.destroy(&a).unwrap();
        s.create(&minimal("c", None), &mut ids, 2).unwrap();
    }

    #[test]
    fn numbers_freed_by_destroy_or_update_can_be_taken_again() {
        let mut s = PbxState::default();
        let mut ids = IdGen::new(1);
        let a = s
            .create(&minimal("a", Some("100-200")), &mut ids, MAX)
            .unwrap();
        s.update(&a, &body(json!({"did_numbers": "300"}))).unwrap();
        s.create(&minimal("b", Some("150")), &mut ids, MAX).unwrap();
        assert!(s.create(&minimal("c", Some("300")), &mut ids, MAX).is_err());
        s.destroy(&a).unwrap();
        s.create(&minimal("c", Some("300")), &mut ids, MAX).unwrap();
    }

    /// A provider as retrieve answers it.
    fn got(s: &PbxState, id: &str) -> Value {
        serde_json::to_value(crate::apis::pbx::views::PublicView(s.view(id).unwrap())).unwrap()
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn minimal(name: &str, did: Option<&str>) -> Map<String, Value> {
        let mut b = body(
            json!({"name": name, "transport": "UDP", "hostname": "h", "port": 5060,
            "outbound_server": "o", "outbound_server_port": 5060, "concurrency": 10}),
        );
        if let Some(d) = did {
            b.insert("did_numbers".into(), json!(d));
        }
        b
    }

    #[test]
    fn create_fills_defaults_and_hides_the_password() {
        let mut s = PbxState::default();
        let mut b = minimal("a", None);
        b.insert("password".into(), json!("secret"));
        let id = s.create(&b, &mut IdGen::new(1), MAX).unwrap();
        let p = got(&s, &id);
        assert_eq!(p["register_interval"], json!(600));
        assert_eq!(p["enabled"], json!(true));
        assert!(p.get("password").is_none());
        assert_eq!(p.as_object().unwrap().len(), Field::ALL.len() - 1);
        // The state form keeps it.
        assert_eq!(
            serde_json::to_value(&s).unwrap()["providers"][0]["password"],
            "secret"
        );
    }

    #[test]
    fn overlapping_did_ranges_are_refused_but_placeholders_are_not() {
        let mut s = PbxState::default();
        let mut ids = IdGen::new(1);
        s.create(&minimal("a", Some("3000;12000-18000")), &mut ids, MAX)
            .unwrap();
        assert!(matches!(
            s.create(&minimal("b", Some("17999-20000")), &mut ids, MAX),
            Err(PbxError::DidNumbersOverlap { .. })
        ));
        s.create(&minimal("c", Some("text")), &mut ids, MAX)
            .unwrap();
        s.create(&minimal("d", Some("text")), &mut ids, MAX)
            .unwrap();
        assert!(matches!(
            s.create(&minimal("e", Some("20-10")), &mut ids, MAX),
            Err(PbxError::Validation(_))
        ));
    }

    #[test]
    fn an_update_does_not_clash_with_its_own_numbers() {
        let mut s = PbxState::default();
        let id = s
            .create(&minimal("a", Some("100-200")), &mut IdGen::new(1), MAX)
            .unwrap();
        s.update(&id, &body(json!({"did_numbers": "150-250"})))
            .unwrap();
        assert_eq!(got(&s, &id)["did_numbers"], json!("150-250"));
    }

    #[test]
    fn a_wrongly_typed_update_changes_nothing_and_names_the_field() {
        let mut s = PbxState::default();
        let id = s
            .create(&minimal("a", None), &mut IdGen::new(1), MAX)
            .unwrap();
        let before = got(&s, &id);
        let err = s
            .update(&id, &body(json!({"port": 1, "transport": "SCTP"})))
            .unwrap_err();
        assert_eq!(
            err,
            PbxError::field("transport", "must be one of UDP, TCP, TLS")
        );
        assert_eq!(got(&s, &id), before);
        // A blank field goes back to its default; fields the update table omits are ignored.
        s.update(
            &id,
            &body(json!({"register_interval": null, "brand": "b", "port": null})),
        )
        .unwrap();
        let after = got(&s, &id);
        assert_eq!(after["register_interval"], 600);
        assert_eq!(after["brand"], Value::Null);
        assert_eq!(after["port"], Value::Null);
    }

    #[test]
    fn seeded_providers_are_typed_by_normalise_and_duplicates_refused() {
        let seed = json!({"providers": [{"id": "a", "name": "x", "port": 5060},
                                        {"id": "a", "name": "y"}]});
        let state: PbxState = serde_json::from_value(seed).unwrap();
        let err = state.normalise(MAX).unwrap_err();
        assert_eq!(err.pointer, "/providers/1/id");
        let seed = json!({"providers": [{"id": "a", "name": "x", "port": 5060}]});
        let state: PbxState = serde_json::from_value(seed).unwrap();
        let state = state.normalise(MAX).unwrap();
        assert_eq!(state.providers().next().unwrap().port, Some(5060));
        assert_eq!(state.status("a").unwrap(), "ONLINE");
    }
}
