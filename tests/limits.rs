//! Over 400 lines: one short test per crash class and bound, sharing the raw-TCP helpers.
//! Crash classes and bounds, each over real HTTP on 127.0.0.1: clock overflow, fusion ids near
//! the 64-bit limit, deep and huge JSON, lying Content-Length, stalled half-sent requests, a
//! session flood, concurrent creates, the journal byte budget, idle sessions, `max_providers`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::TestServer;
use common::fixtures::pbx_provider_with_concurrency;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FUSION_BASE: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";

/// The server still answers a plain call.
async fn still_serving(srv: &TestServer) {
    srv.get("/__admin/health").await.expect(200);
    srv.get("/api/providers").await.expect(200);
}

#[tokio::test]
async fn clock_advance_refuses_negative_non_numeric_huge_and_overflowing_values() {
    let srv = TestServer::start().await;
    for bad in [
        r#"{"seconds": -1}"#,
        r#"{"seconds": "NaN"}"#,
        r#"{"seconds": null}"#,
        r#"{"seconds": 1e400}"#,
        r#"{"seconds": 1e300}"#,
        r#"{"seconds": 9223372036854775807}"#,
        r#"{"seconds": 3200000000}"#,
        r#"{"seconds": [1]}"#,
    ] {
        let r = srv.advance_clock_with_body(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.json["error"].is_string(), "{bad}: {}", r.text());
    }
    // Ninety years is fine once; twice would pass the 100-year bound and changes nothing.
    srv.advance_clock_with_body(r#"{"seconds": 2840000000}"#)
        .await
        .expect(200);
    let r = srv
        .advance_clock_with_body(r#"{"seconds": 2840000000}"#)
        .await;
    r.expect(400);
    assert!(r.text().contains("100 years"), "{}", r.text());
    let clock = srv.get("/__admin/clock").await;
    assert_eq!(clock.json["offset_seconds"], json!(2_840_000_000.0));
    // Dates far ahead still render and every family still answers.
    srv.get(&format!("{FUSION_BASE}/trunkgroups/10?withStatus"))
        .await
        .expect(200);
    still_serving(&srv).await;
    let health = srv.get("/__admin/health").await;
    assert_eq!(
        health.json["limits"]["clock_max_offset_seconds"],
        json!(3_153_600_000i64)
    );
}

#[tokio::test]
async fn fusion_ids_near_the_64_bit_limit_are_refused_at_load_and_creates_keep_working() {
    let srv = TestServer::start().await;
    let dumped = srv.get("/__admin/state").await.json["fusion"].clone();
    for id in [i64::MAX, (1i64 << 53)] {
        let mut state = dumped.clone();
        state["tenants"][0]["subscriptions"][0]["trunkGroups"][0]["id"] = json!(id);
        let r = srv.put("/__admin/state", json!({ "fusion": state })).await;
        r.expect(400);
        assert!(r.text().contains("largest id"), "{}", r.text());
    }
    // The largest id kept is accepted, and the next create takes the one after it.
    let mut state = dumped.clone();
    let max = (1i64 << 53) - 1;
    state["tenants"][0]["subscriptions"][0]["trunkGroups"][0]["id"] = json!(max);
    let r = srv.put("/__admin/state", json!({ "fusion": state })).await;
    assert!(r.status < 300, "{}", r.text());
    let created = srv
        .post(
            &format!("{FUSION_BASE}/trunkgroups"),
            json!({"name": "after the largest", "type": "zoom", "peerTrunks": [{"popId": 1}]}),
        )
        .await;
    created.expect(200);
    assert_eq!(created.json["id"], json!(max + 1));
    // A path id past i64 is a 400 or 404 in the family's shape, never a crash.
    let r = srv
        .get(&format!(
            "{FUSION_BASE}/trunkgroups/99999999999999999999999"
        ))
        .await;
    assert!(r.status == 400 || r.status == 404, "{}", r.status);
    still_serving(&srv).await;
}

#[tokio::test]
async fn deep_nesting_and_huge_numbers_in_bodies_are_400_in_each_family() {
    let srv = TestServer::start().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let targets = [
        ("/api/providers", "application/json"),
        (&*format!("{FUSION_BASE}/trunkgroups"), "application/json"),
    ];
    for (path, ct) in targets {
        for body in [
            deep.clone(),
            deep_obj.clone(),
            r#"{"name": 1e400}"#.to_string(),
            format!(r#"{{"name": {}}}"#, "9".repeat(5000)),
        ] {
            let r = srv
                .req(Method::POST, path)
                .body(ct, body.clone())
                .send()
                .await;
            assert_eq!(r.status, 400, "{path} {}: {}", &body[..20], r.text());
        }
    }
    still_serving(&srv).await;
}

#[tokio::test]
async fn a_lying_content_length_never_takes_the_server_down() {
    let srv = TestServer::start().await;
    let wait = Duration::from_secs(5);
    // Shorter body than announced, then the client stops sending.
    let short = common::raw::exchange(&srv,
        b"POST /api/providers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
        wait,
    )
    .await;
    assert!(!short.contains(" 500 "), "{short}");
    // A length past the body limit is refused before any byte of the body is read.
    let over = common::raw::exchange(&srv,
        b"POST /api/providers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}",
        wait,
    )
    .await;
    assert!(over.starts_with("HTTP/1.1 413"), "{over}");
    // A length no integer holds, and two that disagree: hyper refuses the request.
    for head in [
        "Content-Length: 99999999999999999999999999\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
        "Content-Length: -1\r\n",
    ] {
        let req = format!("POST /api/providers HTTP/1.1\r\nHost: x\r\n{head}\r\n{{}}");
        let got = common::raw::exchange(&srv, req.as_bytes(), wait).await;
        assert!(
            got.is_empty() || got.starts_with("HTTP/1.1 4"),
            "{head}: {got}"
        );
    }
    // Longer body than announced: the extra bytes are the next (broken) request.
    let long = common::raw::exchange(&srv,
        b"POST /api/providers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}garbage garbage\r\n\r\n",
        wait,
    )
    .await;
    assert!(long.starts_with("HTTP/1.1 400"), "{long}");
    still_serving(&srv).await;
}

#[tokio::test]
async fn two_hundred_stalled_half_sent_requests_do_not_delay_a_normal_one() {
    let srv = TestServer::start().await;
    let mut stalled = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(srv.running.addr).await.unwrap();
        let part: &[u8] = match i % 3 {
            // Half a request line, half the headers, or the headers and part of the body.
            0 => b"POST /api/prov",
            1 => b"POST /api/providers HTTP/1.1\r\nHost: x\r\nContent-Ty",
            _ => b"POST /api/providers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"name\": \"",
        };
        s.write_all(part).await.unwrap();
        stalled.push(s);
    }
    // Answered at once: the bound is generous for a loaded 2-core CI machine, not a timing.
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        srv.post(
            "/api/providers",
            pbx_provider_with_concurrency("meanwhile", 10),
        ),
    )
    .await
    .expect("a normal request is answered while 200 others stall");
    answer.expect(201);
    drop(stalled);
    still_serving(&srv).await;
}

#[tokio::test]
async fn a_session_flood_past_max_sessions_is_refused_without_building_worlds() {
    let srv = TestServer::start_with(|o| o.engine.max_sessions = 5).await;
    let mut refused = 0;
    for i in 0..200 {
        let r = srv
            .req(Method::GET, "/api/providers")
            .session(&format!("flood-{i}"))
            .send()
            .await;
        match r.status {
            200 => {}
            429 => refused += 1,
            s => panic!("session flood answered {s}: {}", r.text()),
        }
    }
    assert_eq!(refused, 200 - 4, "default plus four new sessions fit");
    assert_eq!(srv.engine().sessions.len(), 5);
    still_serving(&srv).await;
}

#[tokio::test]
async fn sixteen_hundred_concurrent_creates_on_one_session_are_all_kept() {
    let srv = Arc::new(TestServer::start().await);
    // At most 100 connections at once keeps the test within a CI machine's file descriptors.
    let gate = Arc::new(tokio::sync::Semaphore::new(100));
    let mut tasks = Vec::new();
    for i in 0..1600 {
        let (srv, gate) = (srv.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let r = srv
                .post(
                    "/api/providers",
                    pbx_provider_with_concurrency(&format!("p{i}"), 10),
                )
                .await;
            r.expect(201);
            r.json["id"].as_str().unwrap().to_string()
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        assert!(ids.insert(t.await.unwrap()), "an id was handed out twice");
    }
    assert_eq!(ids.len(), 1600);
    let listed = srv.get("/api/providers?top=1").await;
    let seeded = srv.engine().blueprint().state["pbx"]["providers"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(listed.json["count"], json!(1600 + seeded));
}

#[tokio::test]
async fn the_journal_stays_within_its_byte_budget_across_sessions() {
    let budget = 64 * 1024;
    let srv = TestServer::start_with(|o| o.engine.journal_bytes = budget).await;
    let body = json!({"name": "x".repeat(4000)});
    for i in 0..100 {
        srv.req(Method::POST, "/api/providers")
            .json(&body)
            .session(&format!("s{}", i % 4))
            .send()
            .await;
    }
    let health = srv.get("/__admin/health").await;
    let used = health.json["limits"]["journal_bytes_used"]
        .as_u64()
        .unwrap();
    assert!(used <= budget as u64, "{used} > {budget}");
    assert!(
        used > budget as u64 / 2,
        "the budget is used, not emptied: {used}"
    );
    assert_eq!(health.json["limits"]["journal_bytes"], json!(budget));
    // The newest request of the session written last is kept.
    let last = srv
        .req(Method::GET, "/__admin/requests?limit=1")
        .session("s3")
        .send()
        .await;
    assert_eq!(last.json["count"], 1);
    // Deleting a session gives its bytes back.
    for i in 0..4 {
        srv.delete(&format!("/__admin/sessions/s{i}"))
            .await
            .expect(204);
    }
    let after = srv.get("/__admin/health").await.json["limits"]["journal_bytes_used"]
        .as_u64()
        .unwrap();
    assert!(after < used, "{after} >= {used}");
}

#[tokio::test]
async fn idle_sessions_are_swept_but_never_default_or_one_in_use() {
    let srv = TestServer::start_with(|o| o.engine.session_ttl_secs = 60).await;
    for name in ["idle", "busy"] {
        srv.req(Method::GET, "/api/providers")
            .session(name)
            .send()
            .await
            .expect(200);
    }
    let sessions = &srv.engine().sessions;
    let now = srv.engine().clock.now_ms();
    assert_eq!(sessions.sweep(now), 0, "nothing is idle yet");
    let in_use = srv.engine().session("busy").unwrap();
    assert_eq!(sessions.sweep(now + 61_000), 1);
    let names: Vec<String> = sessions.all().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["busy", "default"]);
    drop(in_use);
    assert_eq!(sessions.sweep(now + 61_000), 1);
    assert_eq!(sessions.len(), 1);
    let health = srv.get("/__admin/health").await;
    assert_eq!(health.json["limits"]["session_ttl_seconds"], 60);
}

#[tokio::test]
async fn every_request_keeps_its_session_from_being_idle() {
    let srv = TestServer::start_with(|o| o.engine.session_ttl_secs = 60).await;
    let get = || srv.req(Method::GET, "/api/providers").session("steady");
    get().send().await.expect(200);
    let clock = &srv.engine().clock;
    let created = clock.now_ms();
    // Bounded poll until the real clock has moved on, so "used again" is a later time.
    for _ in 0..1_000 {
        if clock.now_ms() > created {
            break;
        }
        tokio::task::yield_now().await;
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    let used_again = clock.now_ms();
    assert!(used_again > created);
    get().send().await.expect(200);
    // 60 s after the second request: idle only if that request did not count as use.
    let sessions = &srv.engine().sessions;
    assert_eq!(sessions.sweep(used_again + 60_000), 0);
    assert_eq!(sessions.sweep(used_again + 61_000), 1);
}

#[tokio::test]
async fn a_full_session_table_makes_room_by_sweeping_idle_sessions() {
    let srv = TestServer::start_with(|o| {
        o.engine.max_sessions = 2;
        o.engine.session_ttl_secs = 1;
    })
    .await;
    srv.req(Method::GET, "/api/providers")
        .session("old")
        .send()
        .await
        .expect(200);
    // "old" idles past its TTL: polled on the real clock, bounded, no fixed sleep.
    let mut r = None;
    for _ in 0..100 {
        let got = srv
            .req(Method::GET, "/api/providers")
            .session("new")
            .send()
            .await;
        if got.status == 200 {
            r = Some(got);
            break;
        }
        got.expect(429);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(r.is_some(), "the idle session was never swept to make room");
    assert!(srv.engine().sessions.get("old").is_none());
}

#[tokio::test]
async fn pbx_creates_past_max_providers_answer_400_in_the_pbx_shape() {
    let srv = TestServer::start().await;
    let r = srv
        .req(Method::POST, "/__admin/scenarios")
        .json(&json!({"name": "small", "settings": {"pbx": {"max_providers": 0}}}))
        .send()
        .await;
    assert!(r.status < 300, "{}", r.text());
    let refused = srv
        .post(
            "/api/providers",
            pbx_provider_with_concurrency("one too many", 10),
        )
        .await;
    refused.expect(400);
    insta::assert_json_snapshot!(refused.json);
    // A typo in the setting is refused with its pointer.
    let r = srv
        .req(Method::POST, "/__admin/scenarios")
        .json(&json!({"name": "typo", "settings": {"pbx": {"max_provider": 5}}}))
        .send()
        .await;
    r.expect(400);
}

/// Found by tests/fuzz.rs (seed 11, case 55): a peer or access trunk path with a non-integer
/// id answered a 400 its contract did not list.
#[tokio::test]
async fn a_bad_peer_or_access_trunk_path_id_is_a_documented_400() {
    let srv = TestServer::start().await;
    for child in ["peer_trunks", "access_trunks"] {
        let path = format!("{FUSION_BASE}/trunkgroups/1e400/{child}/x");
        // `get`/`delete` check the answer against the operation's contract.
        let r = srv.get(&path).await;
        r.expect(400);
        assert_eq!(r.json["code"], 1000);
        srv.delete(&path).await.expect(400);
    }
}

#[tokio::test]
async fn raw_dot_segments_and_a_uri_past_64_kib_are_refused_not_crashed_on() {
    let srv = TestServer::start().await;
    let wait = Duration::from_secs(5);
    let dots = common::raw::exchange(
        &srv,
        b"GET /api/providers/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        wait,
    )
    .await;
    assert!(
        dots.starts_with("HTTP/1.1 404"),
        "{}",
        &dots[..dots.len().min(200)]
    );
    let long = format!(
        "GET /api/providers?filter={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "(".repeat(70_000)
    );
    let got = common::raw::exchange(&srv, long.as_bytes(), wait).await;
    assert!(
        got.is_empty() || got.starts_with("HTTP/1.1 4"),
        "{}",
        &got[..got.len().min(200)]
    );
    still_serving(&srv).await;
}

#[tokio::test]
async fn a_concurrent_flood_of_new_sessions_fills_the_table_exactly() {
    let srv = Arc::new(TestServer::start_with(|o| o.engine.max_sessions = 20).await);
    let mut tasks = Vec::new();
    for i in 0..300 {
        let srv = srv.clone();
        tasks.push(tokio::spawn(async move {
            srv.req(Method::GET, "/api/providers")
                .session(&format!("burst-{i}"))
                .send()
                .await
                .status
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => accepted += 1,
            429 => {}
            s => panic!("answered {s}"),
        }
    }
    assert!(accepted <= 19 && accepted > 0, "{accepted}");
    assert!(srv.engine().sessions.len() <= 20);
}

async fn sync_delay(srv: &TestServer, secs: f64) {
    let body = json!({"name": "delay", "settings": {"fusion": {"sync_delay_seconds": secs}}});
    let r = srv
        .req(Method::POST, "/__admin/scenarios")
        .json(&body)
        .send()
        .await;
    assert!(r.status < 300, "{}", r.text());
}

async fn sync_status(srv: &TestServer, id: i64) -> Value {
    srv.get(&format!("{FUSION_BASE}/trunkgroups/{id}?withStatus"))
        .await
        .json["status"]
        .clone()
}

async fn new_trunk_group(srv: &TestServer, name: &str) -> i64 {
    let r = srv
        .post(
            &format!("{FUSION_BASE}/trunkgroups"),
            json!({"name": name, "type": "zoom", "peerTrunks": [{"popId": 1}]}),
        )
        .await;
    r.expect(200);
    r.json["id"].as_i64().unwrap()
}

/// fusion's tick skips the walk while nothing can be due; a shorter delay set between two
/// requests must still be honoured.
#[tokio::test]
async fn fusion_transitions_stay_exact_when_tick_skips_and_the_delay_shrinks() {
    let srv = TestServer::start().await;
    sync_delay(&srv, 100.0).await;
    let slow = new_trunk_group(&srv, "slow").await;
    assert_eq!(sync_status(&srv, slow).await, "pending");
    sync_delay(&srv, 1.0).await;
    let fast = new_trunk_group(&srv, "fast").await;
    srv.advance_clock_with_body(r#"{"seconds": 2}"#)
        .await
        .expect(200);
    assert_eq!(sync_status(&srv, fast).await, "ok");
    assert_eq!(sync_status(&srv, slow).await, "pending");
    srv.advance_clock_with_body(r#"{"seconds": 100}"#)
        .await
        .expect(200);
    assert_eq!(sync_status(&srv, slow).await, "ok");
}

#[tokio::test]
async fn a_request_head_never_finished_is_hung_up_on_after_the_header_timeout() {
    let srv = TestServer::start_with(|o| {
        o.engine.header_read_timeout = Duration::from_millis(300);
    })
    .await;
    let mut stalled = TcpStream::connect(srv.running.addr).await.unwrap();
    // A head without its closing blank line: the server waits for the rest, then gives up.
    stalled
        .write_all(b"GET /api/providers HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    // Bounded: the server closes after 300 ms; 20 s only limits a failure.
    let read = tokio::time::timeout(Duration::from_secs(20), stalled.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the stalled connection was never closed");
    // Whatever it says before closing, it is no answer to the unfinished request.
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    // A well-formed request still answers.
    srv.get("/api/providers").await.expect(200);
}

#[tokio::test]
async fn health_lists_every_familys_caps_as_the_default_session_has_them() {
    let srv = TestServer::start().await;
    let families = srv.get("/__admin/health").await.json["limits"]["families"].clone();
    assert_eq!(families["pbx"]["max_providers"], 10_000, "{families}");
    assert_eq!(families["operator"]["max_resources"], 10_000, "{families}");
    assert_eq!(families["apio"]["max_trunk_groups_per_group"], 1_000);
    assert_eq!(families["fusion"]["max_numbers_per_trunk_group"], 10_000);
    // Only caps: no other setting is listed.
    for (name, caps) in families.as_object().unwrap() {
        for key in caps.as_object().unwrap().keys() {
            assert!(key.starts_with("max_"), "{name}.{key}");
        }
    }
    // A scenario applied to the default session changes what health shows.
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"pbx": {"max_providers": 7}}}),
    )
    .await
    .expect(200);
    let families = srv.get("/__admin/health").await.json["limits"]["families"].clone();
    assert_eq!(families["pbx"]["max_providers"], 7, "{families}");
    assert_eq!(families["operator"]["max_resources"], 10_000);
}
