//! Loads `contracts/*.openapi.json`, compiles every schema once, and validates requests (and,
//! for the tests, responses) against them. The route table is built from the same documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::Method;
use jsonschema::{Registry, Validator};
use serde_json::Value;

use super::call::Pairs;
use super::problem::{Location, Violation};
use super::router::RouteTable;

/// One problem found in a contract: file, JSON pointer, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractProblem {
    pub file: String,
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for ContractProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}: {}", self.file, self.pointer, self.message)
    }
}

/// The JSON type a parameter's text is read as before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
}

pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    kind: ParamType,
    validator: Arc<Validator>,
}

pub struct RequestBody {
    pub required: bool,
    /// The accepted media types (`application/json`, `application/vnd.api+json`).
    pub media_types: Vec<String>,
    validator: Option<Arc<Validator>>,
}

pub struct ResponseSpec {
    /// The media type of a body, `None` for an empty answer (204).
    pub media_type: Option<String>,
    validator: Option<Arc<Validator>>,
}

/// One operation of one contract.
pub struct Operation {
    pub family: String,
    pub operation_id: String,
    pub method: Method,
    pub path: String,
    pub summary: String,
    pub parameters: Vec<Parameter>,
    pub body: Option<RequestBody>,
    /// Keyed by status (`"200"`), range (`"4XX"`) or `"default"`.
    pub responses: BTreeMap<String, ResponseSpec>,
}

impl Operation {
    /// The documented statuses (numbers only; `default` and ranges left out).
    pub fn documented_statuses(&self) -> Vec<u16> {
        self.responses
            .keys()
            .filter_map(|k| k.parse().ok())
            .collect()
    }

    fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.responses
            .get(&status.to_string())
            .or_else(|| self.responses.get(&format!("{}XX", status / 100)))
            .or_else(|| self.responses.get("default"))
    }

    /// Validates path and query parameters; returns every violation.
    pub fn validate_params(&self, path: &Pairs, query: &Pairs) -> Vec<Violation> {
        let mut out = Vec::new();
        for p in &self.parameters {
            let raw: Vec<&str> = match p.location {
                Location::Path => path.get(&p.name).into_iter().collect(),
                Location::Query => query.get_all(&p.name).collect(),
                _ => continue,
            };
            let violation = |m: String| match p.location {
                Location::Path => Violation::path(&p.name, m),
                _ => Violation::query(&p.name, m),
            };
            if raw.is_empty() {
                if p.required {
                    out.push(violation("is required".into()));
                }
                continue;
            }
            let value = match coerce(p.kind, &raw) {
                Ok(v) => v,
                Err(m) => {
                    out.push(violation(m));
                    continue;
                }
            };
            if let Some(err) = p.validator.iter_errors(&value).next() {
                out.push(violation(err.to_string()));
            }
        }
        out
    }

    /// Validates a parsed request body; violations carry JSON pointers.
    pub fn validate_body(&self, body: &Value) -> Vec<Violation> {
        let Some(v) = self.body.as_ref().and_then(|b| b.validator.as_ref()) else {
            return Vec::new();
        };
        v.iter_errors(body)
            .take(20)
            .map(|e| {
                let mut pointer = e.instance_path().to_string();
                // A missing property is reported at its parent; name the property itself.
                if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                    pointer.push('/');
                    pointer.push_str(property.as_str().unwrap_or_default());
                    return Violation::body(pointer, "is required");
                }
                Violation::body(pointer, e.to_string())
            })
            .collect()
    }

    /// Checks a response against the contract: the status is documented, an empty body is
    /// documented as empty, and a JSON body matches its schema.
    pub fn validate_response(&self, status: u16, body: &[u8]) -> Result<(), String> {
        let Some(spec) = self.response(status) else {
            return Err(format!(
                "{} answered {status}, which the contract does not document (documented: {:?})",
                self.operation_id,
                self.responses.keys().collect::<Vec<_>>()
            ));
        };
        match (&spec.media_type, body.is_empty()) {
            (None, true) => Ok(()),
            (None, false) => Err(format!(
                "{} {status}: the contract documents no body, got {} bytes",
                self.operation_id,
                body.len()
            )),
            (Some(_), true) => Err(format!(
                "{} {status}: the contract documents a body, got none",
                self.operation_id
            )),
            (Some(mt), false) => {
                let Some(validator) = &spec.validator else {
                    return Ok(());
                };
                if !mt.contains("json") {
                    return Ok(());
                }
                let value: Value = serde_json::from_slice(body).map_err(|e| {
                    format!("{} {status}: body is not JSON: {e}", self.operation_id)
                })?;
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .take(10)
                    .map(|e| format!("{}: {e}", e.instance_path()))
                    .collect();
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{} {status}: body does not match the contract: {}\nbody: {value}",
                        self.operation_id,
                        errors.join("; ")
                    ))
                }
            }
        }
    }
}

/// Reads parameter text as the JSON type its schema expects.
fn coerce(kind: ParamType, raw: &[&str]) -> Result<Value, String> {
    let one = raw[0];
    match kind {
        ParamType::String => Ok(Value::String(one.to_string())),
        ParamType::Integer => one
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("must be an integer, got '{one}'")),
        ParamType::Number => one
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("must be a number, got '{one}'")),
        ParamType::Boolean => match one {
            "true" | "1" | "" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("must be true or false, got '{one}'")),
        },
        ParamType::Array => Ok(Value::Array(
            raw.iter()
                .flat_map(|r| r.split(','))
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )),
    }
}

