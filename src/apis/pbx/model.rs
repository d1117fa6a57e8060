//! PBX providers: state and business rules, no HTTP.
//!
//! A provider is kept as a JSON object holding every documented field in the document's order
//! (plus the write-only `password`), so what a client reads back is exactly what it wrote,
//! defaults filled in.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::errors::PbxError;
use super::filter::{Filter, compare, parse_orderby};
use crate::engine::family::StateError;
use crate::engine::ids::IdGen;

/// Every field of a provider in the order the document prints it, with its default
/// (`Null` where the document gives none).
pub const FIELDS: &[(&str, Value)] = &[
    ("id", Value::Null),
    ("name", Value::Null),
    ("enabled", Value::Bool(true)),
    ("brand", Value::Null),
    ("auth_mode", Value::Null),
    ("transport", Value::Null),
    ("hostname", Value::Null),
    ("port", Value::Null),
    ("auth_id", Value::Null),
    ("username", Value::Null),
    ("password", Value::Null),
    ("registration", Value::Bool(true)),
    ("register_interval", Value::Null), // 600, see `default_of`
    ("outbound_server", Value::Null),
    ("outbound_server_port", Value::Null),
    ("inlan", Value::Bool(false)),
    ("single_via_header", Value::Bool(true)),
    ("rewrite_via_ip", Value::Bool(true)),
    ("verify_port", Value::Bool(true)),
    ("keep_alive", Value::Bool(true)),
    ("keep_alive_interval", Value::Null), // 360, see `default_of`
    ("concurrency", Value::Null),
    ("additional_ips", Value::Null),
    ("adjust_sdp_direction", Value::Bool(true)),
    ("remove_srtp_info", Value::Bool(true)),
    ("stir_shaken_signature_required", Value::Bool(false)),
    ("did_numbers", Value::Null),
    ("inbound_parameters", Value::Null),
    ("outbound_parameters", Value::Null),
    ("shared", Value::Bool(false)),
];

/// The documented default of a field (numbers cannot live in a `const` Value).
pub fn default_of(field: &str) -> Value {
    match field {
        "register_interval" => Value::from(600),
        "keep_alive_interval" => Value::from(360),
        _ => FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null),
    }
}

/// Fields the document's update table does not list: accepted, ignored.
const NOT_UPDATABLE: &[&str] = &["id", "brand", "auth_mode", "shared"];
/// Fields of the list's summary items.
const SUMMARY: &[&str] = &[
    "id",
    "name",
    "enabled",
    "brand",
    "hostname",
    "port",
    "did_numbers",
    "shared",
];
/// Fields `search` looks in.
const SEARCHABLE: &[&str] = &[
    "name",
    "brand",
    "hostname",
    "outbound_server",
    "did_numbers",
];
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

pub type Provider = Map<String, Value>;

/// The family's state: its providers, in creation order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PbxState {
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// id → position in `providers`, so lookups stay O(1) however many providers a suite makes.
    #[serde(skip)]
    index: HashMap<String, usize>,
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

fn parse_did_numbers(text: &str) -> Result<Vec<(String, DidEntry)>, String> {
    let mut out = Vec::new();
    for raw in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let entry = if digits(raw) {
            let n = raw.parse().map_err(|_| format!("{raw} is too large"))?;
            DidEntry::Range(n, n)
        } else if let Some((a, b)) = raw.split_once('-').filter(|(a, b)| digits(a) && digits(b)) {
            let (a, b): (u64, u64) = (
                a.parse().map_err(|_| format!("{raw} is too large"))?,
                b.parse().map_err(|_| format!("{raw} is too large"))?,
            );
            if a > b {
                return Err(format!("range {raw} starts after it ends"));
            }
            DidEntry::Range(a, b)
        } else {
            // The document's own example sends the placeholder "text"; keep such entries.
            DidEntry::Opaque
        };
        out.push((raw.to_string(), entry));
    }
    Ok(out)
}

fn did_of(p: &Provider) -> Option<&str> {
    p.get("did_numbers").and_then(Value::as_str)
}

fn id_of(p: &Provider) -> &str {
    p.get("id").and_then(Value::as_str).unwrap_or("")
}

impl PbxState {
    fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    fn reindex(&mut self) {
        self.index = self
            .providers
            .iter()
            .enumerate()
            .map(|(i, p)| (id_of(p).to_string(), i))
            .collect();
    }

