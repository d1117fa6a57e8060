//! A property-based fuzz of the whole request pipeline, on stable Rust and without a new
//! dependency: a seeded generator (the engine's own splitmix `IdGen`) builds requests from the
//! contracts' operations — random methods, paths from the templates with hostile segments,
//! random query strings and headers, bodies from the documents' examples mutated away from
//! their schemas — and sends them to an in-process server with the contract self-check on.
//! The property: no answer is a 5xx, every answer matches its contract, and the server still
//! answers a health call at the end.
//!
//! `cargo test --test fuzz` runs a short bounded run; the long one is
//! `cargo test --release --test fuzz -- --ignored --nocapture` (`FUZZ_CASES`, `FUZZ_SEED`).
//! A failure prints its seed and case number and the request; a found case is then kept as a
//! regression test (see `tests/limits.rs`).

mod common;

use std::collections::BTreeMap;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};
use trunkmock::engine::ids::IdGen;
use trunkmock::engine::problem::Location;

/// Documents whose examples seed the bodies.
const EXAMPLES: [&str; 5] = [
    "apio-group-trunk-groups",
    "apio-immediate-trunking-connectivity",
    "fusion-draas-trunking",
    "operator-incoming-trunks-jsonapi",
    "pbx-providers",
];

/// Path segments and query values meant to break parsers, converters and lookups.
fn hostile(rng: &mut IdGen) -> String {
    let nested =
        |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    match rng.range(0, 21) {
        0 => "a".repeat(10_000),
        1 => "%00".into(),
        // A bare `..` would be folded away by the client's URL parser before it is sent, so
        // the self-check would look up the wrong operation; raw dot segments are sent over TCP
        // in tests/limits.rs.
        2 => ".%2e%2f..%2f".into(),
        3 => "%2e%2e%2f%2e%2e".into(),
        4 => "%C3%BC%F0%9F%98%80".into(),
        5 => nested("%28", "%29", 10_000),
        6 => "-1".into(),
        7 => "9223372036854775808".into(),
        8 => "-9223372036854775809".into(),
        9 => "1e400".into(),
        10 => "".into(),
        11 => "%".into(),
        12 => "%zz%ff%fe".into(),
        13 => "0".into(),
        14 => "1".into(),
        15 => "11111111-1111-4111-8111-111111111111".into(),
        16 => "NaN".into(),
        17 => "%20or%201%3D1".into(),
        18 => nested("%5B", "%5D", 2_000),
        19 => "name%20eq%20%27".into(),
        _ => format!("{}", rng.next_u64()),
    }
}

/// A value for a path parameter: usually plausible, sometimes hostile.
fn path_value(rng: &mut IdGen, name: &str) -> String {
    if rng.range(0, 3) == 0 {
        return hostile(rng);
    }
    match name {
        "draas_instance" => "draas_v1".into(),
        "uuid" | "tenant" => "11111111-1111-4111-8111-111111111111".into(),
        _ => rng.range(0, 30).to_string(),
    }
}

/// Fills `{param}` segments of a template; sometimes breaks a literal segment or adds one.
fn path(rng: &mut IdGen, template: &str) -> String {
    let mut out = String::new();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            out.push_str(&path_value(rng, name));
        } else if rng.range(0, 40) == 0 {
            out.push_str(&hostile(rng));
        } else {
            out.push_str(seg);
        }
    }
    if rng.range(0, 20) == 0 {
        out.push('/');
        out.push_str(&hostile(rng));
    }
    out
}

/// A query string from the operation's parameters and some of its own, values often hostile.
fn query(rng: &mut IdGen, names: &[String]) -> String {
    let mut pairs = Vec::new();
    for _ in 0..rng.range(0, 4) {
        let name = match (names.is_empty(), rng.range(0, 4)) {
            (false, 0..=2) => names[rng.range(0, names.len() as u64 - 1) as usize].clone(),
            _ => [
                "filter",
                "orderby",
                "search",
                "page%5Bsize%5D",
                "fields%5Bx%5D",
                "include",
                "sort",
                "a%00",
            ][rng.range(0, 7) as usize]
                .to_string(),
        };
        let value = match rng.range(0, 4) {
            0 => rng.range(0, 200).to_string(),
            1 => "true".into(),
            _ => hostile(rng),
        };
        pairs.push(format!("{name}={value}"));
    }
    pairs.join("&")
}

/// Replaces one node of `v`, chosen at random, by something of another shape.
fn mutate_value(rng: &mut IdGen, v: &mut Value, depth: usize) {
    let children = match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if children > 0 && depth < 8 && rng.range(0, 3) != 0 {
        let i = rng.range(0, children as u64 - 1) as usize;
        match v {
            Value::Object(m) => {
                if let Some((_, child)) = m.iter_mut().nth(i) {
                    mutate_value(rng, child, depth + 1);
                }
            }
            Value::Array(a) => mutate_value(rng, &mut a[i], depth + 1),
            _ => {}
        }
        return;
    }
    *v = match rng.range(0, 10) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(i64::MAX),
        3 => json!(u64::MAX),
        4 => json!(1.0e308),
        5 => json!("x".repeat(100_000)),
        6 => json!([]),
        7 => json!({}),
        8 => json!(true),
        _ => json!(hostile(rng)),
    };
}

