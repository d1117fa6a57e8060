//! Webhook delivery to a real receiver on 127.0.0.1: fusion notifications after each write and
//! after a clock advance, signatures, retries after a 500, each delivery fault, isolation.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::TestServer;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use reqwest::Method;
use serde_json::{Value, json};
use trunkmock::webhooks::sign;

const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Got {
    event_id: String,
    event: String,
    signature: Option<String>,
    raw: Bytes,
    body: Value,
}

/// A tiny webhook receiver: records every POST and answers the statuses it is told to, in
/// order (200 once they run out).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let answers: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let (g, a) = (got.clone(), answers.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (g, a) = (g.clone(), a.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (g, a) = (g.clone(), a.clone());
                        async move {
                            let h = |n: &str| {
                                req.headers()
                                    .get(n)
                                    .map(|v| v.to_str().unwrap().to_string())
                            };
                            let (event_id, event, signature) = (
                                h("x-trunkmock-event-id").unwrap_or_default(),
                                h("x-trunkmock-event").unwrap_or_default(),
                                h("x-trunkmock-signature"),
                            );
                            let raw = req.into_body().collect().await.unwrap().to_bytes();
                            let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
                            g.lock().unwrap().push(Got {
                                event_id,
                                event,
                                signature,
                                raw,
                                body,
                            });
                            let status = a.lock().unwrap().pop_front().unwrap_or(200);
                            let mut r = hyper::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, got, answers }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Polls until `n` POSTs arrived (bounded: 5 s), then returns them.
    async fn wait_for(&self, n: usize) -> Vec<Got> {
        for _ in 0..250 {
            if self.got.lock().unwrap().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("expected {n} deliveries, got {:?}", self.got());
    }
}

/// The payload schema the fusion contract publishes under `webhooks`.
fn notification_schema() -> jsonschema::Validator {
    let doc: Value = serde_json::from_slice(
        &std::fs::read(common::repo().join("contracts/fusion.openapi.json")).unwrap(),
    )
    .unwrap();
    let schema = &doc["webhooks"]["notification"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    jsonschema::validator_for(schema).unwrap()
}

async fn register(srv: &TestServer, session: &str, hook: Value) -> Value {
    let r = srv
        .req(Method::POST, "/__admin/webhooks")
        .json(&hook)
        .session(session)
        .send()
        .await;
    r.expect(201);
    r.json["webhooks"][0].clone()
}

async fn add_fault(srv: &TestServer, fault: Value) {
    srv.post("/__admin/webhooks/faults", fault)
        .await
        .expect(201);
}

async fn create_tg(srv: &TestServer, name: &str) -> i64 {
    let r = srv
        .post(&format!("{SUB}/trunkgroups"), json!({ "name": name }))
        .await;
    r.expect(200);
    r.json["id"].as_i64().unwrap()
}

async fn deliveries(srv: &TestServer) -> Vec<Value> {
    srv.get("/__admin/webhooks/deliveries").await.json["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn each_fusion_write_sends_its_documented_notification() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url, "events": ["*"] })).await;
    let id = create_tg(&srv, "hooked").await;
    srv.put(
        &format!("{SUB}/trunkgroups/{id}"),
        json!({ "incomingCalls": false }),
    )
    .await
    .expect(200);
    srv.delete(&format!("{SUB}/trunkgroups/{id}")).await;
    let got = rx.wait_for(3).await;
    let names: Vec<&str> = got.iter().map(|g| g.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "create trunk_group",
            "suspend trunk_group",
            "delete trunk_group"
        ]
    );
    assert_eq!(got[0].body["name"], "create trunk_group");
    assert_eq!(got[0].body["resource"]["name"], "hooked");
    assert_eq!(got[0].event_id, got[0].body["id"].as_str().unwrap());
    let schema = notification_schema();
    for g in &got {
        let errors: Vec<String> = schema.iter_errors(&g.body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?} in {}", g.body);
    }
}

#[tokio::test]
async fn a_receiver_gets_only_the_events_it_asked_for() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(
        &srv,
        "default",
        json!({ "url": rx.url, "events": ["delete trunk_group"] }),
    )
    .await;
    let id = create_tg(&srv, "filtered").await;
    srv.delete(&format!("{SUB}/trunkgroups/{id}")).await;
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].event, "delete trunk_group");
    // The receiver is polled once more: nothing else comes after the one it wanted.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.got().len(), 1);
}

#[tokio::test]
async fn a_sync_transition_arrives_after_a_clock_advance() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(
        &srv,
        "default",
        json!({ "url": rx.url, "events": ["status_changed"] }),
    )
    .await;
    let id = create_tg(&srv, "syncing").await;
    srv.post("/__admin/clock/advance", json!({ "seconds": 2 }))
        .await
        .expect(200);
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].body["operation_id"], "clock");
    assert_eq!(got[0].body["resource_id"], id.to_string());
    assert_eq!(got[0].body["resource"]["status"], "ok");
}

#[tokio::test]
async fn the_signature_is_hmac_sha256_of_the_body_with_the_secret() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(
        &srv,
        "default",
        json!({ "url": rx.url, "secret": "s3cret" }),
    )
    .await;
    create_tg(&srv, "signed").await;
    let got = rx.wait_for(1).await;
    let expected = format!(
        "sha256={}",
        sign::hex(&sign::hmac_sha256(b"s3cret", &got[0].raw))
    );
    assert_eq!(got[0].signature.as_deref(), Some(expected.as_str()));
}

