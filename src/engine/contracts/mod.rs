//! Loads `contracts/*.openapi.json`, compiles every schema once, and validates requests (and,
//! for the tests, responses) against them. The route table is built from the same documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hyper::Method;
use jsonschema::Registry;
use serde_json::Value;

use super::router::RouteTable;

mod compile;
mod operation;

use compile::Compiler;
pub use operation::{Operation, Parameter, RequestBody, ResponseSpec, UNDOCUMENTED};

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

/// Every contract, compiled.
pub struct Contracts {
    pub operations: Vec<Operation>,
    pub routes: RouteTable,
    /// The raw documents by family, for `GET /__admin/routes` and the tests.
    pub documents: BTreeMap<String, Value>,
}

pub(super) fn escape(segment: &str) -> String {
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
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        // The admin API's contract sits beside the families' but
                        // describes no family.
                        n.ends_with(".openapi.json") && n != crate::embedded::ADMIN_CONTRACT_FILE
                    })
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
