//! The JSON:API 1.0 machinery the operator family needs, independent of any one resource:
//! reading the query (`fields[TYPE]`, `include`, `sort`, `page[...]`, `filter[...]`), selecting
//! a page of a collection, and writing resource objects and documents with their links.

use std::cmp::Ordering;
use std::collections::HashMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::errors::{OperatorError, QueryIssue};
use crate::engine::call::{Call, Pairs};

/// The JSON:API media type, for requests and responses alike.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Where the family's resources live.
pub const API_ROOT: &str = "/api/rest/public/operator";
/// `page[size]` when the client gives none (the document's links show 50).
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// Everything but RFC 3986's unreserved characters is escaped, so `page[number]` becomes
/// `page%5Bnumber%5D` exactly as the vendor's links show it.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A to-one relationship's target: `(type, id)`.
pub type Identifier = (&'static str, String);

/// One resource type as JSON:API sees it.
pub trait Resource {
    /// The `type` member, which is also the collection's path segment.
    const TYPE: &'static str;
    /// Attribute names in the order the vendor writes them.
    const ATTRIBUTES: &'static [&'static str];
    /// Relationship names (to-one only in this API).
    const RELATIONSHIPS: &'static [&'static str];
    /// Attributes `sort` may name, besides `id`.
    const SORTABLE: &'static [&'static str];

    fn id(&self) -> &str;
    fn attribute(&self, name: &str) -> Value;
    fn relationship(&self, name: &str) -> Option<Identifier>;
    /// The text a `filter[NAME]` value is compared with (`None`: the filter does not apply).
    fn filter_key(&self, filter: &str) -> Option<String>;
}

/// What one operation accepts in its query string.
pub struct QuerySpec {
    /// The resource type of the primary data.
    pub primary: &'static str,
    /// `filter[...]` names this operation supports (empty: none, and no paging or sorting).
    pub filters: &'static [&'static str],
    /// Whether `sort` and `page[...]` are accepted (collections only).
    pub collection: bool,
    /// Sortable fields (`id` plus the resource's sortable attributes).
    pub sortable: &'static [&'static str],
    /// Whether the answer is a document at all; without one (DELETE) no parameter applies.
    pub returns_document: bool,
    /// Relationship paths `include` may name.
    pub includes: &'static [&'static str],
    /// `fields[TYPE]` the operation accepts, with the field names of each type.
    pub fieldsets: &'static [(&'static str, &'static [&'static str])],
}

