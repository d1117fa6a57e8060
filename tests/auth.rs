//! Sign-in, tokens and permissions over HTTP, fusion first (the family with the richest role
//! scheme), then what every family shares: modes, the `--auth` override, the journal, `check`.

mod common;

use common::{TestServer, repo};
use reqwest::Method;
use serde_json::{Value, json};
use trunkmock::engine::auth::AuthMode;

const TGS: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1/trunkgroups";

async fn strict() -> TestServer {
    TestServer::start_with(|o| {
        o.scenarios
            .push(repo().join("scenarios/examples/strict-auth.json"))
    })
    .await
}

async fn fusion_login(srv: &TestServer, user: &str, password: &str) -> Value {
    let r = srv
        .post(
            "/api/v01/auth/login",
            json!({"username": user, "password": password}),
        )
        .await;
    r.expect(200);
    r.json.clone()
}

async fn get_as(srv: &TestServer, path: &str, token: &str) -> common::Resp {
    srv.req(Method::GET, path)
        .header("authorization", &format!("Bearer {token}"))
        .send()
        .await
}

async fn advance(srv: &TestServer, seconds: u64) {
    srv.post("/__admin/clock/advance", json!({ "seconds": seconds }))
        .await
        .expect(200);
}

#[tokio::test]
async fn fusion_login_hands_out_a_token_pair_and_a_wrong_password_answers_the_vendors_401() {
    let srv = TestServer::start().await;
    let tokens = fusion_login(&srv, "admin", "admin-secret").await;
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
    let r = srv
        .post(
            "/api/v01/auth/login",
            json!({"username": "admin", "password": "nope"}),
        )
        .await;
    r.expect(401);
    assert_eq!(r.json, json!({"error": "Invalid username or password"}));
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"fusion\"")
    );
}

