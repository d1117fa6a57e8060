//! One strictness (issue 13): every fusion request body refuses members its table does not list,
//! the same way (400, code 1000, the member named), including access trunks, peer trunks and every
//! bulk item shape; a bulk call without items is refused; and a list refuses query parameters it
//! does not know, in fusion and in apio.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";
const TENANT: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111";

async fn send(srv: &TestServer, method: Method, path: &str, body: Value) -> common::Resp {
    srv.req(method, path).json(&body).send().await
}

/// A validation refusal: 400, code 1000, and the reason names the member.
fn assert_refused(resp: &common::Resp, member: &str, what: &str) {
    assert_eq!(resp.status, 400, "{what}: {}", resp.text());
    assert_eq!(resp.json["code"], 1000, "{what}: {}", resp.text());
    let reason = resp.json["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(member), "{what}: {reason}");
}

#[tokio::test]
async fn an_unknown_member_is_refused_on_every_single_resource_body() {
    let srv = TestServer::start().await;
    let tg = format!("{SUB}/trunkgroups");
    let cases = [
        (
            Method::PUT,
            format!("{tg}/6/access_trunks/3"),
            json!({"primaryPeerPrt": 5070}),
        ),
        (
            Method::POST,
            format!("{tg}/6/access_trunks"),
            json!({"name": "x", "primaryPeerIp": "10.0.0.1", "pops": [{"id": 1}], "primaryPeerPrt": 5070}),
        ),
        (
            Method::POST,
            format!("{tg}/6/access_trunks"),
            json!({"name": "x", "primaryPeerIp": "10.0.0.1", "pops": [{"id": 1, "primaryPeerPrt": 1}]}),
        ),
        (
            Method::POST,
            format!("{tg}/5/peer_trunks"),
            json!({"pop": {"id": 1}, "primaryPeerPrt": 5070}),
        ),
        (
            Method::PUT,
            format!("{tg}/5/peer_trunks/104"),
            json!({"pop": {"inboundCalls": true, "primaryPeerPrt": 5070}}),
        ),
        (
            Method::PUT,
            format!("{tg}/6"),
            json!({"name": "x", "primaryPeerPrt": 5070}),
        ),
    ];
    for (method, path, body) in cases {
        let what = format!("{method} {path} {body}");
        let resp = send(&srv, method, &path, body).await;
        assert_refused(&resp, "primaryPeerPrt", &what);
    }
    // Nothing changed.
    let at = srv.get(&format!("{tg}/6/access_trunks/3")).await;
    assert_eq!(at.json["primaryPeerPort"], 1234);
}

#[tokio::test]
async fn an_unknown_member_is_refused_in_every_bulk_item_shape() {
    let srv = TestServer::start().await;
    let cases = [
        ("trunkgroups", json!([{"name": "x", "primaryPeerPrt": 1}])),
        (
            "accesstrunks",
            json!([{"trunkgroup": 81, "name": "x", "primaryPeerPrt": 1}]),
        ),
        (
            "accesstrunks",
            json!([{"trunkgroup": 81, "name": "x", "pops": [{"id": 1, "primaryPeerPrt": 1}]}]),
        ),
        (
            "peertrunks",
            json!([{"type": "msteams", "name": "x", "primaryPeerPrt": 1}]),
        ),
        (
            "peertrunks",
            json!([{"type": "msteams", "name": "x", "peers": [{"id": 1, "primaryPeerPrt": 1}]}]),
        ),
    ];
    for (kind, data) in cases {
        let what = format!("{kind} {data}");
        let resp = send(
            &srv,
            Method::PUT,
            &format!("{SUB}/{kind}/bulk"),
            json!({"name": "strict", "data": data}),
        )
        .await;
        assert_refused(&resp, "primaryPeerPrt", &what);
    }
    // No job was recorded for a refused call.
    let h = srv.get(&format!("{TENANT}/trunkgroups/bulk_jobs")).await;
    assert_eq!(h.json["results"], 2);
}

#[tokio::test]
async fn a_bulk_call_without_items_is_refused() {
    let srv = TestServer::start().await;
    for kind in ["trunkgroups", "accesstrunks", "peertrunks"] {
        let resp = send(
            &srv,
            Method::PUT,
            &format!("{SUB}/{kind}/bulk"),
            json!({"name": "nothing", "data": []}),
        )
        .await;
        assert_refused(&resp, "data", kind);
    }
}

#[tokio::test]
async fn a_list_refuses_a_query_parameter_it_does_not_know() {
    let srv = TestServer::start().await;
    for path in [
        format!("{SUB}/trunkgroups?pagesize=5"),
        format!("{SUB}/trunkgroups/6/numbers?page_size=5"),
        format!("{SUB}/trunkgroups/6/access_trunks?pagesize=5"),
        format!("{SUB}/trunkgroups/5/peer_trunks?search=x"),
        format!("{TENANT}/peertrunks/bulk_jobs?filter=x"),
    ] {
        let resp = srv.get(&path).await;
        assert_refused(&resp, "unknown query parameter", &path);
    }
    // Known ones still work.
    srv.get(&format!("{SUB}/trunkgroups?withStatus=true"))
        .await
        .expect(200);

    let apio = [
        "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/?trunkingmode=teamsDR",
        "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity/numbers/?x=1",
        "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity/available_prefixes/?x=1",
    ];
    for path in apio {
        let resp = srv.get(path).await;
        resp.expect(400);
        assert!(
            resp.json["details"]
                .as_str()
                .unwrap()
                .starts_with("Unknown query parameter"),
            "{path}: {}",
            resp.text()
        );
    }
    let teams = srv
        .get("/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/?trunkingMode=teamsDR")
        .await;
    teams.expect(200);
    assert_eq!(common::apio::trunk_names(&teams.json), ["TeamsTrunk"]);
}

#[tokio::test]
async fn a_next_token_belongs_to_its_query() {
    let srv = TestServer::start().await;
    let list = format!("{SUB}/trunkgroups/6/access_trunks");
    let first = srv.get(&format!("{list}?search=RBEN&page_size=2")).await;
    first.expect(200);
    assert_eq!(first.json["results"], 4);
    let next = first.json["next"].as_str().unwrap().to_string();
    // With its query, the token gives page 2 of the same filtered list.
    let second = srv.get(&format!("{list}?search=RBEN&next={next}")).await;
    second.expect(200);
    assert_eq!(second.json["page"], 2);
    assert!(
        second.json["accessTrunks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"].as_str().unwrap().starts_with("RBEN"))
    );
    // Under another query (here: none) it is refused rather than paging another list.
    let other = srv.get(&format!("{list}?next={next}")).await;
    assert_refused(&other, "another query", "next without its search");
}

