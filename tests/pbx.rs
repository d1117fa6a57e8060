//! The PBX providers API over real HTTP: every operation, its refusals and its error shape.

mod common;

use common::TestServer;
use common::fixtures::tcp_pbx_provider;
use reqwest::Method;
use serde_json::{Value, json};

const EXAMPLE_ID: &str = "NzAwNTUxOTA5NzczMTQ4MTYw";
const BACKUP_ID: &str = "NzAwNTUxOTA5NzczMTQ4MjA0";

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn list_returns_the_seeded_providers_as_summaries() {
    let srv = TestServer::start().await;
    let resp = srv.get("/api/providers").await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn create_then_retrieve_shows_defaults_and_never_the_password() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("Carrier A");
    body["password"] = json!("hunter2");
    let id = srv.create_pbx_provider(body).await;
    let got = srv.get(&format!("/api/providers/{id}")).await;
    got.expect(200);
    assert!(got.json.get("password").is_none());
    insta::assert_json_snapshot!(got.json, {".id" => "[id]"});
}

#[tokio::test]
async fn created_ids_look_like_the_documents_base64_numbers() {
    let srv = TestServer::start().await;
    let id = srv.create_pbx_provider(tcp_pbx_provider("x")).await;
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&id)
        .unwrap();
    let text = String::from_utf8(decoded).unwrap();
    assert!(text.parse::<u64>().is_ok(), "{text} is not a 64-bit number");
}

#[tokio::test]
async fn the_documents_example_create_body_is_accepted() {
    let srv = TestServer::start().await;
    // The document's POST example, verbatim (did_numbers "text" is a placeholder).
    let mut body: Value = srv.get(&format!("/api/providers/{EXAMPLE_ID}")).await.json;
    let obj = body.as_object_mut().unwrap();
    obj.remove("id");
    obj.remove("shared");
    obj.insert("password".into(), json!("text"));
    let resp = srv.post("/api/providers", body).await;
    resp.expect(201);
}

#[tokio::test]
async fn create_refuses_missing_and_out_of_range_fields_naming_them() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("x");
    body.as_object_mut().unwrap().remove("transport");
    body["port"] = json!(70000);
    body["name"] = json!("");
    let resp = srv.post("/api/providers", body).await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn create_refuses_an_unknown_enum_value() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("x");
    body["transport"] = json!("SCTP");
    let resp = srv.post("/api/providers", body).await;
    resp.expect(400);
    assert_eq!(resp.json["errors"][0]["code"], "VALIDATE_FAILED");
    assert!(resp.json["errors"][0]["detail"]["transport"].is_string());
}

#[tokio::test]
async fn explicit_nulls_are_blank_fields_that_take_the_defaults() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("blank");
    body["register_interval"] = Value::Null;
    body["brand"] = Value::Null;
    let id = srv.create_pbx_provider(body).await;
    let got = srv.get(&format!("/api/providers/{id}")).await;
    assert_eq!(got.json["register_interval"], 600);
    assert_eq!(got.json["brand"], Value::Null);
}

#[tokio::test]
async fn malformed_json_is_refused_in_the_pbx_shape() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::POST, "/api/providers")
        .body("application/json", "{\"name\": \"x\",}")
        .send()
        .await;
    resp.expect(400);
    assert_eq!(resp.json["errors"][0]["code"], "VALIDATE_FAILED");
    assert!(
        resp.json["errors"][0]["detail"]["body"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_refused() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::POST, "/api/providers")
        .body("text/plain", tcp_pbx_provider("x").to_string())
        .send()
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn overlapping_did_numbers_are_refused() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("clash");
    body["did_numbers"] = json!("500;17000-19000");
    let resp = srv.post("/api/providers", body).await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    // Nothing was created.
    assert_eq!(srv.get("/api/providers").await.json["count"], 2);
}