/// Every contract, compiled.
pub struct Contracts {
    pub operations: Vec<Operation>,
    pub routes: RouteTable,
    /// The raw documents by family, for `GET /__admin/routes` and the tests.
    pub documents: BTreeMap<String, Value>,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

impl Contracts {
    /// Loads every `*.openapi.json` in `dir`. The file stem names the family.
    pub fn load_dir(dir: &Path) -> Result<Self, Vec<ContractProblem>> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".openapi.json"))
                })
                .collect(),
            Err(e) => {
                return Err(vec![ContractProblem {
                    file: dir.display().to_string(),
                    pointer: String::new(),
                    message: format!("cannot read the contracts folder: {e}"),
                }]);
            }
        };
        files.sort();
        let mut docs = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            let name = file.display().to_string();
            let family = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".openapi.json"))
                .unwrap_or_default()
                .to_string();
            match std::fs::read(&file)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string()))
            {
                Ok(doc) => docs.push((family, name, doc)),
                Err(e) => problems.push(ContractProblem {
                    file: name,
                    pointer: String::new(),
                    message: format!("not a JSON document: {e}"),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Self::from_documents(docs)
    }

    /// Compiles `(family, file name, document)` triples.
    pub fn from_documents(
        docs: Vec<(String, String, Value)>,
    ) -> Result<Self, Vec<ContractProblem>> {
        let mut problems = Vec::new();
        let mut operations = Vec::new();
        let mut routes = RouteTable::default();
        let mut documents = BTreeMap::new();
        for (family, file, doc) in docs {
            let uri = format!("https://trunkmock.invalid/contracts/{family}.json");
            let registry = match Registry::new()
                .add(&uri, doc.clone())
                .and_then(|b| b.prepare())
            {
                Ok(r) => r,
                Err(e) => {
                    problems.push(ContractProblem {
                        file,
                        pointer: String::new(),
                        message: format!("cannot register the document: {e}"),
                    });
                    continue;
                }
            };
            let mut cx = Compiler {
                family: &family,
                file: &file,
                uri: &uri,
                doc: &doc,
                registry: &registry,
                problems: &mut problems,
                cache: std::collections::HashMap::new(),
            };
            if doc
                .get("openapi")
                .and_then(Value::as_str)
                .is_none_or(|v| !v.starts_with("3.1"))
            {
                cx.problem(
                    "/openapi",
                    "must be an OpenAPI 3.1 document (\"openapi\": \"3.1.x\")",
                );
            }
            let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
                cx.problem("/paths", "the document has no paths");
                continue;
            };
            for (path, item) in paths {
                for method in METHODS {
                    let Some(op) = item.get(method) else { continue };
                    let pointer = format!("/paths/{}/{method}", escape(path));
                    if let Some(compiled) = cx.operation(path, method, item, op, &pointer) {
                        let index = operations.len();
                        if let Err(prev) = routes.insert(compiled.method.clone(), path, index) {
                            let prev: &Operation = &operations[prev];
                            cx.problem(
                                &pointer,
                                &format!("same method and path shape as {}", prev.operation_id),
                            );
                        }
                        operations.push(compiled);
                    }
                }
            }
            documents.insert(family.clone(), doc);
        }
        let mut seen = std::collections::HashMap::new();
        for op in &operations {
            if let Some(prev) = seen.insert(op.operation_id.clone(), &op.family) {
                problems.push(ContractProblem {
                    file: format!("contracts/{}.openapi.json", op.family),
                    pointer: format!("/paths/{}", escape(&op.path)),
                    message: format!(
                        "operationId {} is also used in the {prev} contract",
                        op.operation_id
                    ),
                });
            }
        }
        if problems.is_empty() {
            Ok(Self {
                operations,
                routes,
                documents,
            })
        } else {
            Err(problems)
        }
    }

    /// The operation for `method path`, if any (the tests use it to validate responses).
    pub fn operation_for(&self, method: &Method, path: &str) -> Option<&Operation> {
        match self.routes.lookup(method, path) {
            super::router::RouteLookup::Found { route, .. } => {
                Some(&self.operations[route.operation])
            }
            _ => None,
        }
    }
}

struct Compiler<'a, 'doc> {
    family: &'a str,
    file: &'a str,
    uri: &'a str,
    doc: &'doc Value,
    registry: &'a Registry<'a>,
    problems: &'a mut Vec<ContractProblem>,
    /// Validators by schema text: most responses share a few error and resource schemas, and
    /// compiling each once keeps start-up fast. Local refs are document-absolute, so the same
    /// text means the same schema wherever it stands.
    cache: std::collections::HashMap<String, Arc<Validator>>,
}

impl<'doc> Compiler<'_, 'doc> {
    fn problem(&mut self, pointer: &str, message: &str) {
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

    fn operation(
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
                    .any(|p| p.location == Location::Path && p.name == name)
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
        Some(Operation {
            family: self.family.to_string(),
            operation_id: operation_id.to_string(),
            method,
            path: path.to_string(),
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
            name: name.to_string(),
            required: location == Location::Path
                || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            location,
            kind,
            validator,
        })
    }
}