#[tokio::test]
async fn the_bulk_history_is_also_served_under_the_subscription_path() {
    let srv = TestServer::start().await;
    let by_sub = srv.get(&format!("{SUB}/peertrunks/bulk_jobs")).await;
    by_sub.expect(200);
    let by_tenant = srv.get(&format!("{TENANT}/peertrunks/bulk_jobs")).await;
    assert_eq!(by_sub.json, by_tenant.json);
    let other = SUB.replace("/subscriptions/1", "/subscriptions/2");
    let r = srv.get(&format!("{other}/accesstrunks/bulk_jobs")).await;
    r.expect(404);
    assert_eq!(r.json["code"], 2002);
}

#[tokio::test]
async fn the_last_access_trunk_of_a_trunk_group_cannot_be_deleted() {
    let srv = TestServer::start().await;
    // Every seeded sip trunk group has at least one access trunk, as the document requires.
    let list = srv.get(&format!("{SUB}/trunkgroups")).await;
    for tg in list.json["trunkgroups"].as_array().unwrap() {
        if tg["type"] == "sip" {
            let ats = srv
                .get(&format!("{SUB}/trunkgroups/{}/access_trunks", tg["id"]))
                .await;
            assert!(ats.json["results"].as_u64().unwrap() >= 1, "{tg}");
        }
    }
    let r = srv
        .delete(&format!("{SUB}/trunkgroups/81/access_trunks/5"))
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 6008);
    srv.get(&format!("{SUB}/trunkgroups/81/access_trunks/5"))
        .await
        .expect(200);
    // With another one beside it, it goes.
    srv.delete(&format!("{SUB}/trunkgroups/6/access_trunks/3"))
        .await
        .expect(204);
}

#[tokio::test]
async fn an_accept_header_that_rules_json_out_is_406_in_both_families() {
    let srv = TestServer::start().await;
    let fusion = format!("{SUB}/trunkgroups");
    let apio = "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/";
    for accept in ["text/html", "application/xml, application/json;q=0"] {
        let r = srv
            .req(Method::GET, &fusion)
            .header("accept", accept)
            .send()
            .await;
        r.expect(406);
        assert_eq!(r.json["code"], 1003);
        let r = srv
            .req(Method::GET, apio)
            .header("accept", accept)
            .send()
            .await;
        r.expect(406);
        assert!(r.json["details"].is_string());
    }
    for accept in ["application/json", "*/*", "text/html, application/*;q=0.5"] {
        srv.req(Method::GET, &fusion)
            .header("accept", accept)
            .send()
            .await
            .expect(200);
        srv.req(Method::GET, apio)
            .header("accept", accept)
            .send()
            .await
            .expect(200);
    }
}

/// Runs a two-item trunk group bulk job named `title` under `settings`; answers the job as its
/// history shows it and the trunk group names after it ran.
async fn run_two_item_bulk(settings: Value, title: &str, items: [&str; 2]) -> (Value, Vec<Value>) {
    let srv = TestServer::start().await;
    srv.apply_settings(settings).await;
    let data: Vec<Value> = items.iter().map(|n| json!({ "name": n })).collect();
    send(
        &srv,
        Method::PUT,
        &format!("{SUB}/trunkgroups/bulk"),
        json!({"name": title, "data": data}),
    )
    .await
    .expect(200);
    srv.advance_clock(1).await;
    let h = srv
        .get(&format!("{TENANT}/trunkgroups/bulk_jobs?search={title}"))
        .await;
    let names = srv.get(&format!("{SUB}/trunkgroups")).await.json["trunkgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    (h.json["bulks"][0].clone(), names)
}

#[tokio::test]
async fn a_setting_makes_every_bulk_item_fail() {
    let (job, names) = run_two_item_bulk(
        json!({"fusion": {"bulk_items_fail": true}}),
        "Doomed",
        ["A", "B"],
    )
    .await;
    assert_eq!(job["status"], "failure");
    assert_eq!(job["success_count"], 0);
    assert_eq!(job["total_count"], 2);
    assert!(!names.contains(&json!("A")));
}

#[tokio::test]
async fn a_setting_makes_every_nth_bulk_item_fail_for_a_partial_failure() {
    let (job, names) = run_two_item_bulk(
        json!({"fusion": {"bulk_items_fail_every": 2}}),
        "Half",
        ["First", "Second"],
    )
    .await;
    assert_eq!(job["status"], "failure");
    assert_eq!(job["success_count"], 1);
    assert_eq!(job["total_count"], 2);
    assert!(names.contains(&json!("First")));
    assert!(!names.contains(&json!("Second")));
}