#[tokio::test]
async fn update_is_partial_and_answers_200_with_no_body() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(
            &format!("/api/providers/{BACKUP_ID}"),
            json!({"port": 5080, "enabled": true}),
        )
        .await;
    resp.expect(200);
    assert!(resp.bytes.is_empty());
    let got = srv.get(&format!("/api/providers/{BACKUP_ID}")).await.json;
    assert_eq!(got["port"], 5080);
    assert_eq!(got["enabled"], true);
    assert_eq!(got["name"], "Backup carrier");
    assert_eq!(got["hostname"], "sip.backup-carrier.example");
}

#[tokio::test]
async fn update_of_an_unknown_provider_is_404() {
    let srv = TestServer::start().await;
    let resp = srv
        .post("/api/providers/bm9wZQ==", json!({"port": 1}))
        .await;
    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn update_refuses_did_numbers_of_another_provider() {
    let srv = TestServer::start().await;
    let id = srv.create_pbx_provider(tcp_pbx_provider("x")).await;
    let resp = srv
        .post(
            &format!("/api/providers/{id}"),
            json!({"did_numbers": "3000"}),
        )
        .await;
    resp.expect(400);
    assert_eq!(resp.json["errors"][0]["code"], "DID_NUMBERS_OVERLAP");
}

#[tokio::test]
async fn status_follows_enabled() {
    let srv = TestServer::start().await;
    let online = srv
        .get(&format!("/api/providers/{EXAMPLE_ID}/status"))
        .await;
    online.expect(200);
    assert_eq!(online.json, json!({"status": "ONLINE"}));
    let offline = srv.get(&format!("/api/providers/{BACKUP_ID}/status")).await;
    assert_eq!(offline.json, json!({"status": "OFFLINE"}));
    srv.post(
        &format!("/api/providers/{EXAMPLE_ID}"),
        json!({"enabled": false}),
    )
    .await
    .expect(200);
    let now = srv
        .get(&format!("/api/providers/{EXAMPLE_ID}/status"))
        .await;
    assert_eq!(now.json, json!({"status": "OFFLINE"}));
}

#[tokio::test]
async fn status_and_retrieve_of_an_unknown_provider_are_404() {
    let srv = TestServer::start().await;
    srv.get("/api/providers/bm9wZQ==/status").await.expect(404);
    srv.get("/api/providers/bm9wZQ==").await.expect(404);
}

#[tokio::test]
async fn destroy_answers_204_empty_then_the_provider_is_gone() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::POST, &format!("/api/providers/{BACKUP_ID}/destroy"))
        .send()
        .await;
    resp.expect(204);
    assert!(resp.bytes.is_empty());
    srv.get(&format!("/api/providers/{BACKUP_ID}"))
        .await
        .expect(404);
    // Its numbers are free again.
    let mut body = tcp_pbx_provider("reuse");
    body["did_numbers"] = json!("3000");
    srv.create_pbx_provider(body).await;
}

#[tokio::test]
async fn destroy_of_an_unknown_id_is_400_invalid_provider_id() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::POST, "/api/providers/bm9wZQ==/destroy")
        .send()
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn export_is_an_attachment_with_every_provider() {
    let srv = TestServer::start().await;
    let resp = srv.get("/api/providers/export").await;
    resp.expect(200);
    assert_eq!(
        resp.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        resp.header("content-disposition"),
        Some("attachment; filename=\"providers.json\"")
    );
    let file: Vec<Value> = serde_json::from_slice(&resp.bytes).unwrap();
    assert_eq!(file.len(), 2);
    assert!(file.iter().all(|p| p.get("password").is_none()));
}

#[tokio::test]
async fn export_is_routed_before_the_id_template() {
    let srv = TestServer::start().await;
    // `export` is a literal segment: it must not be read as a provider id.
    let resp = srv.get("/api/providers/export").await;
    assert_ne!(resp.status, 404);
}