/// A parsed query string.
#[derive(Debug, Default, Clone)]
pub struct Query {
    /// `fields[TYPE]` → the names asked for; a type without an entry shows every field.
    pub fields: HashMap<String, Vec<String>>,
    pub include: Vec<String>,
    /// `(field, descending)` pairs, most significant first.
    pub sort: Vec<(String, bool)>,
    pub page_number: usize,
    pub page_size: usize,
    /// `filter[NAME]` → accepted values (a comma-separated list matches any).
    pub filters: Vec<(String, Vec<String>)>,
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Query {
    /// Reads the query of one call, refusing every parameter the operation does not support
    /// (JSON:API answers 400 for an unknown parameter, include path, sort field or fieldset).
    pub fn parse(query: &Pairs, spec: &QuerySpec) -> Result<Query, OperatorError> {
        let mut q = Query {
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
            ..Query::default()
        };
        let mut issues = Vec::new();
        for (name, value) in &query.0 {
            if !spec.returns_document {
                issues.push(QueryIssue::new(
                    name,
                    "param_not_allowed",
                    "Param not allowed",
                    format!("{name} does not apply: this request answers no document"),
                ));
            } else if let Some(ty) = bracketed(name, "fields") {
                match spec.fieldsets.iter().find(|(t, _)| *t == ty) {
                    Some((_, known)) => {
                        let names = split_list(value);
                        for n in &names {
                            if !known.contains(&n.as_str()) {
                                issues.push(QueryIssue::new(
                                    name,
                                    "invalid_field",
                                    "Invalid field",
                                    format!(
                                        "{n} is not a field of {ty}; known: {}",
                                        known.join(", ")
                                    ),
                                ));
                            }
                        }
                        q.fields.insert(ty.to_string(), names);
                    }
                    None => issues.push(QueryIssue::new(
                        name,
                        "invalid_resource_type",
                        "Invalid resource type",
                        format!(
                            "{ty} is not a resource type of this request; fieldsets: {}",
                            spec.fieldsets
                                .iter()
                                .map(|(t, _)| format!("fields[{t}]"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            } else if let Some(filter) = bracketed(name, "filter") {
                if spec.filters.contains(&filter) {
                    q.filters.push((filter.to_string(), split_list(value)));
                } else {
                    issues.push(QueryIssue::new(
                        name,
                        "filter_not_allowed",
                        "Filter not allowed",
                        if spec.filters.is_empty() {
                            "this request supports no filters".to_string()
                        } else {
                            format!(
                                "{filter} is not a filter of {}; filters: {}",
                                spec.primary,
                                spec.filters.join(", ")
                            )
                        },
                    ));
                }
            } else if name == "include" {
                for path in split_list(value) {
                    if spec.includes.contains(&path.as_str()) {
                        if !q.include.contains(&path) {
                            q.include.push(path);
                        }
                    } else {
                        issues.push(QueryIssue::new(
                            name,
                            "invalid_include",
                            "Unsupported include",
                            if spec.includes.is_empty() {
                                format!(
                                    "{} have no relationships to include; got {path}",
                                    spec.primary
                                )
                            } else {
                                format!(
                                    "{path} is not a relationship of {}; includable: {}",
                                    spec.primary,
                                    spec.includes.join(", ")
                                )
                            },
                        ));
                    }
                }
            } else if name == "sort" && spec.collection {
                for key in split_list(value) {
                    let (field, desc) = match key.strip_prefix('-') {
                        Some(f) => (f.to_string(), true),
                        None => (key.clone(), false),
                    };
                    if spec.sortable.contains(&field.as_str()) {
                        q.sort.push((field, desc));
                    } else {
                        issues.push(QueryIssue::new(
                            name,
                            "invalid_sort_criteria",
                            "Unsupported sort",
                            format!(
                                "{field} is not a sortable field of {}; sortable: {}",
                                spec.primary,
                                spec.sortable.join(", ")
                            ),
                        ));
                    }
                }
            } else if (name == "page[number]" || name == "page[size]") && spec.collection {
                // The contract has already checked both are integers in range.
                let n: usize = value.parse().unwrap_or(1);
                if name == "page[number]" {
                    q.page_number = n.max(1);
                } else {
                    q.page_size = n.max(1);
                }
            } else {
                issues.push(QueryIssue::new(
                    name,
                    "param_not_allowed",
                    "Param not allowed",
                    format!("{name} is not a query parameter of this request"),
                ));
            }
        }
        if issues.is_empty() {
            Ok(q)
        } else {
            Err(OperatorError::BadQuery(issues))
        }
    }

    /// Whether `field` of `ty` is shown: every field unless a fieldset names some.
    fn shows(&self, ty: &str, field: &str) -> bool {
        self.fields
            .get(ty)
            .is_none_or(|names| names.iter().any(|n| n == field))
    }

    /// Whether a relationship is written: when the client names it in its fieldset, or, without
    /// a fieldset, when it includes it. The vendor's documents show no relationships otherwise,
    /// and full linkage requires them whenever `included` holds their targets.
    fn shows_relationship(&self, ty: &str, name: &str) -> bool {
        match self.fields.get(ty) {
            Some(names) => names.iter().any(|n| n == name),
            None => self.include.iter().any(|i| i == name),
        }
    }

    pub fn includes(&self, path: &str) -> bool {
        self.include.iter().any(|i| i == path)
    }
}

/// `fields[TYPE]` → `TYPE` (when `name` is `prefix[...]`).
fn bracketed<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)?
        .strip_prefix('[')?
        .strip_suffix(']')
}

/// Compares ids the way a database would order them: numeric ids numerically, others as text.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// Orders two attribute values; nulls sort last ascending (and first descending), as
/// PostgreSQL does by default.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Filters, sorts and pages a collection; answers the number of matches and the page.
pub fn select<'a, R: Resource>(items: &'a [R], q: &Query) -> (usize, Vec<&'a R>) {
    let mut hits: Vec<&R> = items
        .iter()
        .filter(|r| {
            q.filters
                .iter()
                .all(|(name, values)| r.filter_key(name).is_some_and(|key| values.contains(&key)))
        })
        .collect();
    hits.sort_by(|a, b| {
        for (field, desc) in &q.sort {
            let ord = if field == "id" {
                compare_ids(a.id(), b.id())
            } else {
                compare_values(&a.attribute(field), &b.attribute(field))
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        // Without a sort (and among equals) the vendor's lists come ordered by id.
        compare_ids(a.id(), b.id())
    });
    let total = hits.len();
    let page = hits
        .into_iter()
        .skip((q.page_number - 1).saturating_mul(q.page_size))
        .take(q.page_size)
        .collect();
    (total, page)
}

/// Writes documents for one call: knows the public base URL and the parsed query.
pub struct Writer<'a> {
    base: String,
    query: &'a Query,
}

impl<'a> Writer<'a> {
    /// The base URL links start with: the `operator.base_url` setting, else the request's own
    /// scheme and host (so a client following a link reaches the fake again).
    pub fn new(call: &Call<'_>, query: &'a Query) -> Self {
        let base = match call
            .settings
            .get("operator.base_url")
            .and_then(Value::as_str)
        {
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
                    json!({ "data": { "type": ty, "id": id } }),
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

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: QuerySpec = QuerySpec {
        primary: "things",
        filters: &["id"],
        collection: true,
        returns_document: true,
        sortable: &["id", "name"],
        includes: &["owner"],
        fieldsets: &[("things", &["name", "owner"]), ("owners", &["name"])],
    };

    fn parse(q: &str) -> Result<Query, OperatorError> {
        Query::parse(&Pairs::parse_query(q), &SPEC)
    }

    #[test]
    fn reads_every_supported_parameter() {
        let q = parse("sort=-name,id&page%5Bnumber%5D=2&page[size]=5&include=owner&fields[things]=name&filter[id]=a,b").unwrap();
        assert_eq!(q.sort, vec![("name".into(), true), ("id".into(), false)]);
        assert_eq!((q.page_number, q.page_size), (2, 5));
        assert_eq!(q.include, vec!["owner".to_string()]);
        assert_eq!(
            q.filters,
            vec![("id".to_string(), vec!["a".to_string(), "b".to_string()])]
        );
        assert!(q.shows("things", "name") && !q.shows("things", "colour"));
        assert!(q.shows("owners", "anything"));
    }

    #[test]
    fn refuses_unknown_parameters_fields_sorts_and_includes_at_once() {
        let Err(OperatorError::BadQuery(issues)) = parse(
            "colour=red&sort=weight&include=owner.boss&fields[things]=size&fields[cars]=x&filter[name]=a",
        ) else {
            panic!("expected a bad query");
        };
        let params: Vec<&str> = issues.iter().map(|i| i.parameter.as_str()).collect();
        assert_eq!(
            params,
            vec![
                "colour",
                "sort",
                "include",
                "fields[things]",
                "fields[cars]",
                "filter[name]"
            ]
        );
    }

    #[test]
    fn numeric_ids_sort_numerically() {
        assert_eq!(compare_ids("9", "123"), Ordering::Less);
        assert_eq!(compare_ids("abc", "abd"), Ordering::Less);
    }
}
