//! Writing resource objects and documents: links from the public base URL, sparse fieldsets,
//! relationships, `included`, `meta.record_count` and pagination links.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::{API_ROOT, Query, Resource};
use crate::apis::operator::Call;
use crate::engine::call::Pairs;

/// Everything but RFC 3986's unreserved characters is escaped, so `page[number]` becomes
/// `page%5Bnumber%5D` exactly as the vendor's links show it.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Writes documents for one call: knows the public base URL and the parsed query.
pub struct Writer<'a> {
    base: String,
    query: &'a Query,
}

impl<'a> Writer<'a> {
    /// The base URL links start with: the `operator.base_url` setting, else the request's own
    /// scheme and host (so a client following a link reaches the fake again).
    pub fn new(call: &Call<'_>, query: &'a Query) -> Self {
        let base = match call.settings.base_url.as_deref() {
            Some(b) if !b.is_empty() => b.trim_end_matches('/').to_string(),
            _ => {
                let scheme = call.header("x-forwarded-proto").unwrap_or("http");
                let host = call
                    .header("x-forwarded-host")
                    .or_else(|| call.header("host"))
                    .unwrap_or("localhost");
                format!("{scheme}://{host}")
            }
        };
        Self { base, query }
    }

    /// The collection URL of a type (`.../operator/incoming_trunks`).
    pub fn collection_url(&self, ty: &str) -> String {
        format!("{}{API_ROOT}/{ty}", self.base)
    }

    /// A resource's `links.self`.
    pub fn self_link(&self, ty: &str, id: &str) -> String {
        format!(
            "{}/{}",
            self.collection_url(ty),
            utf8_percent_encode(id, COMPONENT)
        )
    }

    /// A relationship's `links`: `self` (the relationship endpoint) and `related` (the related
    /// resource), which clients such as ember-data follow.
    pub fn relationship_links(&self, ty: &str, id: &str, name: &str) -> Value {
        let own = self.self_link(ty, id);
        json!({
            "self": format!("{own}/relationships/{name}"),
            "related": format!("{own}/{name}"),
        })
    }

    /// One resource object, with only the fields the query asks for.
    pub fn resource<R: Resource>(&self, r: &R) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), Value::String(r.id().to_string()));
        obj.insert("type".into(), Value::String(R::TYPE.to_string()));
        obj.insert(
            "links".into(),
            json!({ "self": self.self_link(R::TYPE, r.id()) }),
        );
        let attributes: Map<String, Value> = R::ATTRIBUTES
            .iter()
            .filter(|a| self.query.shows(R::TYPE, a))
            .map(|a| (a.to_string(), r.attribute(a)))
            .collect();
        if !attributes.is_empty() {
            obj.insert("attributes".into(), Value::Object(attributes));
        }
        let relationships: Map<String, Value> = R::RELATIONSHIPS
            .iter()
            .filter(|name| self.query.shows_relationship(R::TYPE, name))
            .filter_map(|name| {
                let (ty, id) = r.relationship(name)?;
                Some((
                    name.to_string(),
                    json!({
                        "links": self.relationship_links(R::TYPE, r.id(), name),
                        "data": { "type": ty, "id": id },
                    }),
                ))
            })
            .collect();
        if !relationships.is_empty() {
            obj.insert("relationships".into(), Value::Object(relationships));
        }
        Value::Object(obj)
    }

    /// A single-resource document, with `included` when related resources are given.
    pub fn single(&self, data: Value, included: Vec<Value>) -> Value {
        let mut doc = Map::new();
        doc.insert("data".into(), data);
        if !included.is_empty() {
            doc.insert("included".into(), Value::Array(included));
        }
        Value::Object(doc)
    }

    /// A collection page: `data`, `included`, `meta.record_count` and pagination links that
    /// keep the request's other parameters.
    pub fn collection(
        &self,
        ty: &str,
        call_query: &Pairs,
        data: Vec<Value>,
        included: Vec<Value>,
        total: usize,
    ) -> Value {
        let size = self.query.page_size;
        let number = self.query.page_number;
        let last = total.div_ceil(size).max(1);
        let link = |n: usize| {
            let mut parts: Vec<String> = call_query
                .0
                .iter()
                .filter(|(k, _)| k != "page[number]" && k != "page[size]")
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(k, COMPONENT),
                        utf8_percent_encode(v, COMPONENT)
                    )
                })
                .collect();
            parts.push(format!("page%5Bnumber%5D={n}"));
            parts.push(format!("page%5Bsize%5D={size}"));
            format!("{}?{}", self.collection_url(ty), parts.join("&"))
        };
        let mut links = Map::new();
        links.insert("first".into(), Value::String(link(1)));
        if number > 1 {
            // Past the end, `prev` leads back to the last page that has data.
            links.insert("prev".into(), Value::String(link((number - 1).min(last))));
        }
        if number < last {
            links.insert("next".into(), Value::String(link(number + 1)));
        }
        links.insert("last".into(), Value::String(link(last)));
        let mut doc = Map::new();
        doc.insert("data".into(), Value::Array(data));
        if !included.is_empty() {
            doc.insert("included".into(), Value::Array(included));
        }
        doc.insert("meta".into(), json!({ "record_count": total }));
        doc.insert("links".into(), Value::Object(links));
        Value::Object(doc)
    }
}
