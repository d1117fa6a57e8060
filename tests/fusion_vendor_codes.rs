//! Vendor codes everywhere (issue 13): an error that `Prefer: code=N` or a fault rule without its
//! own `code` injects carries the code and wording the vendor uses for that status on that
//! operation (fusion's numeric codes, apio's documented sub-errors and texts), never trunkmock's
//! settings; `Preference-Applied` is sent only when the preference was carried out.

mod common;

use common::{Resp, TestServer};
use reqwest::Method;
use serde_json::json;

const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";
const TENANT: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111";
const ITC: &str =
    "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity";

async fn prefer(srv: &TestServer, method: Method, path: &str, code: u16) -> Resp {
    srv.req(method, path)
        .header("prefer", &format!("code={code}"))
        .send()
        .await
}

fn assert_no_trunkmock_words(resp: &Resp) {
    let text = resp.text();
    for word in [
        "trunkmock",
        "fusion.",
        "apio.",
        "Prefer",
        "fault",
        "setting",
    ] {
        assert!(!text.contains(word), "{word} in {text}");
    }
}

#[tokio::test]
async fn prefer_answers_the_fusion_code_and_wording_of_each_operation() {
    let srv = TestServer::start().await;
    let cases = [
        (
            format!("{SUB}/trunkgroups/6"),
            404,
            3001,
            "No trunk group found for the specified subscription and trunk group index",
        ),
        (
            format!("{SUB}/trunkgroups/6/access_trunks/3"),
            404,
            6001,
            "No access trunk found for the specified trunk group, subscription and tenant",
        ),
        (
            format!("{SUB}/trunkgroups/5/peer_trunks/104"),
            404,
            7001,
            "No peer trunk found for the specified trunk group, subscription and tenant",
        ),
        (
            format!("{TENANT}/peertrunks/bulk_jobs"),
            404,
            8001,
            "No bulk history found or the path tenant / subscription doesn't exist",
        ),
        (
            format!("{SUB}/trunkgroups"),
            403,
            1010,
            "The API consumer doesn't have sufficient rights to perform this action",
        ),
        (
            format!("{SUB}/trunkgroups/6"),
            500,
            1008,
            "Uncatched error on server side",
        ),
    ];
    for (path, status, code, reason) in cases {
        let r = prefer(&srv, Method::GET, &path, status).await;
        r.expect(status);
        assert_eq!(r.json, json!({"code": code, "reason": reason}), "{path}");
        assert_eq!(
            r.header("preference-applied"),
            Some(format!("code={status}").as_str())
        );
        assert_no_trunkmock_words(&r);
    }
}

#[tokio::test]
async fn a_code_less_fault_rule_takes_the_vendor_code_and_keeps_its_own_message() {
    let srv = TestServer::start().await;
    srv.add_fault_rule(
        json!({"match": {"method": "GET", "path": "/access_trunks/3$"}, "error": {"status": 404}}),
    )
    .await;
    srv.add_fault_rule(
        json!({"match": {"method": "DELETE", "path": "/trunkgroups/22$"},
               "error": {"status": 500, "message": "database unavailable"}}),
    )
    .await;
    let r = srv
        .get(&format!("{SUB}/trunkgroups/6/access_trunks/3"))
        .await;
    r.expect(404);
    assert_eq!(r.json["code"], 6001);
    assert_no_trunkmock_words(&r);
    let r = srv.delete(&format!("{SUB}/trunkgroups/22")).await;
    r.expect(500);
    assert_eq!(
        r.json,
        json!({"code": 1008, "reason": "database unavailable"})
    );
}

#[tokio::test]
async fn preference_applied_is_sent_only_when_the_preference_was_carried_out() {
    let srv = TestServer::start().await;
    // An undocumented status is refused (400): nothing was applied, even though 400 is the
    // status answered.
    let r = prefer(
        &srv,
        Method::GET,
        &format!("{SUB}/trunkgroups/6/access_trunks/3"),
        409,
    )
    .await;
    r.expect(400);
    assert_eq!(r.header("preference-applied"), None);
    // A success the handler does not give (the body-carrying 200 of a refused create) is not
    // applied either.
    let r = srv
        .req(Method::POST, &format!("{SUB}/trunkgroups"))
        .header("prefer", "code=200")
        .json(&json!({"name": "Test TG 3"}))
        .send()
        .await;
    r.expect(400);
    assert_eq!(r.header("preference-applied"), None);
}

#[tokio::test]
async fn apio_injected_errors_use_the_documented_sub_errors_and_texts() {
    let srv = TestServer::start().await;
    let r = prefer(&srv, Method::GET, &format!("{ITC}/prefixes/"), 400).await;
    r.expect(400);
    assert_eq!(
        r.json,
        json!({"errors": [{"code": 46, "name": "NOT_AVAILABLE_IN_ENTERPRISE_MODE",
            "message": "This API is not available in Enterprise Mode."}]})
    );
    let r = prefer(&srv, Method::GET, &format!("{ITC}/numbers/"), 404).await;
    r.expect(404);
    assert_eq!(
        r.json,
        json!({"details": "Service is not assigned to this group."})
    );
    // A rule naming sub-error 19 without a message gets the operation's documented text.
    srv.add_fault_rule(json!({"match": {"method": "POST", "path": "/prefixes/$"}, "error": {"status": 400, "code": 19}}),
    )
    .await;
    srv.add_fault_rule(
        json!({"match": {"method": "POST", "path": "/numbers/$"}, "error": {"status": 400}}),
    )
    .await;
    let r = srv
        .post(
            &format!("{ITC}/prefixes/"),
            json!({"prefixes": [{"prefix": "+32-01"}]}),
        )
        .await;
    r.expect(400);
    assert_eq!(
        r.json["errors"][0]["message"],
        "The prefix provided is not available to the groups of this Tenant."
    );
    let r = srv
        .post(
            &format!("{ITC}/numbers/"),
            json!({"numbers": [{"minPhoneNumber": "+3225126999", "maxPhoneNumber": "+3225126999"}]}),
        )
        .await;
    r.expect(400);
    assert_eq!(
        r.json,
        json!({"errors": [{"code": 19, "name": "NOT_AVAILABLE_FOR_ASSIGNMENT",
            "message": "The number range provided is not available to the groups of this Tenant."}]})
    );
    assert_no_trunkmock_words(&r);
}
