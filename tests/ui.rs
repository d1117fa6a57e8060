//! The dashboard's server side over real HTTP: the page and its assets, the admin token as a
//! cookie, and the journal fields the page shows (`response_body`, `problem`, `fault_rule`).
//! The page itself is driven in a browser by `tests/ui_browser.rs`.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_compiled_in() {
    let srv = TestServer::start().await;
    let client = no_redirects();
    for (path, media) in [
        ("/__admin/ui", "text/html"),
        ("/__admin/ui/", "text/html"),
        ("/__admin/ui/app.js", "text/javascript"),
        ("/__admin/ui/app.css", "text/css"),
        ("/__admin/ui/examples.json", "application/json"),
    ] {
        let r = client.get(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(media), "{path}: {ct}");
        assert!(
            r.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
    let missing = client
        .get(srv.url("/__admin/ui/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // The page is not an API request: it never reaches the journal.
    let journal = srv.get("/__admin/requests").await;
    assert_eq!(journal.json["count"], 0);
}

#[tokio::test]
async fn every_example_scenario_is_offered_and_every_fault_template_is_a_valid_rule() {
    let srv = TestServer::start().await;
    let examples: Value = no_redirects()
        .get(srv.url("/__admin/ui/examples.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut offered: Vec<String> = examples["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap().to_string())
        .collect();
    offered.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(common::repo().join("scenarios/examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    assert_eq!(
        offered, on_disk,
        "src/admin/ui.rs EXAMPLES must list scenarios/examples/"
    );
    for s in examples["scenarios"].as_array().unwrap() {
        let r = srv
            .req(Method::POST, "/__admin/scenarios")
            .session(s["file"].as_str().unwrap())
            .json(&s["scenario"])
            .send()
            .await;
        assert!(r.status < 300, "{}: {}", s["file"], r.text());
    }
    let templates = examples["fault_templates"].as_array().unwrap();
    assert!(templates.len() >= 4);
    for t in templates {
        let r = srv
            .req(Method::POST, "/__admin/faults")
            .session("templates")
            .json(&t["rule"])
            .send()
            .await;
        assert_eq!(r.status, 201, "{}: {}", t["title"], r.text());
    }
}

#[tokio::test]
async fn with_an_admin_token_the_page_is_refused_until_the_token_sets_its_cookie() {
    let srv = TestServer::start_with(|o| o.engine.admin_token = Some("s3cret".into())).await;
    let client = no_redirects();
    let refused = client.get(srv.url("/__admin/ui")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains("?token="));
    let wrong = client
        .get(srv.url("/__admin/ui?token=guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!wrong.headers().contains_key("set-cookie"));
    for asset in ["/__admin/ui/app.js", "/__admin/ui/examples.json"] {
        let r = client.get(srv.url(asset)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{asset}");
    }

    let signed = client
        .get(srv.url("/__admin/ui?token=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()["location"], "/__admin/ui");
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in [
        "trunkmock_admin=s3cret",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/__admin",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let with_cookie = |path: &str| {
        client
            .get(srv.url(path))
            .header("cookie", "other=1; trunkmock_admin=s3cret")
    };
    assert_eq!(
        with_cookie("/__admin/ui").send().await.unwrap().status(),
        200
    );
    assert_eq!(
        with_cookie("/__admin/ui/app.js")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The cookie opens the admin API the page calls, and a wrong one does not.
    assert_eq!(
        with_cookie("/__admin/requests")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let bad = client
        .get(srv.url("/__admin/requests"))
        .header("cookie", "trunkmock_admin=guess")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    // Bearer keeps working for the page too (a tool that fetches it).
    let bearer = client
        .get(srv.url("/__admin/ui"))
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);
}

#[tokio::test]
async fn the_journal_keeps_the_answer_body_and_why_the_engine_refused() {
    let srv = TestServer::start().await;
    let id = srv
        .create_pbx_provider(common::fixtures::pbx_provider("journaled"))
        .await;
    srv.req(Method::POST, "/api/providers")
        .json(&json!({ "name": 5 }))
        .send()
        .await
        .expect(400);
    let rule = srv
        .add_fault_rule(
            json!({ "id": "boom", "match": { "method": "GET", "path": "^/api/providers/" },
                                 "error": { "status": 503 } }),
        )
        .await;
    assert_eq!(rule, "boom");
    srv.get(&format!("/api/providers/{id}")).await.expect(503);

    let journal = srv.get("/__admin/requests").await;
    let list = journal.json["requests"].as_array().unwrap();
    let (faulted, refused, created) = (&list[0], &list[1], &list[2]);
    let answer: Value = serde_json::from_str(created["response_body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["id"], id.as_str());
    assert!(created.get("problem").is_none());
    assert!(created.get("fault_rule").is_none());

    let problem = refused["problem"].as_str().unwrap();
    assert!(problem.contains("request validation failed"), "{problem}");
    assert!(refused["response_body"].as_str().unwrap().contains("name"));

    assert_eq!(faulted["fault"], "boom");
    assert_eq!(faulted["fault_rule"], "boom");
    assert_eq!(faulted["status"], 503);
    assert!(faulted["response_body"].is_string());
}

#[tokio::test]
async fn a_prefer_header_is_a_fault_without_a_rule() {
    let srv = TestServer::start().await;
    srv.req(Method::GET, "/api/providers/999")
        .header("prefer", "code=404")
        .send()
        .await
        .expect(404);
    let journal = srv.get("/__admin/requests").await;
    let e = &journal.json["requests"][0];
    assert_eq!(e["fault"], "prefer");
    assert!(e.get("fault_rule").is_none());
}

#[tokio::test]
async fn an_answer_without_a_body_on_the_wire_journals_none() {
    let srv = TestServer::start().await;
    srv.req(Method::HEAD, "/api/providers")
        .send()
        .await
        .expect(200);
    let journal = srv.get("/__admin/requests").await;
    let e = &journal.json["requests"][0];
    assert_eq!(e["method"], "HEAD");
    assert!(e["response_body"].is_null(), "{e}");
}

#[tokio::test]
async fn a_sign_in_answer_is_journaled_with_its_tokens_masked() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            "/api/v01/auth/login",
            json!({ "username": "admin", "password": "admin-secret" }),
        )
        .await;
    r.expect(200);
    let access = r.json["access_token"].as_str().unwrap().to_string();
    let journal = srv.get("/__admin/requests").await;
    let e = &journal.json["requests"][0];
    let answer: Value = serde_json::from_str(e["response_body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["access_token"], "<redacted>");
    assert!(!journal.json.to_string().contains(&access));
}
