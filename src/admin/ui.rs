//! `/__admin/ui`: the dashboard, one page of plain HTML, CSS and JavaScript compiled into the
//! binary (no build step, no CDN). The page only calls the admin API; what it needs beyond
//! that comes as compiled-in assets (`examples.json`: the example scenarios and fault-rule
//! templates).
//!
//! A browser cannot send `Authorization: Bearer` when it navigates, so with `--admin-token`
//! the admin API also accepts the cookie [`COOKIE`]; `GET /__admin/ui?token=T` with the right
//! token sets it (HttpOnly, SameSite=Strict, Path=/__admin) and redirects to the page.

use std::sync::OnceLock;

use hyper::header::{CACHE_CONTROL, COOKIE as COOKIE_HEADER, LOCATION, SET_COOKIE};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engine::Engine;
use crate::engine::call::Pairs;
use crate::engine::reply::Reply;

/// The cookie that carries the admin token for the page and its calls.
pub const COOKIE: &str = "trunkmock_admin";

const INDEX: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const APP_CSS: &str = include_str!("ui/app.css");
const FAULT_TEMPLATES: &str = include_str!("ui/fault-templates.json");

/// The example scenarios offered one click away: `(file name, text)`. `tests/ui.rs` keeps
/// this list equal to the files in `scenarios/examples/`.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "fusion-bulk-rejected.json",
        include_str!("../../scenarios/examples/fusion-bulk-rejected.json"),
    ),
    (
        "operator-500-twice.json",
        include_str!("../../scenarios/examples/operator-500-twice.json"),
    ),
    (
        "pbx-create-answer-lost.json",
        include_str!("../../scenarios/examples/pbx-create-answer-lost.json"),
    ),
    (
        "pbx-flaky.json",
        include_str!("../../scenarios/examples/pbx-flaky.json"),
    ),
    (
        "slow-network.json",
        include_str!("../../scenarios/examples/slow-network.json"),
    ),
    (
        "strict-auth.json",
        include_str!("../../scenarios/examples/strict-auth.json"),
    ),
];

/// The page's security headers: only its own scripts and styles, never framed.
const CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/// Answers the page and its assets; `None` for any other admin path (then the admin API's own
/// token check and dispatch apply).
pub fn answer(engine: &Engine, parts: &Parts, path: &str) -> Option<Reply> {
    let rest = path.strip_prefix("/__admin/ui")?;
    let asset = match rest {
        "" | "/" => None,
        r => Some(r.strip_prefix('/')?),
    };
    if parts.method != Method::GET && parts.method != Method::HEAD {
        return None;
    }
    if let Some(token) = &engine.config.admin_token {
        let query = Pairs::parse_query(parts.uri.query().unwrap_or(""));
        match query.get("token") {
            Some(given) if asset.is_none() && given == token.as_str() => {
                return Some(sign_in(token));
            }
            Some(_) => return Some(refused("that token is not the admin token")),
            None if !holds_token(parts, token) => {
                return Some(refused("this page needs the admin token"));
            }
            None => {}
        }
    }
    Some(match asset {
        None => page("text/html; charset=utf-8", INDEX),
        Some("app.js") => page("text/javascript; charset=utf-8", APP_JS),
        Some("app.css") => page("text/css; charset=utf-8", APP_CSS),
        Some("examples.json") => page("application/json", examples()),
        Some(other) => Reply::json(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("the dashboard has no asset {other}") }),
        ),
    })
}

/// Whether the request carries the admin token as a Bearer header or as the [`COOKIE`].
pub fn holds_token(parts: &Parts, token: &str) -> bool {
    let bearer = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    bearer == Some(token) || cookie_holds(parts, token)
}

/// Whether one of the request's cookies is [`COOKIE`] with the token.
pub fn cookie_holds(parts: &Parts, token: &str) -> bool {
    parts
        .headers
        .get_all(COOKIE_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(name, value)| {
            name == COOKIE
                && percent_encoding::percent_decode_str(value).decode_utf8_lossy() == token
        })
}

/// The token as a cookie value: percent-encoded, since a token may hold `;`, spaces or other
/// characters a cookie cannot carry as they are.
fn cookie_value(token: &str) -> String {
    percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn page(content_type: &'static str, text: &'static str) -> Reply {
    Reply::bytes(StatusCode::OK, content_type, text)
        .with_header(CACHE_CONTROL, "no-cache")
        .with_header(hyper::header::CONTENT_SECURITY_POLICY, CSP)
        .with_header(hyper::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
}

/// The right token in the address: keep it in a cookie and drop it from the address bar.
fn sign_in(token: &str) -> Reply {
    Reply::empty(StatusCode::SEE_OTHER)
        .with_header(LOCATION, "/__admin/ui")
        .with_header(
            SET_COOKIE,
            format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/__admin",
                cookie_value(token)
            ),
        )
}

/// Refused like any admin call without the token, with a hint a person can act on.
fn refused(why: &str) -> Reply {
    let html = format!(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\">\
         <title>trunkmock: admin token needed</title>\
         <h1>Admin token needed</h1><p>{why}. This server was started with \
         <code>--admin-token</code>: open <code>/__admin/ui?token=&lt;admin token&gt;</code> \
         once; the browser then keeps it in a cookie for this site.</p>"
    );
    Reply::bytes(StatusCode::UNAUTHORIZED, "text/html; charset=utf-8", html)
        .with_header(
            hyper::header::WWW_AUTHENTICATE,
            "Bearer realm=\"trunkmock admin\"",
        )
        .with_header(hyper::header::CONTENT_SECURITY_POLICY, CSP)
}

/// `examples.json`: every example scenario (file name and document) and the fault-rule
/// templates, built once.
fn examples() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let scenarios: Vec<Value> = EXAMPLES
            .iter()
            .filter_map(|(file, text)| {
                let scenario: Value = serde_json::from_str(text).ok()?;
                Some(json!({ "file": file, "scenario": scenario }))
            })
            .collect();
        let templates: Value = serde_json::from_str(FAULT_TEMPLATES).unwrap_or(Value::Null);
        json!({ "scenarios": scenarios, "fault_templates": templates }).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_a_cookie_cannot_carry_as_is_goes_there_encoded_and_still_matches() {
        let token = "a b;c=d/é";
        let value = cookie_value(token);
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'%')
        );
        let (parts, ()) = hyper::Request::get("/__admin/requests")
            .header(COOKIE_HEADER, format!("x=1; {COOKIE}={value}"))
            .body(())
            .unwrap()
            .into_parts();
        assert!(cookie_holds(&parts, token));
        assert!(!cookie_holds(&parts, "a b"));
    }

    #[test]
    fn every_compiled_in_asset_is_valid_json_where_it_should_be() {
        for (file, text) in EXAMPLES {
            serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        let t: Value = serde_json::from_str(FAULT_TEMPLATES).expect("fault-templates.json");
        assert!(t.as_array().is_some_and(|a| !a.is_empty()));
    }
}
