//! The admin API and session isolation, over real HTTP.

mod common;

use common::TestServer;
use common::fixtures::pbx_provider;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_reports_status_version_and_uptime() {
    let srv = TestServer::start().await;
    let r = srv.get("/__admin/health").await;
    r.expect(200);
    assert_eq!(r.json["status"], "ok");
    assert_eq!(r.json["version"], env!("CARGO_PKG_VERSION"));
    assert!(r.json["uptime_seconds"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn routes_lists_every_contract_operation() {
    let srv = TestServer::start().await;
    let r = srv.get("/__admin/routes").await;
    r.expect(200);
    let routes = r.json["routes"].as_array().unwrap();
    assert_eq!(routes.len(), srv.engine().contracts.operations.len());
    assert!(
        routes
            .iter()
            .any(|r| r["operationId"] == "pbx_export_providers"
                && r["method"] == "GET"
                && r["path"] == "/api/providers/export"
                && r["family"] == "pbx")
    );
}

#[tokio::test]
async fn sessions_are_isolated_from_each_other() {
    let srv = TestServer::start().await;
    srv.req(Method::POST, "/api/providers")
        .session("suite-a")
        .json(&pbx_provider("only in a"))
        .send()
        .await
        .expect(201);
    let a = srv
        .req(Method::GET, "/api/providers")
        .session("suite-a")
        .send()
        .await;
    let b = srv
        .req(Method::GET, "/api/providers")
        .session("suite-b")
        .send()
        .await;
    let default = srv.get("/api/providers").await;
    assert_eq!(a.json["count"], 3);
    assert_eq!(b.json["count"], 2);
    assert_eq!(default.json["count"], 2);
}

#[tokio::test]
async fn sessions_are_listed_and_can_be_dropped() {
    let srv = TestServer::start().await;
    srv.req(Method::GET, "/api/providers")
        .session("s1")
        .send()
        .await
        .expect(200);
    let r = srv.get("/__admin/sessions").await;
    let names: Vec<&str> = r.json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["default", "s1"]);
    assert_eq!(r.json["max_sessions"], 1000);
    srv.delete("/__admin/sessions/s1").await.expect(204);
    srv.delete("/__admin/sessions/s1").await.expect(404);
    let r = srv.get("/__admin/sessions").await;
    assert_eq!(r.json["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn sessions_past_the_limit_are_refused_with_429_never_evicted() {
    let srv = TestServer::start_with(|o| o.engine.max_sessions = 2).await;
    srv.req(Method::GET, "/api/providers")
        .session("second")
        .send()
        .await
        .expect(200);
    let r = srv
        .req(Method::GET, "/api/providers")
        .session("third")
        .send()
        .await;
    r.expect(429);
    assert_eq!(r.json["errors"][0]["code"], "TOO_MANY_SESSIONS");
    assert!(
        r.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--max-sessions")
    );
    // The existing ones still answer.
    srv.req(Method::GET, "/api/providers")
        .session("second")
        .send()
        .await
        .expect(200);
    // Dropping one makes room.
    srv.delete("/__admin/sessions/second").await.expect(204);
    srv.req(Method::GET, "/api/providers")
        .session("third")
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn reset_restores_the_scenario_and_clears_the_journal() {
    let srv = TestServer::start().await;
    srv.post("/api/providers", pbx_provider("temp"))
        .await
        .expect(201);
    assert_eq!(srv.get("/api/providers").await.json["count"], 3);
    srv.post("/__admin/reset", json!({})).await.expect(200);
    assert_eq!(
        srv.get("/__admin/requests").await.json["count"],
        0,
        "journal cleared"
    );
    assert_eq!(srv.get("/api/providers").await.json["count"], 2);
}

#[tokio::test]
async fn reset_replays_the_same_ids_under_a_seed() {
    let srv = TestServer::start().await;
    let first = srv.post("/api/providers", pbx_provider("x")).await.json["id"].clone();
    srv.post("/__admin/reset", json!({})).await.expect(200);
    let again = srv.post("/api/providers", pbx_provider("x")).await.json["id"].clone();
    assert_eq!(first, again);
}

#[tokio::test]
async fn reset_touches_only_the_named_session() {
    let srv = TestServer::start().await;
    for s in ["a", "b"] {
        srv.req(Method::POST, "/api/providers")
            .session(s)
            .json(&pbx_provider("x"))
            .send()
            .await
            .expect(201);
    }
    srv.req(Method::POST, "/__admin/reset")
        .session("a")
        .send()
        .await
        .expect(200);
    let a = srv
        .req(Method::GET, "/api/providers")
        .session("a")
        .send()
        .await;
    let b = srv
        .req(Method::GET, "/api/providers")
        .session("b")
        .send()
        .await;
    assert_eq!(
        (a.json["count"].clone(), b.json["count"].clone()),
        (json!(2), json!(3))
    );
}

#[tokio::test]
async fn state_round_trips_exactly() {
    let srv = TestServer::start().await;
    srv.post("/api/providers", pbx_provider("kept"))
        .await
        .expect(201);
    // Restore the dump into a fresh session and dump again: the same document.
    let (dumped, copy) = srv.state_and_its_copy_in("copy").await;
    assert_eq!(dumped, copy);
    let list = srv
        .req(Method::GET, "/api/providers")
        .session("copy")
        .send()
        .await;
    assert_eq!(list.json["count"], 3);
}

#[tokio::test]
async fn a_bad_state_is_refused_naming_the_pointer_and_nothing_changes() {
    let srv = TestServer::start().await;
    let before = srv.get("/__admin/state").await.json;
    let r = srv
        .put(
            "/__admin/state",
            json!({"pbx": {"providers": [{"id": "x"}]}}),
        )
        .await;
    r.expect(400);
    assert_eq!(r.json["error"], "/pbx/providers/0/name: must be a string");
    let r = srv.put("/__admin/state", json!({"nosuch": {}})).await;
    r.expect(400);
    assert_eq!(srv.get("/__admin/state").await.json, before);
}

#[tokio::test]
async fn the_journal_lists_requests_newest_first_with_filters() {
    let srv = TestServer::start().await;
    srv.get("/api/providers").await;
    srv.post("/api/providers", pbx_provider("j")).await;
    srv.get("/api/providers/export").await;
    let r = srv.get("/__admin/requests").await;
    let reqs = r.json["requests"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = reqs
        .iter()
        .map(|e| (e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET", "/api/providers/export"),
            ("POST", "/api/providers"),
            ("GET", "/api/providers")
        ]
    );
    let post = &reqs[1];
    assert_eq!(post["status"], 201);
    assert_eq!(post["operation_id"], "pbx_create_provider");
    assert!(post["body"].as_str().unwrap().contains("\"j\""));
    let only_posts = srv.get("/__admin/requests?method=POST").await;
    assert_eq!(only_posts.json["count"], 1);
    let by_path = srv.get("/__admin/requests?path=export%24").await;
    assert_eq!(by_path.json["count"], 1);
}

#[tokio::test]
async fn requests_can_be_counted_and_cleared() {
    let srv = TestServer::start().await;
    for _ in 0..3 {
        srv.post("/api/providers", pbx_provider("c")).await;
    }
    srv.get("/api/providers").await;
    let r = srv
        .post(
            "/__admin/requests/count",
            json!({"method": "POST", "path": "^/api/providers$"}),
        )
        .await;
    assert_eq!(r.json, json!({"count": 3}));
    let r = srv
        .post("/__admin/requests/count", json!({"path": "("}))
        .await;
    r.expect(400);
    srv.delete("/__admin/requests").await.expect(204);
    assert_eq!(srv.get("/__admin/requests").await.json["count"], 0);
}

#[tokio::test]
async fn the_journal_is_a_bounded_ring() {
    let srv = TestServer::start_with(|o| o.engine.journal_limit = 3).await;
    for i in 0..5 {
        srv.get(&format!("/api/providers?skip={i}")).await;
    }
    let r = srv.get("/__admin/requests").await;
    let queries: Vec<&str> = r.json["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries, vec!["skip=4", "skip=3", "skip=2"]);
}

#[tokio::test]
async fn admin_calls_honour_the_session_header() {
    let srv = TestServer::start().await;
    srv.req(Method::GET, "/api/providers")
        .session("x")
        .send()
        .await;
    let x = srv
        .req(Method::GET, "/__admin/requests")
        .session("x")
        .send()
        .await;
    let default = srv.get("/__admin/requests").await;
    assert_eq!(x.json["count"], 1);
    assert_eq!(default.json["count"], 0);
}

#[tokio::test]
async fn the_admin_token_guards_admin_calls_only() {
    let srv = TestServer::start_with(|o| o.engine.admin_token = Some("s3cret".into())).await;
    let r = srv.get("/__admin/health").await;
    r.expect(401);
    assert!(r.json["error"].as_str().unwrap().contains("Bearer"));
    srv.req(Method::GET, "/__admin/health")
        .header("authorization", "Bearer wrong")
        .send()
        .await
        .expect(401);
    srv.req(Method::GET, "/__admin/health")
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .expect(200);
    srv.get("/api/providers").await.expect(200);
}

#[tokio::test]
async fn a_scenario_can_be_applied_at_run_time() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            "/__admin/scenarios",
            json!({"name": "empty pbx", "state": {"pbx": {"providers": []}}}),
        )
        .await;
    r.expect(200);
    assert_eq!(srv.get("/api/providers").await.json["count"], 0);
    let r = srv
        .post(
            "/__admin/scenarios",
            json!({"state": {"pbx": {"providers": [{"id": 1}]}}}),
        )
        .await;
    r.expect(400);
    let r = srv
        .post("/__admin/scenarios", json!({"nmae": "typo"}))
        .await;
    r.expect(400);
    assert!(r.json["error"].as_str().unwrap().contains("nmae"));
}

#[tokio::test]
async fn a_scenario_with_a_mistyped_setting_is_refused_and_changes_nothing() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            "/__admin/scenarios",
            json!({"settings": {"fusion": {"any_parent": "yes"}}}),
        )
        .await;
    r.expect(400);
    let message = r.json["error"].as_str().unwrap();
    assert!(
        message.starts_with("<request body>#/settings/fusion/any_parent: invalid type"),
        "{message}"
    );
    // A setting that is right takes effect: an unknown tenant now exists, empty.
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"fusion": {"any_parent": true}}}),
    )
    .await
    .expect(200);
    srv.get("/api/v01/draas/draas_v1/tenants/00000000-0000-4000-8000-000000000000/subscriptions/1/trunkgroups")
        .await
        .expect(200);
}

