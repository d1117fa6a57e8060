//! Events: every successful write of every family is an event of its session; the clock's
//! changes (fusion sync, bulk jobs) too; `GET /__admin/events` filters them and
//! `GET /__admin/events/stream` shows them live.

mod common;

use std::time::Duration;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";

fn provider(name: &str) -> Value {
    json!({"name": name, "transport": "TCP", "hostname": "sip.example.net", "port": 5060,
           "outbound_server": "sbc.example.net", "outbound_server_port": 5060, "concurrency": 8})
}

/// Creates a pbx provider; answers its id.
async fn create_provider(srv: &TestServer, name: &str) -> String {
    let r = srv.post("/api/providers", provider(name)).await;
    r.expect(201);
    r.json["id"].as_str().unwrap().to_string()
}

async fn events(srv: &TestServer, query: &str) -> Vec<Value> {
    let r = srv.get(&format!("/__admin/events{query}")).await;
    r.expect(200);
    r.json["events"].as_array().unwrap().clone()
}

async fn advance(srv: &TestServer, seconds: u64) {
    srv.post("/__admin/clock/advance", json!({ "seconds": seconds }))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_write_in_any_family_is_an_event_and_a_read_is_not() {
    let srv = TestServer::start().await;
    let id = create_provider(&srv, "ev").await;
    srv.get("/api/providers").await.expect(200);
    let list = events(&srv, "").await;
    assert_eq!(list.len(), 1, "{list:?}");
    let e = &list[0];
    assert_eq!(e["family"], "pbx");
    assert_eq!(e["type"], "created");
    assert_eq!(e["resource_id"], id.as_str());
    // pbx answers a create with the new id only: that is the resource the event carries.
    assert_eq!(e["resource"]["id"], id.as_str());
    assert_eq!(e["session"], "default");
    assert_eq!(e["id"], "evt-1");
    assert!(e.get("name").is_none(), "pbx has no vendor names");
}

#[tokio::test]
async fn a_pbx_destroy_is_a_deleted_provider_and_an_update_an_updated_one() {
    let srv = TestServer::start().await;
    let id = create_provider(&srv, "gone").await;
    srv.post(&format!("/api/providers/{id}"), json!({"name": "renamed"}))
        .await
        .expect(200);
    srv.post(&format!("/api/providers/{id}/destroy"), json!({}))
        .await
        .expect(204);
    let list = events(&srv, "").await;
    let seen: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str().unwrap(),
            )
        })
        .collect();
    // Newest first.
    assert_eq!(
        seen,
        [
            ("deleted", "providers", id.as_str()),
            ("updated", "providers", id.as_str()),
            ("created", "providers", id.as_str()),
        ]
    );
    assert_eq!(list[0]["resource"], Value::Null);
    let deleted = events(&srv, "?type=deleted").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
}

#[tokio::test]
async fn a_refused_write_is_no_event() {
    let srv = TestServer::start().await;
    srv.post("/api/providers", json!({"name": 5}))
        .await
        .expect(400);
    assert!(events(&srv, "").await.is_empty());
}

#[tokio::test]
async fn fusion_writes_carry_the_documents_notification_names() {
    let srv = TestServer::start().await;
    let tg = srv
        .post(&format!("{SUB}/trunkgroups"), json!({ "name": "named" }))
        .await;
    tg.expect(200);
    let id = tg.json["id"].as_i64().unwrap();
    srv.put(
        &format!("{SUB}/trunkgroups/{id}"),
        json!({ "name": "renamed" }),
    )
    .await
    .expect(200);
    srv.put(
        &format!("{SUB}/trunkgroups/{id}"),
        json!({ "outgoingCalls": false }),
    )
    .await
    .expect(200);
    srv.delete(&format!("{SUB}/trunkgroups/{id}")).await;
    let names: Vec<Value> = events(&srv, "?family=fusion")
        .await
        .iter()
        .rev()
        .map(|e| e["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("create trunk_group"),
            json!("update trunk_group"),
            json!("suspend trunk_group"),
            json!("delete trunk_group")
        ]
    );
}

#[tokio::test]
async fn a_sync_finishing_on_the_clock_is_an_event_of_the_clock() {
    let srv = TestServer::start().await;
    let tg = srv
        .post(&format!("{SUB}/trunkgroups"), json!({ "name": "sync" }))
        .await;
    let id = tg.json["id"].as_i64().unwrap().to_string();
    assert!(events(&srv, "?type=status_changed").await.is_empty());
    advance(&srv, 2).await;
    let list = events(&srv, "?type=status_changed").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["operation_id"], "clock");
    assert_eq!(list[0]["resource_id"], id.as_str());
    assert_eq!(list[0]["resource"]["status"], "ok");
}