#[tokio::test]
async fn required_mode_refuses_missing_bad_and_expired_tokens_and_refresh_carries_on() {
    let srv = strict().await;
    let bare = srv.get(TGS).await;
    bare.expect(401);
    assert_eq!(
        bare.header("www-authenticate"),
        Some("Bearer realm=\"fusion\"")
    );
    assert_eq!(bare.json["reason"], "credentials are required");
    get_as(&srv, TGS, "made-up").await.expect(401);

    let tokens = fusion_login(&srv, "admin", "admin-secret").await;
    let access = tokens["access_token"].as_str().unwrap();
    get_as(&srv, TGS, access).await.expect(200);

    // The default lifetime is an hour of virtual time.
    advance(&srv, 3600).await;
    let expired = get_as(&srv, TGS, access).await;
    expired.expect(401);
    assert_eq!(expired.json["reason"], "the token has expired");

    let r = srv
        .post(
            "/api/v01/auth/refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    r.expect(200);
    get_as(&srv, TGS, r.json["access_token"].as_str().unwrap())
        .await
        .expect(200);
    // The old pair is retired: its refresh token does not work twice.
    srv.post(
        "/api/v01/auth/refresh",
        json!({"refresh_token": tokens["refresh_token"]}),
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn optional_mode_serves_a_bare_request_but_refuses_a_bad_token() {
    let srv = TestServer::start().await;
    srv.get(TGS).await.expect(200);
    get_as(&srv, TGS, "made-up").await.expect(401);
}

#[tokio::test]
async fn a_fusion_user_without_the_documents_role_gets_the_documented_403() {
    let srv = strict().await;
    let tokens = fusion_login(&srv, "reader", "reader-secret").await;
    let access = tokens["access_token"].as_str().unwrap();
    get_as(&srv, TGS, access).await.expect(200);
    let r = srv
        .req(Method::DELETE, &format!("{TGS}/1"))
        .header("authorization", &format!("Bearer {access}"))
        .send()
        .await;
    r.expect(403);
    insta::assert_json_snapshot!(r.json);
}

#[tokio::test]
async fn tokens_belong_to_the_session_that_issued_them_and_vanish_on_reset() {
    let srv = strict().await;
    let tokens = fusion_login(&srv, "admin", "admin-secret").await;
    let access = tokens["access_token"].as_str().unwrap();
    srv.req(Method::GET, TGS)
        .session("other")
        .header("authorization", &format!("Bearer {access}"))
        .send()
        .await
        .expect(401);
    srv.post("/__admin/reset", json!({})).await.expect(200);
    get_as(&srv, TGS, access).await.expect(401);
}

#[tokio::test]
async fn prefer_401_and_403_answer_what_the_contract_documents() {
    let srv = TestServer::start().await;
    for code in [401, 403] {
        let r = srv
            .req(Method::GET, TGS)
            .header("prefer", &format!("code={code}"))
            .send()
            .await;
        r.expect(code);
    }
}

#[tokio::test]
async fn the_journal_names_the_user_and_never_holds_a_secret() {
    let srv = TestServer::start().await;
    let tokens = fusion_login(&srv, "admin", "admin-secret").await;
    let access = tokens["access_token"].as_str().unwrap();
    get_as(&srv, TGS, access).await.expect(200);
    srv.get(TGS).await.expect(200);
    let journal = srv.get("/__admin/requests").await.json.clone();
    let text = journal.to_string();
    assert!(!text.contains("admin-secret"), "{text}");
    assert!(!text.contains(access), "{text}");
    let entries = journal["requests"].as_array().unwrap();
    let users: Vec<&Value> = entries
        .iter()
        .filter(|e| e["path"] == TGS)
        .map(|e| &e["user"])
        .collect();
    assert!(users.contains(&&json!("admin")), "{journal}");
    assert!(users.contains(&&Value::Null), "{journal}");
}

#[tokio::test]
async fn the_auth_flag_overrides_the_scenarios_mode() {
    let srv = TestServer::start_with(|o| {
        o.scenarios
            .push(repo().join("scenarios/examples/strict-auth.json"));
        o.engine.auth = Some(AuthMode::Off);
    })
    .await;
    srv.get(TGS).await.expect(200);
    get_as(&srv, TGS, "made-up").await.expect(200);
    let required = TestServer::start_with(|o| o.engine.auth = Some(AuthMode::Required)).await;
    required.get(TGS).await.expect(401);
}

#[tokio::test]
async fn the_token_lifetime_setting_is_obeyed() {
    let srv = TestServer::start_with(|o| {
        o.scenarios
            .push(repo().join("scenarios/examples/strict-auth.json"));
    })
    .await;
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"fusion": {"token_lifetime_secs": 10}}}),
    )
    .await;
    let tokens = fusion_login(&srv, "admin", "admin-secret").await;
    let access = tokens["access_token"].as_str().unwrap();
    advance(&srv, 9).await;
    get_as(&srv, TGS, access).await.expect(200);
    advance(&srv, 1).await;
    get_as(&srv, TGS, access).await.expect(401);
}

#[test]
fn check_names_bad_auth_sections_with_file_and_pointer() {
    let dir = std::env::temp_dir().join(format!("trunkmock-auth-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad-auth.json");
    let doc = json!({"auth": {
        "fusion": {"users": [
            {"username": "a", "password": "x", "roles": ["tenants.instance.subscriptions.instance.trunkgroups.lsit"]},
            {"username": "a", "password": "y", "roles": ["*"]}
        ]},
        "apio": {"users": [{"username": "b", "password": "x", "level": "Emperor"}]},
        "nosuch": {"users": []}
    }});
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut o = common::options();
    o.scenarios.push(file.clone());
    let problems = trunkmock::check(&o);
    let f = file.display().to_string();
    for expected in [
        format!("{f}#/auth/fusion/users/0/roles/0: unknown role string"),
        format!("{f}#/auth/fusion/users/1/username: user \"a\" is listed twice"),
        format!("{f}#/auth/apio/users/0/level: unknown level \"Emperor\""),
        format!("{f}#/auth/nosuch: no family named nosuch"),
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(&expected)),
            "{expected} not in {problems:#?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unknown_path_beside_a_sign_in_answers_in_the_family_shape() {
    let srv = common::TestServer::start().await;
    let fusion = srv.get("/api/v01/auth/logn").await;
    fusion.expect(404);
    assert!(fusion.json["code"].is_number(), "{}", fusion.json);
    let pbx = srv.get("/api/auth/sign_on").await;
    pbx.expect(404);
    assert_eq!(pbx.json["errors"][0]["code"], "NOT_FOUND");
    let apio = srv.get("/api/v1/login").await;
    apio.expect(404);
    assert!(apio.json.get("details").is_some(), "{}", apio.json);
}
