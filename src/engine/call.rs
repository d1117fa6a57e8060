//! The request as a handler sees it: the path and query parameters the contract declared,
//! already converted to their types and validated; the parsed JSON body; the session's virtual
//! time, its id generator and the family's typed settings.
//!
//! Handlers never re-parse parameter text. A handler asking for a parameter under a type its
//! contract does not declare is a programming error: the accessor panics, the family's slot
//! turns the panic into a 500, and the tests (which check every answer against the contract)
//! fail loudly instead of a default being used silently.

use hyper::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ids::IdGen;
use super::problem::{Problem, Violation};

/// Decoded `name=value` pairs, in the order they were given: the raw query text, kept for the
/// journal, fault matching and families with a query grammar of their own (JSON:API's
/// `filter[...]`, `fields[TYPE]`, `page[number]`).
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (a repeated query parameter).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Parses a query string (`a=1&b=x%20y`), decoding percent escapes and `+`.
    pub fn parse_query(query: &str) -> Self {
        let pairs = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_component(k), decode_component(v))
            })
            .collect();
        Pairs(pairs)
    }
}

/// Decodes one URL component: `+` is a space (forms), `%XX` a byte; bad escapes stay as they are.
pub fn decode_component(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The path and query parameters of one request, as the contract declares them: converted to
/// their JSON types, validated, with the schema's `default` filled in when a query parameter
/// is absent.
/// Every declared query parameter has an entry, `None` when the request left it out and its
/// schema has no default, so "absent" and "not declared" stay apart.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Names are the contract's own (shared, not copied per request).
    path: Vec<(std::sync::Arc<str>, Value)>,
    query: Vec<(std::sync::Arc<str>, Option<Value>)>,
}

impl Params {
    /// Room for `path` and `query` parameters, so reading them never regrows the lists.
    pub fn with_capacity(path: usize, query: usize) -> Self {
        Params {
            path: Vec::with_capacity(path),
            query: Vec::with_capacity(query),
        }
    }

    pub fn push_path(&mut self, name: &std::sync::Arc<str>, value: Value) {
        self.path.push((name.clone(), value));
    }

    pub fn push_query(&mut self, name: &std::sync::Arc<str>, value: Option<Value>) {
        self.query.push((name.clone(), value));
    }

    pub fn path_value(&self, name: &str) -> Option<&Value> {
        self.path.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }

    /// A string path parameter (the router guarantees it exists).
    #[track_caller]
    pub fn path_str(&self, name: &str) -> &str {
        match self.path_value(name) {
            Some(Value::String(s)) => s,
            other => undeclared("path", name, "a string", other),
        }
    }

    /// An integer path parameter.
    #[track_caller]
    pub fn path_int(&self, name: &str) -> i64 {
        match self.path_value(name) {
            Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or_default(),
            other => undeclared("path", name, "an integer", other),
        }
    }

    /// `None`: not declared; `Some(None)`: declared and absent.
    pub fn query_value(&self, name: &str) -> Option<Option<&Value>> {
        self.query
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// Panics with a message naming the mismatch between a handler and its contract.
#[track_caller]
fn undeclared(kind: &str, name: &str, want: &str, got: Option<&Value>) -> ! {
    match got {
        None => panic!("{kind} parameter {name} is not declared in the contract"),
        Some(v) => panic!("{kind} parameter {name} is declared as {v:?}, read as {want}"),
    }
}

/// Everything a handler may read about the request, plus the session's clock, ids and the
/// family's settings (`S`, the family's own typed settings struct).
pub struct Call<'a, S = ()> {
    pub operation_id: &'a str,
    pub method: &'a Method,
    /// The request path, not decoded (`/api/providers/abc`).
    pub path: &'a str,
    /// The declared parameters, typed and validated.
    pub params: &'a Params,
    /// The raw query pairs, for query grammars the contract cannot declare one by one.
    pub raw_query: &'a Pairs,
    pub headers: &'a HeaderMap,
    /// The parsed JSON body, validated against the operation's schema; `Value::Null` when the
    /// request had none.
    pub body: &'a Value,
    /// The session's virtual time in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// The family's users and the session's token book (sign-in handlers only use it).
    pub auth: Option<&'a super::auth::AuthDesk<'a>>,
    /// The family's seeded generator for this session.
    pub ids: &'a mut IdGen,
    pub settings: &'a S,
}

impl<S> Call<'_, S> {
    /// A string path parameter (the router guarantees it exists).
    #[track_caller]
    pub fn param(&self, name: &str) -> &str {
        self.params.path_str(name)
    }

    /// An integer path parameter.
    #[track_caller]
    pub fn param_int(&self, name: &str) -> i64 {
        self.params.path_int(name)
    }

    /// A string query parameter, if given (or defaulted by its schema).
    #[track_caller]
    pub fn query_str(&self, name: &str) -> Option<&str> {
        match self.params.query_value(name) {
            Some(Some(Value::String(s))) => Some(s),
            Some(None) => None,
            other => undeclared("query", name, "a string", other.flatten()),
        }
    }

    /// A boolean query parameter (`true`, `1` or a bare `?name` read as true).
    #[track_caller]
    pub fn query_bool(&self, name: &str) -> Option<bool> {
        match self.params.query_value(name) {
            Some(Some(Value::Bool(b))) => Some(*b),
            Some(None) => None,
            other => undeclared("query", name, "a boolean", other.flatten()),
        }
    }

    /// An integer query parameter, within the range its schema allows.
    #[track_caller]
    pub fn query_int(&self, name: &str) -> Option<i64> {
        match self.params.query_value(name) {
            Some(Some(Value::Number(n))) if n.is_i64() => n.as_i64(),
            Some(None) => None,
            other => undeclared("query", name, "an integer", other.flatten()),
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as a JSON object; an empty one when the request had no body (the contract
    /// has already checked that a body which is there is an object).
    pub fn body_object(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.body
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    /// The body read as a typed request (`T::default()` when there was none). A value the
    /// schema lets through but the type cannot hold is a validation problem at its pointer.
    pub fn body_as<T: DeserializeOwned + Default>(&self) -> Result<T, Problem> {
        if self.body.is_null() {
            return Ok(T::default());
        }
        serde_path_to_error::deserialize(self.body).map_err(|e| {
            let pointer = super::family::pointer_of(&e.path().to_string());
            Problem::validation(vec![Violation::body(pointer, e.inner().to_string())])
        })
    }
}