#[tokio::test]
async fn a_500_is_retried_with_backoff_and_every_attempt_is_recorded() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    rx.answers.lock().unwrap().extend([500, 500]);
    register(&srv, "default", json!({ "url": rx.url, "backoff_ms": 10 })).await;
    create_tg(&srv, "retried").await;
    let got = rx.wait_for(3).await;
    assert!(got.iter().all(|g| g.event_id == got[0].event_id));
    let d = deliveries(&srv).await;
    let outcomes: Vec<(&str, u64)> = d
        .iter()
        .map(|a| {
            (
                a["outcome"].as_str().unwrap(),
                a["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![("failed", 500), ("failed", 500), ("delivered", 200)]
    );
}

#[tokio::test]
async fn retries_are_bounded() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    rx.answers.lock().unwrap().extend([503; 10]);
    register(
        &srv,
        "default",
        json!({ "url": rx.url, "retries": 1, "backoff_ms": 1 }),
    )
    .await;
    create_tg(&srv, "gives up").await;
    rx.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.got().len(), 2);
}

#[tokio::test]
async fn drop_loses_the_delivery_and_says_so() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(&srv, json!({ "action": "drop", "times": 1 })).await;
    create_tg(&srv, "lost").await;
    create_tg(&srv, "kept").await;
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].body["resource"]["name"], "kept");
    let d = deliveries(&srv).await;
    assert_eq!(d[0]["outcome"], "dropped");
    assert_eq!(d[0]["fault"], "drop");
}

#[tokio::test]
async fn duplicate_sends_the_same_event_twice() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(&srv, json!({ "action": "duplicate" })).await;
    create_tg(&srv, "twice").await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].event_id, got[1].event_id);
    assert_eq!(got[0].raw, got[1].raw);
}

#[tokio::test]
async fn answer_lost_sends_again_although_the_receiver_said_200() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(&srv, json!({ "action": "answer_lost", "times": 1 })).await;
    create_tg(&srv, "again").await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].event_id, got[1].event_id);
    let d = deliveries(&srv).await;
    assert_eq!(d[0]["outcome"], "answer_lost");
    assert_eq!(d[1]["outcome"], "delivered");
}

#[tokio::test]
async fn reorder_sends_the_next_event_first() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(&srv, json!({ "action": "reorder", "times": 1 })).await;
    create_tg(&srv, "first").await;
    create_tg(&srv, "second").await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].body["resource"]["name"], "second");
    assert_eq!(got[1].body["resource"]["name"], "first");
}

#[tokio::test]
async fn delay_sends_late_and_after_skips_the_first_ones() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(
        &srv,
        json!({ "action": "delay", "delay_ms": 300, "after": 1 }),
    )
    .await;
    create_tg(&srv, "on time").await;
    rx.wait_for(1).await;
    let started = std::time::Instant::now();
    create_tg(&srv, "late").await;
    let got = rx.wait_for(2).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(got[1].body["resource"]["name"], "late");
    assert_eq!(deliveries(&srv).await[1]["fault"], "delay");
}

#[tokio::test]
async fn probability_zero_never_acts() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    register(&srv, "default", json!({ "url": rx.url })).await;
    add_fault(&srv, json!({ "action": "drop", "probability": 0.0 })).await;
    create_tg(&srv, "through").await;
    rx.wait_for(1).await;
    srv.post(
        "/__admin/webhooks/faults",
        json!({ "action": "drop", "probability": 2 }),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn webhooks_belong_to_their_session() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    let hook = register(&srv, "other", json!({ "url": rx.url })).await;
    create_tg(&srv, "default session").await;
    srv.req(Method::POST, &format!("{SUB}/trunkgroups"))
        .json(&json!({ "name": "other session" }))
        .session("other")
        .send()
        .await
        .expect(200);
    let got = rx.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.got().len(), 1);
    assert_eq!(got[0].body["session"], "other");
    let listed = srv.get("/__admin/webhooks").await;
    assert_eq!(listed.json["webhooks"], json!([]));
    srv.req(
        Method::DELETE,
        &format!("/__admin/webhooks/{}", hook["id"].as_str().unwrap()),
    )
    .session("other")
    .send()
    .await
    .expect(204);
}

#[tokio::test]
async fn a_scenario_registers_receivers_for_every_session() {
    let rx = Receiver::start().await;
    let dir = std::env::temp_dir().join(format!("trunkmock-wh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hooks.json");
    std::fs::write(
        &file,
        serde_json::to_vec(
            &json!({ "webhooks": [{ "url": rx.url, "events": ["create trunk_group"] }] }),
        )
        .unwrap(),
    )
    .unwrap();
    let srv = TestServer::start_with(|o| o.scenarios.push(file.clone())).await;
    create_tg(&srv, "from scenario").await;
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].event, "create trunk_group");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_receiver_is_refused() {
    let srv = TestServer::start().await;
    srv.post("/__admin/webhooks", json!({ "url": "ftp://x" }))
        .await
        .expect(400);
    srv.post(
        "/__admin/webhooks",
        json!({ "url": "http://x", "colour": 1 }),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn a_scenario_applied_to_a_session_adds_its_receivers() {
    let srv = TestServer::start().await;
    let rx = Receiver::start().await;
    srv.post(
        "/__admin/scenarios",
        json!({ "name": "hooks", "webhooks": [{ "url": rx.url, "id": "applied" }] }),
    )
    .await
    .expect(200);
    assert_eq!(
        srv.get("/__admin/webhooks").await.json["webhooks"][0]["id"],
        "applied"
    );
    create_tg(&srv, "applied").await;
    rx.wait_for(1).await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_slow_the_api() {
    let srv = TestServer::start().await;
    // Accepts connections (the kernel's backlog does) and never answers a byte.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", silent.local_addr().unwrap());
    register(&srv, "default", json!({ "url": url, "retries": 0 })).await;
    let started = std::time::Instant::now();
    for n in 0..3 {
        create_tg(&srv, &format!("fast {n}")).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}
