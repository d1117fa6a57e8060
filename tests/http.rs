//! What HTTP asks of every route, whatever the family: `HEAD` answers like `GET` without the
//! body, `OPTIONS` lists the methods, `--cors` lets a browser call, and `--verify-responses`
//! turns an answer that breaks its own contract into a loud 500.

mod common;

use common::{Resp, TestServer};
use reqwest::Method;
use serde_json::json;

/// One `GET` route per family, answered from the default scenario.
const GET_ROUTES: [&str; 4] = [
    "/api/providers",
    "/api/rest/public/operator/incoming_trunks",
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1/trunkgroups",
    "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/",
];

/// Sends with extra headers and no contract check (HEAD, OPTIONS and CORS answers are not in
/// the contracts).
async fn unchecked_with_headers(
    srv: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = srv.req(method, path);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send_unchecked().await
}

#[tokio::test]
async fn head_answers_like_get_without_the_body_in_every_family() {
    let srv = TestServer::start().await;
    for path in GET_ROUTES {
        let get = srv.get(path).await;
        get.expect(200);
        let head = unchecked_with_headers(&srv, Method::HEAD, path, &[]).await;
        assert_eq!(head.status, 200, "{path}");
        assert!(head.bytes.is_empty(), "{path}: HEAD sent a body");
        assert_eq!(
            head.header("content-length"),
            Some(get.bytes.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
    }
    // A HEAD of something missing is the same 404 as its GET, still without a body.
    let head = unchecked_with_headers(&srv, Method::HEAD, "/api/providers/nope", &[]).await;
    assert_eq!(head.status, 404);
    assert!(head.bytes.is_empty());
}

#[tokio::test]
async fn options_answers_204_with_the_paths_methods_in_every_family() {
    let srv = TestServer::start().await;
    let expected = [
        "GET, HEAD, OPTIONS, POST",
        "GET, HEAD, OPTIONS, POST",
        "GET, HEAD, OPTIONS, POST",
        "GET, HEAD, OPTIONS, POST",
    ];
    for (path, allow) in GET_ROUTES.iter().zip(expected) {
        let r = unchecked_with_headers(&srv, Method::OPTIONS, path, &[]).await;
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(r.header("allow"), Some(allow), "{path}");
        assert!(r.bytes.is_empty());
        // Without --cors there is no CORS answer at all.
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    let missing = unchecked_with_headers(&srv, Method::OPTIONS, "/api/nothing-here", &[]).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn cors_answers_preflights_and_names_the_origin_on_every_answer() {
    let srv = TestServer::start_with(|o| o.engine.cors = true).await;
    let origin = "http://localhost:5173";
    for path in GET_ROUTES {
        let pre = unchecked_with_headers(
            &srv,
            Method::OPTIONS,
            path,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type, authorization",
                ),
            ],
        )
        .await;
        assert_eq!(pre.status, 204, "{path}");
        assert_eq!(pre.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            pre.header("access-control-allow-methods"),
            Some("GET, HEAD, OPTIONS, POST")
        );
        assert_eq!(
            pre.header("access-control-allow-headers"),
            Some("content-type, authorization")
        );
        let get = srv
            .req(Method::GET, path)
            .header("origin", origin)
            .send()
            .await;
        get.expect(200);
        assert_eq!(get.header("access-control-allow-origin"), Some(origin));
        assert_eq!(get.header("vary"), Some("Origin"));
    }
    // Error answers carry it too, or a browser script could not read why it failed.
    let missing = unchecked_with_headers(
        &srv,
        Method::GET,
        "/api/providers/nope",
        &[("origin", origin)],
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("access-control-allow-origin"), Some(origin));
}

/// A scenario whose seeded provider has no port: its GET answer breaks the `Provider` schema.
fn portless_scenario() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("trunkmock-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("portless.json");
    let scenario = json!({"name": "portless", "state": {"pbx": {"providers": [
        {"id": "cG9ydGxlc3M=", "name": "portless", "transport": "UDP", "hostname": "h",
         "port": null, "outbound_server": "o", "outbound_server_port": 5060, "concurrency": 1}
    ]}}});
    std::fs::write(&file, scenario.to_string()).unwrap();
    file
}

#[tokio::test]
async fn verify_responses_turns_a_broken_answer_into_a_500_naming_operation_and_pointer() {
    let scenario = portless_scenario();
    let checked = TestServer::start_with(|o| o.scenarios = vec![scenario.clone()]).await;
    let r = unchecked_with_headers(&checked, Method::GET, "/api/providers/cG9ydGxlc3M=", &[]).await;
    assert_eq!(r.status, 500, "{}", r.text());
    let message = r.json["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("pbx_get_provider 200"), "{message}");
    assert!(message.contains("at '/port'"), "{message}");

    // The flag is what does it: without it the broken body goes out as it is.
    let unchecked = TestServer::start_with(|o| {
        o.scenarios = vec![scenario.clone()];
        o.engine.verify_responses = false;
    })
    .await;
    let r =
        unchecked_with_headers(&unchecked, Method::GET, "/api/providers/cG9ydGxlc3M=", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["port"], serde_json::Value::Null);
}