/// A body as text: an example, mutated in value and sometimes in its text.
fn body(rng: &mut IdGen, examples: &[Value]) -> Option<String> {
    let mut v = match (examples.is_empty(), rng.range(0, 6)) {
        (_, 0) => return None,
        (true, _) | (_, 1) => json!({"name": hostile(rng)}),
        _ => examples[rng.range(0, examples.len() as u64 - 1) as usize].clone(),
    };
    if rng.range(0, 3) != 0 {
        mutate_value(rng, &mut v, 0);
    }
    let text = v.to_string();
    Some(match rng.range(0, 10) {
        0 => format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        1 => format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
        2 => text.replacen(|c: char| c.is_ascii_digit(), "1e400", 1),
        3 => cut(&text, rng.range(0, text.len() as u64) as usize).to_string(),
        4 => format!("{text}garbage"),
        5 => text.replacen(':', ":9999999999999999999999999999999999999", 1),
        _ => text,
    })
}

const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW",
];
const CONTENT_TYPES: [&str; 6] = [
    "application/json",
    "application/vnd.api+json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/vnd.api+json; ext=bulk",
    "multipart/form-data; boundary=x",
];

/// Bodies of the documents' examples, by operationId.
fn example_bodies_by_operation() -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for stem in EXAMPLES {
        for ex in common::fixtures::document_examples(stem) {
            if let Some(id) = ex["operationId"].as_str() {
                out.entry(id.to_string())
                    .or_default()
                    .push(ex["body"].clone());
            }
        }
    }
    out
}

/// The first `n` bytes of `s`, or fewer so as not to split a character.
fn cut(s: &str, n: usize) -> &str {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

/// Prints the failing case when a check inside it panics.
struct CaseReport(String);

impl Drop for CaseReport {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("fuzz case that failed:\n{}", self.0);
        }
    }
}

async fn run_fuzz_cases(seed: u64, cases: usize) {
    let srv = TestServer::start().await;
    let ops: Vec<_> = srv
        .engine()
        .contracts
        .operations
        .iter()
        .map(|o| {
            let query_names: Vec<String> = o
                .parameters
                .iter()
                .filter(|p| matches!(p.location, Location::Query))
                .map(|p| p.name.to_string())
                .collect();
            (
                o.operation_id.clone(),
                o.method.to_string(),
                o.path.clone(),
                query_names,
            )
        })
        .collect();
    let examples = example_bodies_by_operation();
    let mut rng = IdGen::new(seed);
    for case in 0..cases {
        let (op_id, op_method, template, names) = &ops[rng.range(0, ops.len() as u64 - 1) as usize];
        let method = if rng.range(0, 4) == 0 {
            METHODS[rng.range(0, METHODS.len() as u64 - 1) as usize].to_string()
        } else {
            op_method.clone()
        };
        let mut url = path(&mut rng, template);
        url.truncate(cut(&url, 60_000).len());
        let q = query(&mut rng, names);
        // The client refuses a URI past 64 KiB before sending; longer ones go over raw TCP
        // in tests/limits.rs.
        if !q.is_empty() && url.len() + q.len() < 60_000 {
            url = format!("{url}?{q}");
        }
        let body = body(
            &mut rng,
            examples.get(&**op_id).map_or(&[][..], Vec::as_slice),
        );
        let content_type = CONTENT_TYPES[rng.range(0, CONTENT_TYPES.len() as u64 - 1) as usize];
        let session = ["default", "fz1", "fz2"][rng.range(0, 2) as usize];
        let report = CaseReport(format!(
            "seed {seed} case {case}: {method} {} ({} chars) content-type {content_type} session {session}\nbody: {}",
            cut(&url, 300),
            url.len(),
            body.as_deref().map_or("<none>", |b| cut(b, 300)),
        ));
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = srv.req(m, &url).session(session);
        if rng.range(0, 5) == 0 {
            req = req.header("X-Junk", &"j".repeat(rng.range(1, 8000) as usize));
        }
        if rng.range(0, 5) == 0 {
            req = req.header(
                "Accept",
                [
                    "*/*",
                    "application/vnd.api+json",
                    "text/html",
                    "application/json;q=0",
                ][rng.range(0, 3) as usize],
            );
        }
        if let Some(b) = body {
            req = req.body(content_type, b);
        }
        // `send` checks the answer against the contract of the operation it names.
        let r = req.send().await;
        assert!(r.status < 500, "answered {}: {}", r.status, r.text());
        drop(report);
    }
    srv.get("/__admin/health").await.expect(200);
    srv.get("/api/providers").await.expect(200);
}

#[tokio::test]
async fn a_short_fuzz_finds_no_5xx_and_no_contract_breach() {
    run_fuzz_cases(11, 1_000).await;
}

#[tokio::test]
#[ignore = "long: cargo test --release --test fuzz -- --ignored --nocapture"]
async fn a_long_fuzz_finds_no_5xx_and_no_contract_breach() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (seed, cases) = (env("FUZZ_SEED", 1), env("FUZZ_CASES", 20_000) as usize);
    let started = std::time::Instant::now();
    run_fuzz_cases(seed, cases).await;
    println!("{cases} cases, seed {seed}, in {:?}", started.elapsed());
}
