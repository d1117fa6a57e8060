//! Compiles one OpenAPI document: every operation with its parameters, body and responses,
//! each distinct schema compiled once, every problem reported as `file#pointer`.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::Method;
use jsonschema::{Registry, Validator};
use serde_json::Value;

use super::operation::{Operation, ParamType, Parameter, RequestBody, ResponseSpec};
use super::{ContractProblem, escape};
use crate::engine::problem::Location;

pub(super) struct Compiler<'a, 'doc> {
    pub(super) family: &'a str,
    pub(super) file: &'a str,
    pub(super) uri: &'a str,
    pub(super) doc: &'doc Value,
    pub(super) registry: &'a Registry<'a>,
    pub(super) problems: &'a mut Vec<ContractProblem>,
    /// Validators by schema text: most responses share a few error and resource schemas, and
    /// compiling each once keeps start-up fast. Local refs are document-absolute, so the same
    /// text means the same schema wherever it stands.
    pub(super) cache: std::collections::HashMap<String, Arc<Validator>>,
}

impl<'doc> Compiler<'_, 'doc> {
    pub(super) fn problem(&mut self, pointer: &str, message: &str) {
        self.problems.push(ContractProblem {
            file: self.file.to_string(),
            pointer: pointer.to_string(),
            message: message.to_string(),
        });
    }

    /// Compiles the schema found at `pointer` in the document.
    fn validator(&mut self, pointer: &str) -> Option<Arc<Validator>> {
        let key = self.doc.pointer(pointer).map(Value::to_string);
        if let Some(v) = key.as_ref().and_then(|k| self.cache.get(k)) {
            return Some(v.clone());
        }
        let v = Arc::new(self.compile(pointer)?);
        if let Some(k) = key {
            self.cache.insert(k, v.clone());
        }
        Some(v)
    }

    fn compile(&mut self, pointer: &str) -> Option<Validator> {
        // A JSON pointer may hold `{`, `}` or spaces, which a URI fragment must escape.
        const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
            .add(b' ')
            .add(b'"')
            .add(b'<')
            .add(b'>')
            .add(b'`')
            .add(b'{')
            .add(b'}')
            .add(b'|')
            .add(b'\\')
            .add(b'^')
            .add(b'%')
            .add(b'[')
            .add(b']');
        let fragment = percent_encoding::utf8_percent_encode(pointer, FRAGMENT);
        let schema = serde_json::json!({ "$ref": format!("{}#{fragment}", self.uri) });
        match jsonschema::options()
            .with_registry(self.registry)
            .should_validate_formats(true)
            .build(&schema)
        {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(pointer, &format!("schema does not compile: {e}"));
                None
            }
        }
    }

    /// Follows a local `$ref` (`#/components/parameters/Id`) to its target and pointer.
    fn deref<'v>(&mut self, value: &'v Value, pointer: String) -> Option<(&'v Value, String)>
    where
        'doc: 'v,
    {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(target) => Some((target, r[1..].to_string())),
                None => {
                    self.problem(&pointer, &format!("unresolvable $ref {r}"));
                    None
                }
            },
            None => Some((value, pointer)),
        }
    }

    pub(super) fn operation(
        &mut self,
        path: &str,
        method: &str,
        item: &Value,
        op: &Value,
        pointer: &str,
    ) -> Option<Operation> {
        let Some(operation_id) = op.get("operationId").and_then(Value::as_str) else {
            self.problem(pointer, "operation has no operationId");
            return None;
        };
        let mut parameters = Vec::new();
        let shared = item.get("parameters").and_then(Value::as_array);
        let own = op.get("parameters").and_then(Value::as_array);
        let shared_ptr = format!("/paths/{}/parameters", escape(path));
        let own_ptr = format!("{pointer}/parameters");
        let all = shared
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (p, format!("{shared_ptr}/{i}")))
            .chain(
                own.into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{own_ptr}/{i}"))),
            );
        for (p, ptr) in all {
            let Some((p, ptr)) = self.deref(p, ptr) else {
                continue;
            };
            if let Some(param) = self.parameter(p, &ptr) {
                // An operation's own parameter overrides a path-level one of the same name.
                parameters
                    .retain(|q: &Parameter| q.name != param.name || q.location != param.location);
                parameters.push(param);
            }
        }
        for seg in path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                && !parameters
                    .iter()
                    .any(|p| p.location == Location::Path && &*p.name == name)
            {
                self.problem(pointer, &format!("path parameter {name} is not declared"));
            }
        }
        let body = match op.get("requestBody") {
            Some(b) => {
                let (b, ptr) = self.deref(b, format!("{pointer}/requestBody"))?;
                let content = b.get("content").and_then(Value::as_object);
                let media_types: Vec<String> = content
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                let validator = media_types.first().and_then(|mt| {
                    let sp = format!("{ptr}/content/{}/schema", escape(mt));
                    self.doc
                        .pointer(&sp)
                        .is_some()
                        .then(|| self.validator(&sp))
                        .flatten()
                });
                Some(RequestBody {
                    required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
                    media_types,
                    validator,
                })
            }
            None => None,
        };
        let mut responses = BTreeMap::new();
        match op.get("responses").and_then(Value::as_object) {
            Some(rs) if !rs.is_empty() => {
                for (status, r) in rs {
                    let Some((r, rptr)) = self.deref(r, format!("{pointer}/responses/{status}"))
                    else {
                        continue;
                    };
                    let content = r.get("content").and_then(Value::as_object);
                    let media_type = content.and_then(|c| c.keys().next().cloned());
                    let validator = media_type.as_ref().and_then(|mt| {
                        let sp = format!("{rptr}/content/{}/schema", escape(mt));
                        self.doc
                            .pointer(&sp)
                            .is_some()
                            .then(|| self.validator(&sp))
                            .flatten()
                    });
                    responses.insert(
                        status.clone(),
                        ResponseSpec {
                            media_type,
                            validator,
                        },
                    );
                }
            }
            _ => self.problem(pointer, "operation documents no responses"),
        }
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).ok()?;
        let removes = method == Method::DELETE || is_destroy_action(path);
        Some(Operation {
            family: self.family.to_string(),
            operation_id: operation_id.into(),
            method,
            path: path.to_string(),
            resource_type: resource_type(path).into(),
            removes,
            summary: op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            parameters,
            body,
            responses,
        })
    }

    fn parameter(&mut self, p: &Value, ptr: &str) -> Option<Parameter> {
        let name = p.get("name").and_then(Value::as_str);
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some("cookie") => return None,
            _ => {
                self.problem(ptr, "parameter needs \"in\": path, query, header or cookie");
                return None;
            }
        };
        let Some(name) = name else {
            self.problem(ptr, "parameter has no name");
            return None;
        };
        let schema_ptr = format!("{ptr}/schema");
        let Some(schema) = self.doc.pointer(&schema_ptr) else {
            self.problem(ptr, "parameter has no schema");
            return None;
        };
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or(schema),
            None => schema,
        };
        let kind = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            // `["integer", "null"]`: the first non-null type.
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string"),
            _ => "string",
        };
        let kind = match kind {
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "array" => ParamType::Array,
            _ => ParamType::String,
        };
        let validator = self.validator(&schema_ptr)?;
        Some(Parameter {
            name: name.into(),
            required: location == Location::Path
                || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            location,
            kind,
            default: schema.get("default").cloned(),
            validator,
        })
    }
}

/// Whether a path template is a destroy action on one resource: pbx deletes a provider with
/// `POST /api/providers/{id}/destroy`.
fn is_destroy_action(path: &str) -> bool {
    path.ends_with("}/destroy")
}

/// The last literal segment of a path template, `resource` when it has none; for a destroy
/// action, the collection it removes from (`providers`).
fn resource_type(path: &str) -> &str {
    let path = match path.strip_suffix("/destroy") {
        Some(target) if is_destroy_action(path) => target,
        _ => path,
    };
    path.split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .unwrap_or("resource")
}

#[cfg(test)]
mod tests {
    use super::{is_destroy_action, resource_type};

    #[test]
    fn resource_type_is_the_last_literal_segment() {
        assert_eq!(resource_type("/a/trunk_groups/{id}"), "trunk_groups");
        assert_eq!(resource_type("/a/trunk_groups/{id}/suspend"), "suspend");
        assert_eq!(resource_type("/{id}"), "resource");
        assert_eq!(resource_type("/api/providers/{id}/destroy"), "providers");
        assert_eq!(resource_type("/a/destroy"), "destroy");
        assert!(is_destroy_action("/api/providers/{id}/destroy"));
        assert!(!is_destroy_action("/a/destroy"));
    }
}