#[tokio::test]
async fn the_clock_advances_per_session() {
    let srv = TestServer::start().await;
    let r = srv
        .post("/__admin/clock/advance", json!({"seconds": 3600}))
        .await;
    r.expect(200);
    assert_eq!(r.json["offset_seconds"], 3600.0);
    let other = srv
        .req(Method::GET, "/__admin/clock")
        .session("other")
        .send()
        .await;
    assert_eq!(other.json["offset_seconds"], 0.0);
    srv.post("/__admin/clock/advance", json!({"seconds": -1}))
        .await
        .expect(400);
}

#[tokio::test]
async fn unknown_admin_endpoints_are_404() {
    let srv = TestServer::start().await;
    let r = srv.get("/__admin/nope").await;
    r.expect(404);
    assert!(r.json["error"].is_string());
}

#[tokio::test]
async fn paths_outside_every_family_are_a_plain_json_404() {
    let srv = TestServer::start().await;
    let r = srv.get("/nothing/here").await;
    r.expect(404);
    assert!(r.json["error"].as_str().unwrap().contains("/nothing/here"));
}

#[tokio::test]
async fn the_journal_keeps_request_headers_with_repeats_as_lists() {
    let srv = TestServer::start().await;
    srv.req(Method::GET, "/api/providers")
        .header("x-trace", "one")
        .header("x-trace", "two")
        .header("x-suite", "nightly")
        .send()
        .await;
    let r = srv.get("/__admin/requests").await;
    let headers = &r.json["requests"][0]["headers"];
    assert_eq!(headers["x-suite"], "nightly");
    assert_eq!(headers["x-trace"], json!(["one", "two"]));
}
