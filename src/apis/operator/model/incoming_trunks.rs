//! Incoming trunks: each belongs to one customer and gets a unique domain when it is created.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::OperatorState;
use crate::apis::operator::errors::OperatorError;

use crate::apis::operator::settings::OperatorSettings;
use crate::engine::ids::IdGen;

/// The documented codecs plus `telephone-event/8000`, the form every example uses.
pub const CODECS: &[&str] = &[
    "g729",
    "G722",
    "GSM",
    "PCMA",
    "PCMU",
    "OPUS",
    "telephone-event",
    "telephone-event/8000",
];
/// What a new trunk gets without `codecs` (the vendor's default "may vary per domain"; this is
/// the list every example of the document shows). Setting `operator.default_codecs` changes it.
pub const DEFAULT_CODECS: &[&str] = &["PCMU", "PCMA", "telephone-event/8000"];
/// The host part after the generated number (setting `operator.domain_suffix`).
pub const DEFAULT_DOMAIN_SUFFIX: &str = "did-gw-sandbox.phone.systems";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TransportProtocol {
    #[default]
    Udp,
    Tcp,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DestinationField {
    #[default]
    RuriUserpart,
    ToUserpart,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingTrunk {
    pub id: String,
    /// The owning customer; it never changes after creation.
    pub customer_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub transport_protocol: TransportProtocol,
    #[serde(default = "default_codecs")]
    pub codecs: Vec<String>,
    #[serde(default)]
    pub destination_field: DestinationField,
    pub domain: String,
}

pub fn default_codecs() -> Vec<String> {
    DEFAULT_CODECS.iter().map(|c| c.to_string()).collect()
}

/// Codecs a stored trunk may hold: known, unique, at least one.
pub fn check_codecs(codecs: &[String]) -> Result<(), String> {
    if codecs.is_empty() {
        return Err("at least one codec is required".into());
    }
    for (i, c) in codecs.iter().enumerate() {
        if !CODECS.contains(&c.as_str()) {
            return Err(format!("{c} is not a codec; known: {}", CODECS.join(", ")));
        }
        if codecs[..i].contains(c) {
            return Err(format!("{c} is listed twice"));
        }
    }
    Ok(())
}

/// The number a generated domain starts with (`3391285728100.did-gw-...` → 3391285728100).
pub fn domain_number(domain: &str) -> Option<u64> {
    domain.split('.').next()?.parse().ok()
}

/// The attributes a create or update request gives; `None`: not given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrunkChanges {
    /// `Some(None)`: set to null.
    pub name: Option<Option<String>>,
    pub transport_protocol: Option<TransportProtocol>,
    pub destination_field: Option<DestinationField>,
    pub codecs: Option<Vec<String>>,
    /// Read-only; kept to refuse a different value.
    pub domain: Option<String>,
}

impl TrunkChanges {
    /// Reads `data.attributes`, which the contract has already validated.
    pub fn from_attributes(attrs: &Map<String, Value>) -> Self {
        fn parse<T: serde::de::DeserializeOwned>(
            attrs: &Map<String, Value>,
            name: &str,
        ) -> Option<T> {
            attrs
                .get(name)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
        }
        Self {
            name: attrs.get("name").map(|v| v.as_str().map(str::to_string)),
            transport_protocol: parse(attrs, "transport_protocol"),
            destination_field: parse(attrs, "destination_field"),
            codecs: parse(attrs, "codecs"),
            domain: attrs
                .get("domain")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    fn apply(self, t: &mut IncomingTrunk) {
        if let Some(name) = self.name {
            t.name = name;
        }
        if let Some(p) = self.transport_protocol {
            t.transport_protocol = p;
        }
        if let Some(f) = self.destination_field {
            t.destination_field = f;
        }
        if let Some(c) = self.codecs {
            t.codecs = c;
        }
    }
}

impl OperatorState {
    /// How many incoming trunks the customer owns.
    pub fn trunks_of(&self, customer_id: &str) -> usize {
        self.index.trunks_of.get(customer_id).copied().unwrap_or(0)
    }

    pub fn trunk(&self, id: &str) -> Result<&IncomingTrunk, OperatorError> {
        self.incoming_trunks
            .get(id)
            .ok_or_else(|| OperatorError::NotFound {
                ty: "incoming_trunks",
                id: id.into(),
            })
    }

    /// A domain no trunk of this session has had: the counter moves up by a random step.
    fn next_domain(&mut self, ids: &mut IdGen, settings: &OperatorSettings) -> String {
        let suffix = &settings.domain_suffix;
        loop {
            self.last_domain_number = self
                .last_domain_number
                .max(3_391_000_000_000)
                .saturating_add(ids.range(1_000, 9_999_999));
            let domain = format!("{}.{suffix}", self.last_domain_number);
            if !self.index.domains.contains(&domain) {
                return domain;
            }
        }
    }

    /// Creates a trunk for an existing customer, with a fresh id and domain.
    pub fn create_trunk(
        &mut self,
        customer_id: &str,
        changes: TrunkChanges,
        ids: &mut IdGen,
        settings: &OperatorSettings,
    ) -> Result<&IncomingTrunk, OperatorError> {
        if !self.has_customer(customer_id) {
            return Err(OperatorError::RelatedNotFound {
                ty: "customers",
                id: customer_id.into(),
                pointer: "/data/relationships/customer".into(),
            });
        }
        if changes.domain.is_some() {
            return Err(OperatorError::ReadOnlyAttribute { name: "domain" });
        }
        Self::check_limit("incoming_trunks", self.incoming_trunks.len(), settings)?;
        let id = loop {
            let id = ids.uuid();
            if !self.incoming_trunks.contains(&id) {
                break id;
            }
        };
        let domain = self.next_domain(ids, settings);
        let mut t = IncomingTrunk {
            id,
            customer_id: customer_id.to_string(),
            name: None,
            transport_protocol: TransportProtocol::default(),
            codecs: settings.default_codecs.clone(),
            destination_field: DestinationField::default(),
            domain,
        };
        changes.apply(&mut t);
        // The id was drawn free just above, under the same lock, so this never refuses.
        let taken = |t: IncomingTrunk| OperatorError::IdTaken {
            ty: "incoming_trunks",
            id: t.id,
        };
        let t = self.incoming_trunks.push(t).map_err(taken)?;
        let ix = &mut self.index;
        *ix.trunks_of.get_or_insert_with(t.customer_id.clone(), || 0) += 1;
        ix.domains.insert(t.domain.clone());
        Ok(&*t)
    }

    /// Changes only the attributes given. `customer`, when sent, must be the current one.
    pub fn update_trunk(
        &mut self,
        id: &str,
        changes: TrunkChanges,
        customer: Option<&str>,
    ) -> Result<&IncomingTrunk, OperatorError> {
        let t = self
            .incoming_trunks
            .get_mut(id)
            .ok_or_else(|| OperatorError::NotFound {
                ty: "incoming_trunks",
                id: id.into(),
            })?;
        if customer.is_some_and(|c| c != t.customer_id) {
            return Err(OperatorError::RelationshipNotUpdatable { name: "customer" });
        }
        if changes.domain.as_ref().is_some_and(|d| *d != t.domain) {
            return Err(OperatorError::ReadOnlyAttribute { name: "domain" });
        }
        changes.apply(t);
        Ok(t)
    }

    /// Deletes a trunk; its domain is retired with it.
    pub fn delete_trunk(&mut self, id: &str) -> Result<(), OperatorError> {
        let t = self
            .incoming_trunks
            .remove(id)
            .ok_or_else(|| OperatorError::NotFound {
                ty: "incoming_trunks",
                id: id.into(),
            })?;
        let ix = &mut self.index;
        if let Some(n) = ix.trunks_of.get_mut(&t.customer_id) {
            *n -= 1;
            if *n == 0 {
                ix.trunks_of.remove(&t.customer_id);
            }
        }
        // The domain counter only moves up, so a deleted trunk's domain never comes back.
        ix.domains.remove(&t.domain);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apis::operator::model::{Customer, Language};

    fn state() -> OperatorState {
        OperatorState {
            customers: [Customer {
                id: "1".into(),
                name: "c".into(),
                language: Language::En,
                capacity_limit: None,
                sip_account_limit: None,
            }]
            .into_iter()
            .collect(),
            ..OperatorState::default()
        }
        .normalise()
        .expect("a valid state")
    }

    #[test]
    fn domains_are_never_handed_out_twice_even_after_a_delete() {
        let mut s = state();
        let (mut ids, settings) = (IdGen::new(7), OperatorSettings::default());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let t = s
                .create_trunk("1", TrunkChanges::default(), &mut ids, &settings)
                .unwrap();
            let (id, domain) = (t.id.clone(), t.domain.clone());
            assert!(seen.insert(domain), "a domain came back");
            s.delete_trunk(&id).unwrap();
        }
    }

    #[test]
    fn deletes_keep_lookups_counts_and_the_order_of_the_rest() {
        let mut s = state();
        let (mut ids, settings) = (IdGen::new(3), OperatorSettings::default());
        let mut made = Vec::new();
        for _ in 0..40 {
            let t = s
                .create_trunk("1", TrunkChanges::default(), &mut ids, &settings)
                .unwrap();
            made.push(t.id.clone());
        }
        // Past half deleted: the collection compacts under the lookups.
        for id in made.iter().step_by(4).chain(made.iter().skip(1).step_by(4)) {
            s.delete_trunk(id).unwrap();
        }
        for id in made.iter().skip(2).step_by(4).take(3) {
            s.delete_trunk(id).unwrap();
        }
        let left: Vec<&String> = s.incoming_trunks.iter().map(|t| &t.id).collect();
        let expected: Vec<&String> = made
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 == 3 || (i % 4 == 2 && *i >= 12))
            .map(|(_, id)| id)
            .collect();
        assert_eq!(left, expected);
        for id in &expected {
            assert_eq!(&s.trunk(id).unwrap().id, *id);
        }
        assert!(s.trunk(&made[0]).is_err());
        assert_eq!(s.trunks_of("1"), expected.len());
        assert!(matches!(
            s.delete_customer("1"),
            Err(OperatorError::CustomerHasTrunks { .. })
        ));
    }

    #[test]
    fn a_new_trunk_gets_every_default() {
        let mut s = state();
        let t = s
            .create_trunk(
                "1",
                TrunkChanges::default(),
                &mut IdGen::new(1),
                &OperatorSettings::default(),
            )
            .unwrap();
        assert_eq!(t.name, None);
        assert_eq!(t.transport_protocol, TransportProtocol::Udp);
        assert_eq!(t.destination_field, DestinationField::RuriUserpart);
        assert_eq!(t.codecs, default_codecs());
        assert!(t.domain.ends_with(".did-gw-sandbox.phone.systems"));
    }

    #[test]
    fn codecs_must_be_known_unique_and_present() {
        assert!(check_codecs(&["PCMU".into()]).is_ok());
        assert!(check_codecs(&[]).is_err());
        assert!(check_codecs(&["PCMU".into(), "PCMU".into()]).is_err());
        assert!(check_codecs(&["MP3".into()]).is_err());
    }
}
