//! Customers: the accounts incoming trunks belong to. Their ids are chosen by the client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::OperatorState;
use crate::apis::operator::errors::OperatorError;

use crate::apis::operator::settings::OperatorSettings;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Language {
    #[default]
    En,
    Ru,
    Lt,
    Lv,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub language: Language,
    /// Concurrent calls; `None` is unlimited.
    #[serde(default)]
    pub capacity_limit: Option<u64>,
    #[serde(default)]
    pub sip_account_limit: Option<u64>,
}

/// The attributes a create or update request gives; `None`: not given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub language: Option<Language>,
    pub capacity_limit: Option<Option<u64>>,
    pub sip_account_limit: Option<Option<u64>>,
}

impl CustomerChanges {
    /// Reads `data.attributes`, which the contract has already validated.
    pub fn from_attributes(attrs: &Map<String, Value>) -> Self {
        let limit = |name: &str| attrs.get(name).map(Value::as_u64);
        Self {
            name: attrs
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            language: attrs
                .get("language")
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
            capacity_limit: limit("capacity_limit"),
            sip_account_limit: limit("sip_account_limit"),
        }
    }

    fn apply(self, c: &mut Customer) {
        if let Some(name) = self.name {
            c.name = name;
        }
        if let Some(language) = self.language {
            c.language = language;
        }
        if let Some(limit) = self.capacity_limit {
            c.capacity_limit = limit;
        }
        if let Some(limit) = self.sip_account_limit {
            c.sip_account_limit = limit;
        }
    }
}

impl OperatorState {
    /// Whether a customer with this id exists.
    pub fn has_customer(&self, id: &str) -> bool {
        self.customers.contains(id)
    }

    pub fn customer(&self, id: &str) -> Result<&Customer, OperatorError> {
        self.customers
            .get(id)
            .ok_or_else(|| OperatorError::NotFound {
                ty: "customers",
                id: id.into(),
            })
    }

    /// Creates a customer under the client's id (name is required by the contract).
    pub fn create_customer(
        &mut self,
        id: &str,
        changes: CustomerChanges,
        settings: &OperatorSettings,
    ) -> Result<&Customer, OperatorError> {
        if self.has_customer(id) {
            return Err(OperatorError::IdTaken {
                ty: "customers",
                id: id.into(),
            });
        }
        Self::check_limit("customers", self.customers.len(), settings)?;
        let mut c = Customer {
            id: id.to_string(),
            name: String::new(),
            language: Language::default(),
            capacity_limit: None,
            sip_account_limit: None,
        };
        changes.apply(&mut c);
        let taken = |c: Customer| OperatorError::IdTaken {
            ty: "customers",
            id: c.id,
        };
        self.customers.push(c).map(|c| &*c).map_err(taken)
    }

    /// Changes only the attributes given.
    pub fn update_customer(
        &mut self,
        id: &str,
        changes: CustomerChanges,
    ) -> Result<&Customer, OperatorError> {
        let c = self
            .customers
            .get_mut(id)
            .ok_or_else(|| OperatorError::NotFound {
                ty: "customers",
                id: id.into(),
            })?;
        changes.apply(c);
        Ok(c)
    }

    /// Deletes a customer that owns no incoming trunks; one that does is refused, so no trunk
    /// is ever left pointing at a missing customer.
    pub fn delete_customer(&mut self, id: &str) -> Result<(), OperatorError> {
        if !self.has_customer(id) {
            return Err(OperatorError::NotFound {
                ty: "customers",
                id: id.into(),
            });
        }
        let count = self.trunks_of(id);
        if count > 0 {
            return Err(OperatorError::CustomerHasTrunks {
                id: id.into(),
                count,
            });
        }
        self.customers.remove(id);
        Ok(())
    }
}
