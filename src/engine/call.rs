//! The request as a handler sees it: decoded path parameters, query pairs, headers, the parsed
//! JSON body, the session's virtual time, its id generator and its settings.

use hyper::{HeaderMap, Method};
use serde_json::Value;

use super::ids::IdGen;
use super::settings::Settings;

/// Decoded `name=value` pairs, in the order they were given (path or query).
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

/// Everything a handler may read about the request, plus the session's clock, ids and settings.
pub struct Call<'a> {
    pub operation_id: &'a str,
    pub method: &'a Method,
    /// The request path, not decoded (`/api/providers/abc`).
    pub path: &'a str,
    pub params: &'a Pairs,
    pub query: &'a Pairs,
    pub headers: &'a HeaderMap,
    /// The parsed JSON body; `Value::Null` when the request had none.
    pub body: &'a Value,
    /// The session's virtual time in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// The family's seeded generator for this session.
    pub ids: &'a mut IdGen,
    pub settings: &'a Settings,
}

impl Call<'_> {
    /// A path parameter that the router guarantees to exist.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