#[tokio::test]
async fn an_access_trunk_finishing_its_sync_on_the_clock_is_an_event_too() {
    let srv = TestServer::start().await;
    let created = srv
        .post(
            &format!("{SUB}/trunkgroups/6/access_trunks"),
            common::fixtures::fusion_access_trunk_create_example(),
        )
        .await;
    created.expect(200);
    // The document's example creates two access trunks; each finishes its own sync.
    let mut created_ids: Vec<String> = created.json["accessTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].to_string())
        .collect();
    created_ids.sort();
    advance(&srv, 3600).await;
    let list = events(&srv, "?type=status_changed").await;
    let mine: Vec<&Value> = list
        .iter()
        .filter(|e| e["resource_type"] == "access_trunks")
        .collect();
    let mut ids: Vec<String> = mine
        .iter()
        .map(|e| e["resource_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, created_ids, "{list:?}");
    for e in mine {
        assert_eq!(e["operation_id"], "clock");
        assert_eq!(e["resource"]["status"], "ok");
    }
}

#[tokio::test]
async fn a_bulk_job_updating_a_trunk_group_sends_the_update_notification() {
    let srv = TestServer::start().await;
    // The seeded msteams trunk group 30, named by its uuid: the bulk item updates it.
    srv.put(
        &format!("{SUB}/trunkgroups/bulk"),
        json!({"name": "rename", "data": [{
            "uuid": "5c70f993-63d8-4204-a806-3f7baae000bc",
            "name": "Renamed by bulk"
        }]}),
    )
    .await
    .expect(200);
    advance(&srv, 3600).await;
    let updates: Vec<Value> = events(&srv, "?type=updated")
        .await
        .into_iter()
        .filter(|e| e["operation_id"] == "clock")
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["name"], "update peer trunk_group");
    assert_eq!(updates[0]["resource_id"], "30");
    assert_eq!(updates[0]["resource"]["name"], "Renamed by bulk");
}

#[tokio::test]
async fn a_bulk_job_ending_on_the_clock_is_an_event_and_names_what_it_created() {
    let srv = TestServer::start().await;
    srv.put(
        &format!("{SUB}/trunkgroups/bulk"),
        json!({"name": "bulk", "data": [{"name": "Bulk TG", "numbers": ["+3226260125"]}]}),
    )
    .await
    .expect(200);
    advance(&srv, 3600).await;
    // The default scenario's own ongoing jobs end too; ours is the one titled "bulk".
    let jobs = events(&srv, "?type=bulk_jobs").await;
    let mine: Vec<&Value> = jobs
        .iter()
        .filter(|j| j["resource"]["title"] == "bulk")
        .collect();
    assert_eq!(mine.len(), 1, "{jobs:?}");
    assert_eq!(mine[0]["type"], "status_changed");
    assert_eq!(mine[0]["resource"]["status"], "success", "{mine:?}");
    let created = events(&srv, "?type=create%20trunk_group").await;
    assert!(
        created
            .iter()
            .any(|e| e["resource"]["name"] == "Bulk TG" && e["operation_id"] == "clock"),
        "{created:?}"
    );
}

#[tokio::test]
async fn filters_and_since_narrow_the_list_newest_first() {
    let srv = TestServer::start().await;
    for n in ["a", "b", "c"] {
        srv.post("/api/providers", provider(n)).await.expect(201);
    }
    let all = events(&srv, "?family=pbx").await;
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![3, 2, 1]);
    assert_eq!(events(&srv, "?since=2").await.len(), 1);
    assert_eq!(events(&srv, "?limit=2").await.len(), 2);
    assert!(events(&srv, "?family=apio").await.is_empty());
    assert!(events(&srv, "?type=deleted").await.is_empty());
    srv.get("/__admin/events?since=x").await.expect(400);
}

#[tokio::test]
async fn sessions_see_only_their_own_events() {
    let srv = TestServer::start().await;
    srv.req(Method::POST, "/api/providers")
        .json(&provider("other"))
        .session("other")
        .send()
        .await
        .expect(201);
    assert!(events(&srv, "").await.is_empty());
    let r = srv
        .req(Method::GET, "/__admin/events")
        .session("other")
        .send()
        .await;
    assert_eq!(r.json["count"], 1);
    assert_eq!(r.json["events"][0]["session"], "other");
}

#[tokio::test]
async fn a_reset_forgets_the_events() {
    let srv = TestServer::start().await;
    srv.post("/api/providers", provider("x")).await.expect(201);
    srv.post("/__admin/reset", json!({})).await.expect(200);
    assert!(events(&srv, "").await.is_empty());
}

/// Reads the SSE body until `want` `data:` lines arrived, within a deadline.
async fn read_sse(resp: &mut reqwest::Response, want: usize) -> Vec<Value> {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let datas: Vec<Value> = text
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        if datas.len() >= want {
            return datas;
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("SSE events in time")
            .expect("SSE body")
            .expect("stream still open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_stream_shows_events_live_with_their_names() {
    let srv = TestServer::start().await;
    let mut resp = srv
        .client
        .get(srv.url("/__admin/events/stream?family=fusion"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    // The opening comment says the subscription is in place before anything is written.
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b": open"));
    srv.post("/api/providers", provider("not fusion"))
        .await
        .expect(201);
    srv.post(&format!("{SUB}/trunkgroups"), json!({ "name": "live" }))
        .await
        .expect(200);
    let got = read_sse(&mut resp, 1).await;
    assert_eq!(got[0]["name"], "create trunk_group");
    assert_eq!(got[0]["resource"]["name"], "live");
}

#[tokio::test]
async fn the_stream_is_per_session() {
    let srv = TestServer::start().await;
    let mut resp = srv
        .client
        .get(srv.url("/__admin/events/stream"))
        .header("x-trunkmock-session", "mine")
        .send()
        .await
        .unwrap();
    resp.chunk().await.unwrap().unwrap();
    srv.post("/api/providers", provider("default's"))
        .await
        .expect(201);
    srv.req(Method::POST, "/api/providers")
        .json(&provider("mine"))
        .session("mine")
        .send()
        .await
        .expect(201);
    let got = read_sse(&mut resp, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["session"], "mine");
}
