//! `GET /__admin/metrics`: the Prometheus text exposition of requests, latency, faults and
//! sessions.

use serde_json::json;
use trunkmock::MockServer;

async fn scrape(server: &MockServer, client: &reqwest::Client) -> String {
    let r = client
        .get(format!("{}/__admin/metrics", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; version=0.0.4");
    r.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_status_faults_latency_and_sessions() {
    let server = MockServer::start().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &str, session: &str| {
        client
            .get(format!("{}{path}", server.uri()))
            .header("x-trunkmock-session", session)
            .send()
    };
    assert_eq!(
        get("/api/providers", "default").await.unwrap().status(),
        200
    );
    assert_eq!(
        get("/api/providers", "default").await.unwrap().status(),
        200
    );
    assert_eq!(
        get("/api/providers/nope", "qa").await.unwrap().status(),
        404
    );
    assert_eq!(get("/nowhere", "qa").await.unwrap().status(), 404);
    server
        .add_fault(json!({"match": {"operation": "pbx_list_providers"}, "error": {"status": 503}}))
        .await;
    assert_eq!(
        get("/api/providers", "default").await.unwrap().status(),
        503
    );

    let text = scrape(&server, &client).await;
    for line in [
        "trunkmock_requests_total{family=\"pbx\",operationId=\"pbx_list_providers\",status=\"200\"} 2",
        "trunkmock_requests_total{family=\"pbx\",operationId=\"pbx_list_providers\",status=\"503\"} 1",
        "trunkmock_requests_total{family=\"pbx\",operationId=\"pbx_get_provider\",status=\"404\"} 1",
        "trunkmock_requests_total{family=\"none\",operationId=\"none\",status=\"404\"} 1",
        "trunkmock_fault_hits_total{family=\"pbx\",operationId=\"pbx_list_providers\"} 1",
        "trunkmock_request_duration_seconds_count{family=\"pbx\"} 4",
        "trunkmock_request_duration_seconds_bucket{family=\"pbx\",le=\"+Inf\"} 4",
        "trunkmock_sessions 2",
        "trunkmock_journal_entries 5",
        "trunkmock_journal_bytes_limit 67108864",
        // In-process servers log through the host's subscriber: nothing queued, nothing lost.
        "trunkmock_log_lines_dropped_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
    // Five journaled requests hold some bytes, and the gauge says how many.
    let bytes: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("trunkmock_journal_bytes "))
        .and_then(|v| v.parse().ok())
        .expect("a trunkmock_journal_bytes sample");
    assert!(bytes > 0, "{text}");
    // Every sample line is `name{labels} number`, as a scraper reads it.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (_, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}
