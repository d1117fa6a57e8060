//! The operator answer shapes: how each resource appears as a JSON:API resource object — its
//! type, attributes in the vendor's order, relationships, what `sort` and `filter` may name.
//! The documents themselves (top-level `data`, `included`, `links`) are built in
//! [`super::jsonapi::document`].

use serde_json::Value;

use super::jsonapi::{Identifier, Resource};
use super::model::customers::Customer;
use super::model::incoming_trunks::IncomingTrunk;

impl Resource for IncomingTrunk {
    const TYPE: &'static str = "incoming_trunks";
    const ATTRIBUTES: &'static [&'static str] = &[
        "name",
        "codecs",
        "transport_protocol",
        "domain",
        "destination_field",
    ];
    const RELATIONSHIPS: &'static [&'static str] = &["customer"];
    const SORTABLE: &'static [&'static str] = &[
        "id",
        "name",
        "transport_protocol",
        "destination_field",
        "domain",
    ];

    fn id(&self) -> &str {
        &self.id
    }

    fn attribute(&self, name: &str) -> Value {
        match name {
            "name" => self.name.clone().map_or(Value::Null, Value::String),
            "codecs" => Value::from(self.codecs.clone()),
            "transport_protocol" => {
                serde_json::to_value(self.transport_protocol).unwrap_or(Value::Null)
            }
            "domain" => Value::String(self.domain.clone()),
            "destination_field" => {
                serde_json::to_value(self.destination_field).unwrap_or(Value::Null)
            }
            _ => Value::Null,
        }
    }

    fn relationship(&self, name: &str) -> Option<Identifier> {
        (name == "customer").then(|| ("customers", self.customer_id.clone()))
    }

    fn filter_key(&self, filter: &str) -> Option<String> {
        match filter {
            "id" => Some(self.id.clone()),
            "domain" => Some(self.domain.clone()),
            "customer.id" => Some(self.customer_id.clone()),
            _ => None,
        }
    }
}

impl Resource for Customer {
    const TYPE: &'static str = "customers";
    const ATTRIBUTES: &'static [&'static str] =
        &["name", "language", "capacity_limit", "sip_account_limit"];
    const RELATIONSHIPS: &'static [&'static str] = &[];
    const SORTABLE: &'static [&'static str] = &[
        "id",
        "name",
        "language",
        "capacity_limit",
        "sip_account_limit",
    ];

    fn id(&self) -> &str {
        &self.id
    }

    fn attribute(&self, name: &str) -> Value {
        match name {
            "name" => Value::String(self.name.clone()),
            "language" => serde_json::to_value(self.language).unwrap_or(Value::Null),
            "capacity_limit" => self.capacity_limit.map_or(Value::Null, Value::from),
            "sip_account_limit" => self.sip_account_limit.map_or(Value::Null, Value::from),
            _ => Value::Null,
        }
    }

    fn relationship(&self, _name: &str) -> Option<Identifier> {
        None
    }

    fn filter_key(&self, filter: &str) -> Option<String> {
        match filter {
            "id" => Some(self.id.clone()),
            "name" => Some(self.name.clone()),
            "language" => self.attribute("language").as_str().map(str::to_string),
            _ => None,
        }
    }
}
