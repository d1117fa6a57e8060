//! Sign-in and permissions in pbx, apio and operator, each in its vendor's way, with every
//! family in `required` mode (scenarios/examples/strict-auth.json).

mod common;

use base64::Engine as _;
use common::{TestServer, repo};
use reqwest::Method;
use serde_json::json;

const PROVIDERS: &str = "/api/providers";
const APIO_TGS: &str = "/api/v1/tenants/footenant/groups/foogroup/services/trunk_groups/";
const APIO_OTHER: &str = "/api/v1/tenants/footenant/groups/othergroup/services/trunk_groups/";
const ITC_AVAILABLE: &str = "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity/available_numbers/";
const TRUNKS: &str = "/api/rest/public/operator/incoming_trunks";

async fn strict() -> TestServer {
    TestServer::start_with(|o| {
        o.scenarios
            .push(repo().join("scenarios/examples/strict-auth.json"))
    })
    .await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn basic(user: &str, password: &str) -> String {
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

async fn pbx_sign_in(srv: &TestServer, user: &str, password: &str) -> common::Resp {
    srv.post(
        "/api/auth/sign_in",
        json!({"username": user, "password": password, "domain": "pbx.example.com"}),
    )
    .await
}

#[tokio::test]
async fn pbx_sign_in_answers_the_vendors_token_document_and_checks_the_domain() {
    let srv = strict().await;
    let r = pbx_sign_in(&srv, "admin", "admin-secret").await;
    r.expect(200);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 3600);
    let wrong_domain = srv
        .post(
            "/api/auth/sign_in",
            json!({"username": "admin", "password": "admin-secret", "domain": "other"}),
        )
        .await;
    wrong_domain.expect(401);
    assert_eq!(
        wrong_domain.json["errors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
}

#[tokio::test]
async fn pbx_required_mode_expiry_refresh_and_the_viewers_403() {
    let srv = strict().await;
    let bare = srv.get(PROVIDERS).await;
    bare.expect(401);
    assert_eq!(bare.json["errors"][0]["code"], "UNAUTHORIZED");
    assert_eq!(
        bare.header("www-authenticate"),
        Some("Bearer realm=\"pbx\"")
    );

    let viewer = pbx_sign_in(&srv, "viewer", "viewer-secret").await;
    let token = viewer.json["access_token"].as_str().unwrap().to_string();
    srv.req(Method::GET, PROVIDERS)
        .header("authorization", &bearer(&token))
        .send()
        .await
        .expect(200);
    let refused = srv
        .req(Method::POST, PROVIDERS)
        .header("authorization", &bearer(&token))
        .json(&json!({"name": "x"}))
        .send()
        .await;
    refused.expect(403);
    assert_eq!(refused.json["errors"][0]["code"], "FORBIDDEN");

    srv.post("/__admin/clock/advance", json!({"seconds": 3600}))
        .await
        .expect(200);
    srv.req(Method::GET, PROVIDERS)
        .header("authorization", &bearer(&token))
        .send()
        .await
        .expect(401);
    let renewed = srv
        .post(
            "/api/auth/refresh",
            json!({"refresh_token": viewer.json["refresh_token"]}),
        )
        .await;
    renewed.expect(200);
    srv.req(Method::GET, PROVIDERS)
        .header(
            "authorization",
            &bearer(renewed.json["access_token"].as_str().unwrap()),
        )
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn apio_login_sets_a_session_cookie_that_also_works_as_bearer_until_logout() {
    let srv = strict().await;
    srv.get(APIO_TGS).await.expect(401);
    let r = srv
        .post(
            "/api/v1/login/",
            json!({"username": "admin", "password": "admin-secret"}),
        )
        .await;
    r.expect(200);
    let token = r.json["token"].as_str().unwrap().to_string();
    assert!(
        r.header("set-cookie")
            .unwrap()
            .starts_with(&format!("sessionid={token};"))
    );
    let cookie = format!("sessionid={token}");
    srv.req(Method::GET, APIO_TGS)
        .header("cookie", &cookie)
        .send()
        .await
        .expect(200);
    srv.req(Method::GET, APIO_TGS)
        .header("authorization", &bearer(&token))
        .send()
        .await
        .expect(200);
    srv.req(Method::POST, "/api/v1/logout/")
        .header("cookie", &cookie)
        .send()
        .await
        .expect(204);
    srv.req(Method::GET, APIO_TGS)
        .header("cookie", &cookie)
        .send()
        .await
        .expect(401);
    srv.post(
        "/api/v1/login/",
        json!({"username": "admin", "password": "wrong"}),
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn an_apio_group_admin_is_held_to_its_group_and_level() {
    let srv = strict().await;
    let r = srv
        .post(
            "/api/v1/login/",
            json!({"username": "groupadmin", "password": "group-secret"}),
        )
        .await;
    let auth = bearer(r.json["token"].as_str().unwrap());
    srv.req(Method::GET, APIO_TGS)
        .header("authorization", &auth)
        .send()
        .await
        .expect(200);
    let other = srv
        .req(Method::GET, APIO_OTHER)
        .header("authorization", &auth)
        .send()
        .await;
    other.expect(403);
    insta::assert_json_snapshot!(other.json);
    // keep_number is the document's restricted parameter: Tenant Admin at least.
    srv.req(
        Method::DELETE,
        &format!("{APIO_TGS}APIO_Trunk_Group_Existing/?keep_number=true"),
    )
    .header("authorization", &auth)
    .send()
    .await
    .expect(403);
    // The document asks Tenant Admin for the available numbers.
    srv.req(Method::GET, ITC_AVAILABLE)
        .header("authorization", &auth)
        .send()
        .await
        .expect(403);
}

#[tokio::test]
async fn operator_checks_basic_credentials_on_every_call() {
    let srv = strict().await;
    let bare = srv.get(TRUNKS).await;
    bare.expect(401);
    assert_eq!(
        bare.header("www-authenticate"),
        Some("Basic realm=\"operator\"")
    );
    assert!(bare.json["errors"][0]["title"].is_string());
    srv.req(Method::GET, TRUNKS)
        .header("authorization", &basic("admin", "admin-secret"))
        .send()
        .await
        .expect(200);
    srv.req(Method::GET, TRUNKS)
        .header("authorization", &basic("admin", "wrong"))
        .send()
        .await
        .expect(401);
    srv.req(Method::GET, TRUNKS)
        .header("authorization", &basic("reader", "reader-secret"))
        .send()
        .await
        .expect(200);
    srv.req(Method::DELETE, &format!("{TRUNKS}/1"))
        .header("authorization", &basic("reader", "reader-secret"))
        .send()
        .await
        .expect(403);
}

#[tokio::test]
async fn optional_mode_lets_bare_requests_through_in_every_family_but_checks_sent_credentials() {
    let srv = TestServer::start().await;
    srv.get(PROVIDERS).await.expect(200);
    srv.get(APIO_TGS).await.expect(200);
    srv.get(TRUNKS).await.expect(200);
    srv.req(Method::GET, PROVIDERS)
        .header("authorization", "Bearer made-up")
        .send()
        .await
        .expect(401);
    srv.req(Method::GET, TRUNKS)
        .header("authorization", &basic("admin", "wrong"))
        .send()
        .await
        .expect(401);
}

#[tokio::test]
async fn prefer_401_and_403_match_the_contract_in_every_family() {
    let srv = TestServer::start().await;
    let fusion = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/trunkgroups/bulk_jobs";
    let families = [
        (PROVIDERS, "Bearer realm=\"pbx\""),
        (APIO_TGS, "Bearer realm=\"apio\""),
        (TRUNKS, "Basic realm=\"operator\""),
        (fusion, "Bearer realm=\"fusion\""),
    ];
    for (path, challenge) in families {
        for code in [401, 403] {
            let sent = srv
                .req(Method::GET, path)
                .header("prefer", &format!("code={code}"))
                .send()
                .await;
            let r = sent.expect(code);
            // An injected 401 carries the family's challenge, like a real refusal.
            let expected = (code == 401).then_some(challenge);
            assert_eq!(r.header("www-authenticate"), expected, "{path} {code}");
        }
    }
}