#[tokio::test]
async fn filter_supports_comparisons_and_boolean_logic() {
    let srv = TestServer::start().await;
    for (name, port) in [("alpha", 5060), ("beta", 5070), ("gamma", 5080)] {
        let mut b = tcp_pbx_provider(name);
        b["port"] = json!(port);
        srv.create_pbx_provider(b).await;
    }
    let q = |f: &str| format!("/api/providers?filter={}", urlencode(f));
    let r = srv.get(&q("port ge 5070 and port lt 5100")).await;
    assert_eq!(names(&r.json), vec!["beta", "gamma"]);
    let r = srv
        .get(&q("name eq 'alpha' or startswith(name,'gam')"))
        .await;
    assert_eq!(names(&r.json), vec!["alpha", "gamma"]);
    let r = srv.get(&q("contains(name,'et') and enabled eq true")).await;
    assert_eq!(names(&r.json), vec!["beta"]);
    let r = srv
        .get(&q("endswith(hostname,'.example') and port ne 5061"))
        .await;
    assert_eq!(r.json["count"], 0);
    let r = srv.get(&q("enabled eq false")).await;
    assert_eq!(names(&r.json), vec!["Backup carrier"]);
}

#[tokio::test]
async fn a_bad_filter_or_orderby_is_400_naming_the_parameter() {
    let srv = TestServer::start().await;
    let r = srv
        .get(&format!(
            "/api/providers?filter={}",
            urlencode("colour eq 'red'")
        ))
        .await;
    r.expect(400);
    insta::assert_json_snapshot!("bad_filter", r.json);
    let r = srv.get("/api/providers?orderby=name%20sideways").await;
    r.expect(400);
    assert!(r.json["errors"][0]["detail"]["orderby"].is_string());
}

#[tokio::test]
async fn orderby_sorts_by_several_fields() {
    let srv = TestServer::start().await;
    for (name, port) in [("b", 1), ("a", 1), ("c", 2)] {
        let mut body = tcp_pbx_provider(name);
        body["port"] = json!(port);
        srv.create_pbx_provider(body).await;
    }
    let r = srv
        .get(&format!(
            "/api/providers?filter={}&orderby={}",
            urlencode("port le 2"),
            urlencode("port desc, name asc")
        ))
        .await;
    assert_eq!(names(&r.json), vec!["c", "a", "b"]);
}

#[tokio::test]
async fn search_matches_text_fields_case_insensitively() {
    let srv = TestServer::start().await;
    let r = srv.get("/api/providers?search=BACKUP-CARRIER").await;
    assert_eq!(names(&r.json), vec!["Backup carrier"]);
}

#[tokio::test]
async fn skip_and_top_page_through_the_list_and_count_stays_total() {
    let srv = TestServer::start().await;
    for i in 0..5 {
        srv.create_pbx_provider(tcp_pbx_provider(&format!("p{i}")))
            .await;
    }
    let r = srv.get("/api/providers?skip=2&top=3").await;
    r.expect(200);
    assert_eq!(r.json["count"], 7);
    assert_eq!(names(&r.json), vec!["p0", "p1", "p2"]);
}

#[tokio::test]
async fn top_and_skip_bounds_are_enforced() {
    let srv = TestServer::start().await;
    srv.get("/api/providers?top=0").await.expect(400);
    srv.get("/api/providers?top=101").await.expect(400);
    srv.get("/api/providers?skip=-1").await.expect(400);
    let r = srv.get("/api/providers?top=ten").await;
    r.expect(400);
    assert_eq!(
        r.json["errors"][0]["detail"]["top"],
        "must be an integer, got 'ten'"
    );
    srv.get("/api/providers?top=100").await.expect(200);
}