    /// Refuses `did_numbers` entries that overlap a numeric entry of another provider.
    fn check_did_numbers(&self, text: Option<&str>, own_id: &str) -> Result<(), PbxError> {
        let Some(text) = text else { return Ok(()) };
        let mine = parse_did_numbers(text).map_err(|e| PbxError::field("did_numbers", e))?;
        for other in self.providers.iter().filter(|p| id_of(p) != own_id) {
            let Some(theirs) = did_of(other).and_then(|t| parse_did_numbers(t).ok()) else {
                continue;
            };
            for (raw, a) in &mine {
                let DidEntry::Range(a0, a1) = a else { continue };
                let clash = theirs
                    .iter()
                    .any(|(_, b)| matches!(b, DidEntry::Range(b0, b1) if a0 <= b1 && b0 <= a1));
                if clash {
                    return Err(PbxError::DidNumbersOverlap {
                        entry: raw.clone(),
                        provider: id_of(other).to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A new opaque id shaped like the document's: base64 of a 64-bit number's decimal text.
    fn new_id(&self, ids: &mut IdGen) -> String {
        use base64::Engine as _;
        loop {
            let n = ids.range(100_000_000_000_000_000, 999_999_999_999_999_999);
            let id = base64::engine::general_purpose::STANDARD.encode(n.to_string());
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
    ) -> Result<String, PbxError> {
        self.check_did_numbers(body.get("did_numbers").and_then(Value::as_str), "")?;
        let id = self.new_id(ids);
        // One pass over the body (no hashing per documented field), then the fields in order.
        let mut given: [Option<&Value>; FIELDS.len()] = [None; FIELDS.len()];
        for (k, v) in body {
            if let Some(i) = FIELDS.iter().position(|(f, _)| f == k) {
                given[i] = Some(v);
            }
        }
        let mut p = Provider::with_capacity(FIELDS.len());
        for (i, (field, _)) in FIELDS.iter().enumerate() {
            let v = match given[i] {
                // A blank (null) field takes its default, like an absent one.
                Some(Value::Null) | None => default_of(field),
                Some(v) => v.clone(),
            };
            p.insert((*field).to_string(), v);
        }
        p.insert("id".into(), Value::String(id.clone()));
        p.insert("shared".into(), Value::Bool(false));
        self.index.insert(id.clone(), self.providers.len());
        self.providers.push(p);
        Ok(id)
    }

    /// Every field but the password.
    pub fn get(&self, id: &str) -> Result<Provider, PbxError> {
        let p = &self.providers[self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?];
        Ok(public(p))
    }

    /// Applies the fields given; null resets a field to its default.
    pub fn update(&mut self, id: &str, body: &Map<String, Value>) -> Result<(), PbxError> {
        let idx = self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?;
        if let Some(did) = body.get("did_numbers") {
            self.check_did_numbers(did.as_str(), id)?;
        }
        let p = &mut self.providers[idx];
        for (field, v) in body {
            if NOT_UPDATABLE.contains(&field.as_str()) || !p.contains_key(field) {
                continue;
            }
            let v = if v.is_null() {
                default_of(field)
            } else {
                v.clone()
            };
            p.insert(field.clone(), v);
        }
        Ok(())
    }

    /// `ONLINE` while the provider is enabled, `OFFLINE` otherwise.
    pub fn status(&self, id: &str) -> Result<&'static str, PbxError> {
        let p = &self.providers[self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?];
        Ok(if p.get("enabled") == Some(&Value::Bool(false)) {
            "OFFLINE"
        } else {
            "ONLINE"
        })
    }

    pub fn destroy(&mut self, id: &str) -> Result<(), PbxError> {
        let idx = self.find(id).ok_or(PbxError::InvalidProviderId)?;
        self.providers.remove(idx);
        self.reindex();
        Ok(())
    }

    /// Every field but the password, borrowed for serialisation.
    pub fn view(&self, id: &str) -> Result<PublicView<'_>, PbxError> {
        let idx = self.find(id).ok_or_else(|| PbxError::NotFound(id.into()))?;
        Ok(PublicView(&self.providers[idx]))
    }

    /// Filters, searches, sorts and pages; answers the total before paging and the page.
    pub fn list(&self, q: &ListQuery<'_>) -> Result<(usize, Vec<SummaryView<'_>>), PbxError> {
        let filter = match q.filter.filter(|f| !f.trim().is_empty()) {
            Some(f) => Some(Filter::parse(f, QUERYABLE).map_err(|e| PbxError::field("filter", e))?),
            None => None,
        };
        let order = match q.orderby.filter(|o| !o.trim().is_empty()) {
            Some(o) => parse_orderby(o, QUERYABLE).map_err(|e| PbxError::field("orderby", e))?,
            None => Vec::new(),
        };
        let needle = q.search.map(str::to_lowercase).filter(|s| !s.is_empty());
        let mut hits: Vec<&Provider> = self
            .providers
            .iter()
            .filter(|p| filter.as_ref().is_none_or(|f| f.matches(p)))
            .filter(|p| {
                needle.as_ref().is_none_or(|n| {
                    SEARCHABLE.iter().any(|f| {
                        p.get(*f)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.to_lowercase().contains(n.as_str()))
                    })
                })
            })
            .collect();
        if !order.is_empty() {
            // A stable sort keeps creation order among equals.
            hits.sort_by(|a, b| {
                for (field, desc) in &order {
                    let null = Value::Null;
                    let ord = compare(a.get(field).unwrap_or(&null), b.get(field).unwrap_or(&null))
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
        let page = hits
            .into_iter()
            .skip(q.skip)
            .take(q.top)
            .map(SummaryView)
            .collect();
        Ok((total, page))
    }

    /// Every provider as retrieve shows it.
    pub fn export(&self) -> Vec<PublicView<'_>> {
        self.providers.iter().map(PublicView).collect()
    }

    /// Fills defaults in seeded providers and checks ids and did_numbers.
    pub fn normalise(mut self) -> Result<Self, StateError> {
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.providers.iter_mut().enumerate() {
            for required in ["id", "name"] {
                if !p.get(required).is_some_and(Value::is_string) {
                    return Err(StateError::new(
                        format!("/providers/{i}/{required}"),
                        "must be a string",
                    ));
                }
            }
            if !seen.insert(id_of(p).to_string()) {
                return Err(StateError::new(
                    format!("/providers/{i}/id"),
                    format!("duplicate provider id {}", id_of(p)),
                ));
            }
            if let Some(unknown) = p.keys().find(|k| !FIELDS.iter().any(|(f, _)| f == k)) {
                return Err(StateError::new(
                    format!("/providers/{i}/{unknown}"),
                    "not a provider field",
                ));
            }
            if let Some((field, kind)) = p.iter().find_map(|(k, v)| {
                let kind = expected_kind(k);
                (!v.is_null() && !kind.accepts(v)).then_some((k.clone(), kind))
            }) {
                return Err(StateError::new(
                    format!("/providers/{i}/{field}"),
                    format!("must be {}", kind.name()),
                ));
            }
            let mut full = Provider::new();
            for (field, _) in FIELDS {
                full.insert(
                    field.to_string(),
                    p.get(*field).cloned().unwrap_or_else(|| default_of(field)),
                );
            }
            *p = full;
        }
        self.reindex();
        for i in 0..self.providers.len() {
            let (id, did) = (
                id_of(&self.providers[i]).to_string(),
                did_of(&self.providers[i]).map(str::to_string),
            );
            self.check_did_numbers(did.as_deref(), &id).map_err(|e| {
                StateError::new(format!("/providers/{i}/did_numbers"), format!("{e:?}"))
            })?;
        }
        Ok(self)
    }
}

/// The JSON type a seeded provider field must have.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Flag,
    Number,
    Object,
}

impl Kind {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Kind::Text => v.is_string(),
            Kind::Flag => v.is_boolean(),
            Kind::Number => v.is_i64() || v.is_u64(),
            Kind::Object => v.is_object(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Flag => "true or false",
            Kind::Number => "an integer",
            Kind::Object => "an object",
        }
    }
}

fn expected_kind(field: &str) -> Kind {
    match field {
        "port"
        | "outbound_server_port"
        | "register_interval"
        | "keep_alive_interval"
        | "concurrency" => Kind::Number,
        "inbound_parameters" | "outbound_parameters" => Kind::Object,
        f if matches!(default_of(f), Value::Bool(_)) => Kind::Flag,
        _ => Kind::Text,
    }
}

fn public(p: &Provider) -> Provider {
    p.iter()
        .filter(|(k, _)| k.as_str() != "password")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A provider as retrieve shows it (no password), serialised without copying.
pub struct PublicView<'a>(&'a Provider);

impl Serialize for PublicView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len().saturating_sub(1)))?;
        for (k, v) in self.0.iter().filter(|(k, _)| k.as_str() != "password") {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A provider as the list shows it: the summary fields only.
pub struct SummaryView<'a>(&'a Provider);

impl Serialize for SummaryView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(SUMMARY.len()))?;
        for f in SUMMARY {
            map.serialize_entry(f, self.0.get(*f).unwrap_or(&Value::Null))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let id = s.create(&b, &mut IdGen::new(1)).unwrap();
        let p = s.get(&id).unwrap();
        assert_eq!(p["register_interval"], json!(600));
        assert_eq!(p["enabled"], json!(true));
        assert!(!p.contains_key("password"));
    }

    #[test]
    fn overlapping_did_ranges_are_refused_but_placeholders_are_not() {
        let mut s = PbxState::default();
        let mut ids = IdGen::new(1);
        s.create(&minimal("a", Some("3000;12000-18000")), &mut ids)
            .unwrap();
        assert!(matches!(
            s.create(&minimal("b", Some("17999-20000")), &mut ids),
            Err(PbxError::DidNumbersOverlap { .. })
        ));
        s.create(&minimal("c", Some("text")), &mut ids).unwrap();
        s.create(&minimal("d", Some("text")), &mut ids).unwrap();
        assert!(matches!(
            s.create(&minimal("e", Some("20-10")), &mut ids),
            Err(PbxError::Validation(_))
        ));
    }

    #[test]
    fn an_update_does_not_clash_with_its_own_numbers() {
        let mut s = PbxState::default();
        let id = s
            .create(&minimal("a", Some("100-200")), &mut IdGen::new(1))
            .unwrap();
        s.update(&id, &body(json!({"did_numbers": "150-250"})))
            .unwrap();
        assert_eq!(s.get(&id).unwrap()["did_numbers"], json!("150-250"));
    }
}
