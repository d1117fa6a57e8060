//! Reading a JSON:API query string: `fields[TYPE]`, `include`, `sort`, `page[number]`,
//! `page[size]` and `filter[NAME]`, refusing what the operation does not support.

use std::collections::HashMap;

use super::DEFAULT_PAGE_SIZE;
use crate::apis::operator::errors::{OperatorError, QueryIssue};
use crate::engine::call::Pairs;

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
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in &query.0 {
            // A repeated parameter has no JSON:API meaning (lists are comma-separated);
            // taking the first or the last would silently drop what the client meant.
            if seen.contains(&name.as_str()) {
                if !issues
                    .iter()
                    .any(|i: &QueryIssue| i.code == "repeated_param" && i.parameter == *name)
                {
                    issues.push(QueryIssue::new(
                        name,
                        "repeated_param",
                        "Repeated parameter",
                        format!("{name} is given more than once; send it once, with a comma-separated list"),
                    ));
                }
                continue;
            }
            seen.push(name);
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
    pub(super) fn shows(&self, ty: &str, field: &str) -> bool {
        self.fields
            .get(ty)
            .is_none_or(|names| names.iter().any(|n| n == field))
    }

    /// Whether a relationship is written: when the client names it in its fieldset, or, without
    /// a fieldset, when it includes it. The vendor's documents show no relationships otherwise,
    /// and full linkage requires them whenever `included` holds their targets.
    pub(super) fn shows_relationship(&self, ty: &str, name: &str) -> bool {
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
}