#[tokio::test]
async fn an_unknown_path_under_the_family_is_404_in_its_shape() {
    let srv = TestServer::start().await;
    let r = srv.get("/api/providers/x/y/z").await;
    r.expect(404);
    assert_eq!(r.json["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn another_method_is_405_with_allow() {
    let srv = TestServer::start().await;
    let r = srv.delete(&format!("/api/providers/{EXAMPLE_ID}")).await;
    r.expect(405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS, POST"));
    assert_eq!(r.json["errors"][0]["code"], "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_deeply_nested_filter_is_refused_and_the_server_keeps_serving() {
    let srv = TestServer::start().await;
    // Parentheses are legal in a query string as they are; only the spaces need escaping.
    let depth = 10_000;
    let filter = format!("{}name%20eq%20'x'{}", "(".repeat(depth), ")".repeat(depth));
    let r = srv.get(&format!("/api/providers?filter={filter}")).await;
    r.expect(400);
    insta::assert_json_snapshot!(r.json);
    // The process is still there and still answers.
    let r = srv.get("/api/providers").await;
    r.expect(200);
    assert_eq!(r.json["count"], 2);
}

#[tokio::test]
async fn a_long_chain_of_not_is_refused_like_parentheses() {
    let srv = TestServer::start().await;
    let nots = |n: usize| format!("{}name%20eq%20'x'", "not%20".repeat(n));
    // Thousands are cut short by the length bound, thirty-three by the depth bound.
    let r = srv
        .get(&format!("/api/providers?filter={}", nots(5_000)))
        .await;
    r.expect(400);
    assert!(r.json["errors"][0]["detail"]["filter"].is_string());
    let r = srv
        .get(&format!("/api/providers?filter={}", nots(33)))
        .await;
    r.expect(400);
    insta::assert_json_snapshot!("filter_too_deep", r.json);
    // Thirty-two still parse, and an even number of nots cancel out.
    let filter = format!("{}name%20eq%20'text'", "not%20".repeat(32));
    let r = srv.get(&format!("/api/providers?filter={filter}")).await;
    r.expect(200);
    assert_eq!(names(&r.json), vec!["text"]);
}

#[tokio::test]
async fn overlong_filters_orderbys_and_searches_are_400_naming_the_parameter() {
    let srv = TestServer::start().await;
    let clauses = ["port%20eq%201"; 200].join("%20or%20");
    let r = srv.get(&format!("/api/providers?filter={clauses}")).await;
    r.expect(400);
    assert!(r.json["errors"][0]["detail"]["filter"].is_string());
    let keys = ["name"; 9].join(",");
    let r = srv.get(&format!("/api/providers?orderby={keys}")).await;
    r.expect(400);
    insta::assert_json_snapshot!("too_many_orderby_keys", r.json);
    let r = srv
        .get(&format!("/api/providers?search={}", "a".repeat(2_000)))
        .await;
    r.expect(400);
    assert!(r.json["errors"][0]["detail"]["search"].is_string());
    // At the bounds all three still work.
    let keys = ["name"; 8].join(",");
    srv.get(&format!("/api/providers?orderby={keys}"))
        .await
        .expect(200);
}

#[tokio::test]
async fn did_numbers_too_large_or_spanning_too_many_numbers_are_refused() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("huge");
    body["did_numbers"] = json!("1-99999999999999999999");
    let r = srv.post("/api/providers", body.clone()).await;
    r.expect(400);
    insta::assert_json_snapshot!("did_number_too_large", r.json);
    body["did_numbers"] = json!("1000000000-1999999999");
    let r = srv.post("/api/providers", body.clone()).await;
    r.expect(400);
    insta::assert_json_snapshot!("did_range_too_wide", r.json);
    let r = srv
        .post(
            &format!("/api/providers/{BACKUP_ID}"),
            json!({"did_numbers": "5;1-9999999999"}),
        )
        .await;
    r.expect(400);
    assert_eq!(
        r.json["errors"][0]["detail"]["did_numbers"],
        "range 1-9999999999 spans more than 1000000 numbers"
    );
    // Nothing was created or changed; a million numbers is still one range.
    assert_eq!(srv.get("/api/providers").await.json["count"], 2);
    let backup = srv.get(&format!("/api/providers/{BACKUP_ID}")).await.json;
    assert_eq!(backup["did_numbers"], "3000;12000-18000");
    body["did_numbers"] = json!("20000000-20999999");
    srv.create_pbx_provider(body).await;
}

#[tokio::test]
async fn the_state_form_keeps_every_field_in_order_with_defaults_blanks_and_the_password() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("typed");
    body["password"] = json!("pw");
    body["brand"] = Value::Null;
    body["register_interval"] = Value::Null;
    body["shared"] = json!(true);
    body["inbound_parameters"] = json!({"called_num": "TO_USER", "caller_num": "FROM_USER"});
    let id = srv.create_pbx_provider(body).await;
    srv.post(
        &format!("/api/providers/{id}"),
        json!({"auth_id": null, "enabled": null, "inlan": true, "brand": "ignored",
               "auth_mode": "TEAMS", "keep_alive_interval": 30}),
    )
    .await
    .expect(200);
    // Restored into another session, it reads back identically.
    let (state, copy) = srv.state_and_its_copy_in("copy").await;
    insta::assert_json_snapshot!(state["pbx"], {".providers[2].id" => "[id]"});
    assert_eq!(copy["pbx"], state["pbx"]);
}

#[tokio::test]
async fn a_seeded_provider_of_the_wrong_shape_is_refused_naming_the_field() {
    let srv = TestServer::start().await;
    let seeded = |extra: Value| {
        let mut p = json!({"id": "x", "name": "n"});
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"pbx": {"providers": [p]}})
    };
    for (extra, error) in [
        (
            json!({"port": "5060"}),
            "/pbx/providers/0/port: must be an integer from 0 to 65535",
        ),
        (
            json!({"port": 70000}),
            "/pbx/providers/0/port: must be an integer from 0 to 65535",
        ),
        (
            json!({"transport": "SCTP"}),
            "/pbx/providers/0/transport: must be one of UDP, TCP, TLS",
        ),
        (
            json!({"enabled": "yes"}),
            "/pbx/providers/0/enabled: must be true or false",
        ),
        (
            json!({"colour": "red"}),
            "/pbx/providers/0/colour: not a provider field",
        ),
    ] {
        let r = srv.put("/__admin/state", seeded(extra)).await;
        r.expect(400);
        assert_eq!(r.json["error"], error);
    }
    // A seeded explicit null stays blank; an absent field takes its default.
    srv.put("/__admin/state", seeded(json!({"enabled": null})))
        .await
        .expect(200);
    let state = srv.get("/__admin/state").await.json;
    let p = &state["pbx"]["providers"][0];
    assert_eq!(p["enabled"], Value::Null);
    assert_eq!(p["registration"], true);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Resident memory in bytes, from `/proc/self/statm` (Linux only).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Measures what one stored provider costs; run by hand:
/// `cargo test --release --test pbx -- --ignored --nocapture resident_memory_per_provider`.
#[test]
#[ignore = "a measurement, not a check"]
fn resident_memory_per_provider() {
    use trunkmock::apis::pbx::model::PbxState;
    use trunkmock::engine::ids::IdGen;
    let full = {
        let text = std::fs::read_to_string(common::repo().join("scenarios/default.json")).unwrap();
        let scenario: Value = serde_json::from_str(&text).unwrap();
        let mut p = scenario["state"]["pbx"]["providers"][0].clone();
        let obj = p.as_object_mut().unwrap();
        // Without did_numbers: the overlap check would make this quadratic, not bigger.
        for f in ["id", "shared", "did_numbers"] {
            obj.remove(f);
        }
        p
    };
    println!(
        "size_of::<Provider>() = {} bytes",
        std::mem::size_of::<trunkmock::apis::pbx::model::Provider>()
    );
    let mut kept = Vec::new();
    for (label, body, n) in [
        ("minimal body", tcp_pbx_provider("carrier"), 100_000),
        ("document's full example", full, 20_000),
    ] {
        // Each state is kept alive, so the next measurement cannot reuse its freed memory.
        let body = body.as_object().unwrap().clone();
        let mut state = PbxState::default();
        let mut ids = IdGen::new(7);
        let before = resident_bytes();
        let started = std::time::Instant::now();
        for _ in 0..n {
            state.create(&body, &mut ids, usize::MAX).unwrap();
        }
        let (after, took) = (resident_bytes(), started.elapsed());
        println!(
            "{label}: {n} providers, {} bytes resident and {:?} of create each",
            after.saturating_sub(before) / n,
            took / n as u32
        );
        assert!(state.export().len() == n);
        kept.push(state);
    }
}
