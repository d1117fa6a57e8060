//! fusion, part 2 over real HTTP: access trunks, the `/peer_trunks` API and the bulk jobs that
//! answer 3077 / 3078 / 3079 and run on the virtual clock.

mod common;

use common::TestServer;
use common::fixtures::fusion_access_trunk_create_example;
use serde_json::{Value, json};

const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";
const TENANT: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111";
/// The seeded sip trunk group holding the document's access trunks ("Test TG 3").
const SIP_TG: i64 = 6;
/// The seeded peer trunk group holding the document's `/peer_trunks` examples.
const PEER_TG: i64 = 5;

fn at_path(tg: i64) -> String {
    format!("{SUB}/trunkgroups/{tg}/access_trunks")
}

fn pt_path(tg: i64) -> String {
    format!("{SUB}/trunkgroups/{tg}/peer_trunks")
}

/// The numeric `id`s of a fusion list answer, in order.
fn numeric_ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

fn modify_example() -> Value {
    json!({
        "name": "Modified Access Trunk Test",
        "billingId": "",
        "weight": 8,
        "priority": 5,
        "primaryPeerIp": "10.1.1.2",
        "primaryPeerPort": 1234,
        "ipWhitelist": "127.0.0.1,10.1.2.34",
        "pop": {"inboundCalls": true, "outboundCalls": true, "transport": "UDP"}
    })
}

fn bulk_trunk_groups_example() -> Value {
    json!({
        "name": "Bulk create trunk groups",
        "data": [{
            "uuid": "5c70f993-63d8-4204-a806-3f7baae000bc",
            "name": "Bulk API TG 1",
            "callingFormat": "national_with_0",
            "calledFormat": "international_without_00",
            "maxCalls": 4,
            "maxIncomingCalls": 3,
            "maxOutgoingCalls": 2,
            "numbers": ["+3226260125", "+3226260126"],
            "pilot": "+3226260125"
        }]
    })
}

fn bulk_access_trunks_example() -> Value {
    json!({
        "name": "Bulk create access trunks",
        "data": [{
            "trunkgroup": 81,
            "name": "Bulk API AT Test",
            "primaryPeerIp": "10.0.0.4",
            "primaryPeerPort": 5679,
            "priority": 5,
            "weight": 10,
            "pops": [
                {"id": 1, "inboundCalls": false, "outboundCalls": false, "realm": "public",
                 "sipOptions": true, "transport": "UDP"},
                {"id": 2, "inboundCalls": true, "outboundCalls": true, "realm": "public",
                 "sipOptions": false, "transport": "TCP"}
            ]
        }]
    })
}

fn bulk_peer_trunks_example() -> Value {
    json!({
        "name": "Bulk create peer trunks",
        "data": [
            {
                "uuid": "5c70f993-63d8-4204-a806-3f7baae000bc",
                "type": "msteams",
                "name": "API Bulk PT Test 1",
                "billingId": "api-bulk-tg-test-1",
                "callingFormat": "e164",
                "calledFormat": "e164",
                "peers": [
                    {"id": 1, "billingId": "BillingID1", "inboundCalls": false, "outboundCalls": true},
                    {"popId": 2, "billingId": "Billing ID 2", "inboundCalls": true, "outboundCalls": false}
                ]
            },
            {
                "uuid": "a417c3f3-cceb-4a1e-9298-ec2869d6b028",
                "type": "msteams",
                "name": "API Bulk PT Test 2",
                "billingId": "api-bulk-tg-test-2",
                "callingFormat": "e164",
                "calledFormat": "e164",
                "peers": []
            },
            {
                "uuid": "3b3d1326-8e1e-427b-a041-11190d4968bf",
                "type": "msteams",
                "name": "API Bulk PT Test 3",
                "billingId": "api-bulk-tg-test-3",
                "callingFormat": "e164",
                "calledFormat": "e164"
            }
        ]
    })
}

async fn history(srv: &TestServer, kind: &str, query: &str) -> Value {
    let r = srv.get(&format!("{TENANT}/{kind}/bulk_jobs{query}")).await;
    r.expect(200);
    r.json.clone()
}

async fn trunk_group_named(srv: &TestServer, name: &str) -> Option<Value> {
    let r = srv.get(&format!("{SUB}/trunkgroups")).await;
    r.expect(200);
    r.json["trunkgroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
}

// ---------------------------------------------------------------- access trunks: reading

#[tokio::test]
async fn access_trunk_list_shows_the_document_example_sorted_by_name() {
    let srv = TestServer::start().await;
    let r = srv.get(&at_path(SIP_TG)).await;
    r.expect(200);
    assert_eq!(
        numeric_ids(&r.json["accessTrunks"]),
        vec![3, 4, 1, 2, 17, 18]
    );
    insta::assert_json_snapshot!("fusion2_access_trunk_list", r.json);
}

#[tokio::test]
async fn access_trunk_list_searches_name_ip_and_port_case_insensitively() {
    let srv = TestServer::start().await;
    let by_name = srv.get(&format!("{}?search=pepsi", at_path(SIP_TG))).await;
    assert_eq!(numeric_ids(&by_name.json["accessTrunks"]), vec![1, 2]);
    let by_port = srv.get(&format!("{}?search=5678", at_path(SIP_TG))).await;
    assert_eq!(numeric_ids(&by_port.json["accessTrunks"]), vec![17, 18]);
    let by_ip = srv
        .get(&format!("{}?search=10.1.1.2", at_path(SIP_TG)))
        .await;
    assert_eq!(numeric_ids(&by_ip.json["accessTrunks"]), vec![3, 4]);
    assert_eq!(by_ip.json["results"], 2);
}

#[tokio::test]
async fn access_trunk_list_sorts_by_a_searchable_property_both_ways() {
    let srv = TestServer::start().await;
    let desc = srv
        .get(&format!(
            "{}?sort=primaryPeerPort&dir=desc",
            at_path(SIP_TG)
        ))
        .await;
    desc.expect(200);
    assert_eq!(
        numeric_ids(&desc.json["accessTrunks"]),
        vec![17, 18, 1, 2, 3, 4]
    );
    let asc = srv
        .get(&format!("{}?sort=primaryPeerPort", at_path(SIP_TG)))
        .await;
    assert_eq!(
        numeric_ids(&asc.json["accessTrunks"]),
        vec![3, 4, 1, 2, 17, 18]
    );
}

#[tokio::test]
async fn access_trunk_list_refuses_a_property_that_is_not_searchable() {
    let srv = TestServer::start().await;
    let r = srv.get(&format!("{}?sort=weight", at_path(SIP_TG))).await;
    r.expect(400);
    assert_eq!(r.json["code"], 1000);
}

#[tokio::test]
async fn access_trunk_list_pages_with_an_opaque_next_token() {
    let srv = TestServer::start().await;
    let first = srv.get(&format!("{}?page_size=4", at_path(SIP_TG))).await;
    first.expect(200);
    assert_eq!(numeric_ids(&first.json["accessTrunks"]), vec![3, 4, 1, 2]);
    assert_eq!(
        (first.json["results"].clone(), first.json["pages"].clone()),
        (json!(6), json!(2))
    );
    assert_eq!(first.json["page"], 1);
    let next = first.json["next"]
        .as_str()
        .expect("a next token")
        .to_string();
    let second = srv
        .get(&format!("{}?page_size=4&next={next}", at_path(SIP_TG)))
        .await;
    second.expect(200);
    assert_eq!(numeric_ids(&second.json["accessTrunks"]), vec![17, 18]);
    assert_eq!(second.json["page"], 2);
    assert!(second.json.get("next").is_none());
}

#[tokio::test]
async fn access_trunk_list_refuses_a_next_token_it_did_not_hand_out() {
    let srv = TestServer::start().await;
    let r = srv
        .get(&format!("{}?next=not-a-token", at_path(SIP_TG)))
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 1000);
    assert!(r.json["reason"].as_str().unwrap().contains("next"));
}

#[tokio::test]
async fn access_trunk_status_shows_only_with_with_status() {
    let srv = TestServer::start().await;
    let plain = srv.get(&at_path(SIP_TG)).await;
    assert!(plain.json["accessTrunks"][0].get("status").is_none());
    let with = srv
        .get(&format!("{}?withStatus=true", at_path(SIP_TG)))
        .await;
    assert_eq!(with.json["accessTrunks"][0]["status"], "ok");
}

#[tokio::test]
async fn access_trunks_of_an_unknown_trunk_group_are_404() {
    let srv = TestServer::start().await;
    let r = srv.get(&at_path(999)).await;
    r.expect(404);
    assert_eq!(r.json["code"], 3001);
}

#[tokio::test]
async fn access_trunk_detail_matches_the_document_example() {
    let srv = TestServer::start().await;
    let r = srv.get(&format!("{}/1", at_path(SIP_TG))).await;
    r.expect(200);
    insta::assert_json_snapshot!("fusion2_access_trunk_detail", r.json);
}

#[tokio::test]
async fn an_unknown_access_trunk_or_one_of_another_trunk_group_is_404() {
    let srv = TestServer::start().await;
    let r = srv.get(&format!("{}/404", at_path(SIP_TG))).await;
    r.expect(404);
    assert_eq!(r.json["code"], 6001);
    let other = srv.get(&format!("{}/1", at_path(22))).await;
    other.expect(404);
    assert_eq!(other.json["code"], 6001);
}

// ---------------------------------------------------------------- access trunks: writing

#[tokio::test]
async fn create_makes_one_access_trunk_per_pop_with_its_own_id() {
    let srv = TestServer::start().await;
    let r = srv
        .post(&at_path(22), fusion_access_trunk_create_example())
        .await;
    r.expect(200);
    let created = r.json["accessTrunks"].as_array().unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["pop"]["name"], "Northampton");
    assert_eq!(created[1]["pop"]["sipOptions"], false);
    insta::assert_json_snapshot!("fusion2_access_trunk_created", r.json, {
        ".accessTrunks[].uuid" => "[uuid]"
    });
    for id in numeric_ids(&r.json["accessTrunks"]) {
        srv.get(&format!("{}/{id}", at_path(22))).await.expect(200);
    }
}

#[tokio::test]
async fn create_with_trunking_pop_id_makes_one_access_trunk_on_that_pop() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Single", "trunkingPopId": 2, "primaryPeerIp": "192.0.2.10"});
    let r = srv.post(&at_path(22), body).await;
    r.expect(200);
    let created = r.json["accessTrunks"].as_array().unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["pop"]["id"], 2);
    assert_eq!(created[0]["pop"]["transport"], "UDP");
    assert_eq!(created[0]["weight"], 10);
}

#[tokio::test]
async fn create_without_an_address_and_without_auth_is_refused() {
    let srv = TestServer::start().await;
    let r = srv
        .post(&at_path(22), json!({"name": "Bare", "trunkingPopId": 1}))
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 6003);
    let list = srv.get(&at_path(22)).await;
    assert_eq!(
        list.json["results"], 1,
        "nothing was created beside the seeded one"
    );
}

#[tokio::test]
async fn create_with_auth_needs_both_credentials_but_no_address() {
    let srv = TestServer::start().await;
    let half =
        json!({"name": "Auth", "trunkingPopId": 1, "authRequired": true, "authUsername": "pbx"});
    let r = srv.post(&at_path(22), half).await;
    r.expect(400);
    assert_eq!(r.json["code"], 6004);
    let full = json!({"name": "Auth", "trunkingPopId": 1, "authRequired": true,
                      "authUsername": "pbx", "authPassword": "s3cret"});
    let ok = srv.post(&at_path(22), full).await;
    ok.expect(200);
    let id = ok.json["accessTrunks"][0]["id"].as_i64().unwrap();
    let got = srv.get(&format!("{}/{id}", at_path(22))).await;
    assert_eq!(got.json["authUsername"], "pbx");
    assert!(got.json.get("authPassword").is_none());
    assert!(
        !got.text().contains("s3cret"),
        "the password never leaves the fake"
    );
}

#[tokio::test]
async fn create_refuses_a_malformed_address() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            &at_path(22),
            json!({"name": "Bad", "trunkingPopId": 1, "primaryPeerIp": "10.0.0.300"}),
        )
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 6005);
}

#[tokio::test]
async fn create_on_an_unknown_pop_is_400() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Far", "pops": [{"id": 9}], "ipWhitelist": "127.0.0.1"});
    let r = srv.post(&at_path(22), body).await;
    r.expect(400);
    assert_eq!(r.json["code"], 3009);
}

#[tokio::test]
async fn create_without_any_pop_is_400() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            &at_path(22),
            json!({"name": "Nowhere", "ipWhitelist": "127.0.0.1"}),
        )
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 6002);
}

#[tokio::test]
async fn create_without_a_name_is_refused_by_the_contract() {
    let srv = TestServer::start().await;
    let r = srv
        .post(
            &at_path(22),
            json!({"trunkingPopId": 1, "ipWhitelist": "127.0.0.1"}),
        )
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 1000);
    assert!(r.json["reason"].as_str().unwrap().contains("name"));
}

#[tokio::test]
async fn access_trunks_belong_to_sip_trunk_groups_only() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Wrong", "trunkingPopId": 1, "ipWhitelist": "127.0.0.1"});
    let r = srv.post(&at_path(PEER_TG), body).await;
    r.expect(400);
    assert_eq!(r.json["code"], 6006);
}

#[tokio::test]
async fn create_on_an_unknown_trunk_group_is_404() {
    let srv = TestServer::start().await;
    let r = srv
        .post(&at_path(999), fusion_access_trunk_create_example())
        .await;
    r.expect(404);
}

#[tokio::test]
async fn modify_applies_the_document_example() {
    let srv = TestServer::start().await;
    let r = srv
        .put(&format!("{}/17", at_path(SIP_TG)), modify_example())
        .await;
    r.expect(200);
    insta::assert_json_snapshot!("fusion2_access_trunk_modified", r.json);
    let got = srv.get(&format!("{}/17", at_path(SIP_TG))).await;
    assert_eq!(got.json, r.json);
}

#[tokio::test]
async fn modify_with_null_removes_a_field() {
    let srv = TestServer::start().await;
    let r = srv
        .put(
            &format!("{}/17", at_path(SIP_TG)),
            json!({"primaryPeerIp": null}),
        )
        .await;
    r.expect(200);
    assert!(r.json.get("primaryPeerIp").is_none());
    assert_eq!(
        r.json["ipWhitelist"], "127.0.0.1",
        "the whitelist still identifies the PBX"
    );
}

#[tokio::test]
async fn modify_is_checked_against_the_merged_old_and_new_data() {
    let srv = TestServer::start().await;
    let path = format!("{}/17", at_path(SIP_TG));
    let r = srv
        .put(&path, json!({"primaryPeerIp": null, "ipWhitelist": null}))
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 6003);
    let unchanged = srv.get(&path).await;
    assert_eq!(unchanged.json["primaryPeerIp"], "10.1.2.3");
    let auth = srv
        .put(&path, json!({"authRequired": true, "authUsername": "pbx"}))
        .await;
    auth.expect(400);
    assert_eq!(auth.json["code"], 6004);
}

#[tokio::test]
async fn modify_moves_an_access_trunk_to_another_pop_but_not_to_an_unknown_one() {
    let srv = TestServer::start().await;
    let path = format!("{}/1", at_path(SIP_TG));
    let moved = srv.put(&path, json!({"trunkingPopId": 2})).await;
    moved.expect(200);
    assert_eq!(moved.json["pop"]["name"], "Northampton");
    let refused = srv.put(&path, json!({"pop": {"id": 7}})).await;
    refused.expect(400);
    assert_eq!(refused.json["code"], 3009);
}

#[tokio::test]
async fn modify_of_an_unknown_access_trunk_is_404() {
    let srv = TestServer::start().await;
    let r = srv
        .put(&format!("{}/999", at_path(SIP_TG)), json!({"name": "x"}))
        .await;
    r.expect(404);
    assert_eq!(r.json["code"], 6001);
}

#[tokio::test]
async fn delete_answers_204_without_a_body_and_the_trunk_is_gone() {
    let srv = TestServer::start().await;
    let path = format!("{}/2", at_path(SIP_TG));
    let r = srv.delete(&path).await;
    r.expect(204);
    assert!(r.bytes.is_empty());
    srv.get(&path).await.expect(404);
    srv.delete(&path).await.expect(404);
}

#[tokio::test]
async fn a_created_access_trunk_is_pending_until_the_sync_delay_has_passed() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Sync", "trunkingPopId": 1, "primaryPeerIp": "192.0.2.1"});
    let id = srv.post(&at_path(22), body).await.json["accessTrunks"][0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("{}/{id}?withStatus", at_path(22));
    assert_eq!(srv.get(&path).await.json["status"], "pending");
    srv.advance_clock(2.0).await;
    assert_eq!(srv.get(&path).await.json["status"], "ok");
}

#[tokio::test]
async fn a_trunk_group_holds_at_most_a_hundred_access_trunks() {
    let srv = TestServer::start().await;
    // Trunk group 22 holds one seeded access trunk: 99 more fill it.
    let pops: Vec<Value> = (0..99).map(|_| json!({"id": 1})).collect();
    let full = json!({"name": "Many", "pops": pops, "ipWhitelist": "127.0.0.1"});
    srv.post(&at_path(22), full).await.expect(200);
    let one_more = json!({"name": "One more", "trunkingPopId": 1, "ipWhitelist": "127.0.0.1"});
    let r = srv.post(&at_path(22), one_more).await;
    r.expect(400);
    assert_eq!(r.json["code"], 6007);
}

#[tokio::test]
async fn access_trunks_of_an_unknown_subscription_are_404() {
    let srv = TestServer::start().await;
    let other_sub = at_path(SIP_TG).replace("/subscriptions/1/", "/subscriptions/2/");
    let r = srv.get(&other_sub).await;
    r.expect(404);
    assert_eq!(r.json["code"], 2002);
    srv.get(&at_path(SIP_TG)).await.expect(200);
}

#[tokio::test]
async fn a_trunk_group_is_pending_while_its_access_trunks_synchronise() {
    let srv = TestServer::start().await;
    let tg = format!("{SUB}/trunkgroups/{SIP_TG}?withStatus");
    assert_eq!(srv.get(&tg).await.json["status"], "ok");
    srv.delete(&format!("{}/18", at_path(SIP_TG)))
        .await
        .expect(204);
    assert_eq!(srv.get(&tg).await.json["status"], "pending");
    srv.advance_clock(2.0).await;
    assert_eq!(srv.get(&tg).await.json["status"], "ok");
}

// ---------------------------------------------------------------- peer trunks

#[tokio::test]
async fn peer_trunk_list_shows_the_document_example() {
    let srv = TestServer::start().await;
    let r = srv.get(&pt_path(PEER_TG)).await;
    r.expect(200);
    insta::assert_json_snapshot!("fusion2_peer_trunk_list", r.json);
}

#[tokio::test]
async fn peer_trunk_detail_shows_its_pop_with_the_pop_name() {
    let srv = TestServer::start().await;
    let r = srv.get(&format!("{}/104", pt_path(PEER_TG))).await;
    r.expect(200);
    assert_eq!(
        r.json["pop"],
        json!({"id": 2, "inboundCalls": true, "name": "Northampton", "outboundCalls": true})
    );
    assert_eq!(r.json["uuid"], "fec0205c-0ade-4e09-a708-50d68f9101d5");
}

#[tokio::test]
async fn an_unknown_peer_trunk_is_404() {
    let srv = TestServer::start().await;
    let r = srv.get(&format!("{}/999", pt_path(PEER_TG))).await;
    r.expect(404);
    assert_eq!(r.json["code"], 7001);
    srv.get(&pt_path(999)).await.expect(404);
}

#[tokio::test]
async fn create_peer_trunk_answers_201_with_id_uuid_and_pop_name() {
    let srv = TestServer::start().await;
    let body = json!({"billingId": "peer:test", "name": "Peer Test",
                      "pop": {"id": 1, "inboundCalls": false, "outboundCalls": true}});
    let r = srv.post(&pt_path(PEER_TG), body).await;
    r.expect(201);
    assert_eq!(r.json["pop"]["name"], "Wakefield");
    insta::assert_json_snapshot!("fusion2_peer_trunk_created", r.json, {
        ".id" => "[id]", ".uuid" => "[uuid]"
    });
    let id = r.json["id"].as_i64().unwrap();
    srv.get(&format!("{}/{id}", pt_path(PEER_TG)))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_created_peer_trunk_shows_in_its_trunk_group() {
    let srv = TestServer::start().await;
    let body = json!({"pop": {"id": 2, "inboundCalls": true, "outboundCalls": true}});
    let r = srv.post(&pt_path(PEER_TG), body).await;
    r.expect(201);
    let tg = srv.get(&format!("{SUB}/trunkgroups/{PEER_TG}")).await;
    tg.expect(200);
    let entry = tg.json["peerTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == r.json["id"])
        .cloned()
        .expect("the new peer trunk is in peerTrunks");
    assert_eq!(entry["popName"], "Northampton");
    assert_eq!(entry["uuid"], r.json["uuid"]);
    assert_eq!(
        r.json["name"], tg.json["name"],
        "the name defaults to the trunk group's"
    );
}

#[tokio::test]
async fn peer_trunks_of_a_trunk_group_created_by_part_one_are_served_here() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Teams", "type": "msteams",
                      "peerTrunks": [{"popId": 1, "inboundCalls": true, "outboundCalls": true}]});
    let tg = srv.post(&format!("{SUB}/trunkgroups"), body).await;
    tg.expect(200);
    let tg_id = tg.json["id"].as_i64().unwrap();
    let list = srv.get(&pt_path(tg_id)).await;
    list.expect(200);
    assert_eq!(list.json["results"], 1);
    assert_eq!(
        list.json["peerTrunks"][0]["uuid"],
        tg.json["peerTrunks"][0]["uuid"]
    );
    assert_eq!(list.json["peerTrunks"][0]["type"], "msteams");
}

#[tokio::test]
async fn create_peer_trunk_needs_a_pop_that_exists() {
    let srv = TestServer::start().await;
    let none = srv.post(&pt_path(PEER_TG), json!({"name": "x"})).await;
    none.expect(400);
    assert_eq!(none.json["code"], 1000);
    let unknown = srv
        .post(&pt_path(PEER_TG), json!({"pop": {"id": 42}}))
        .await;
    unknown.expect(400);
    assert_eq!(unknown.json["code"], 3009);
    let no_id = srv
        .post(&pt_path(PEER_TG), json!({"pop": {"inboundCalls": true}}))
        .await;
    no_id.expect(400);
    assert_eq!(no_id.json["code"], 7002);
}

#[tokio::test]
async fn peer_trunks_belong_to_peer_trunk_groups_only() {
    let srv = TestServer::start().await;
    let r = srv.post(&pt_path(SIP_TG), json!({"pop": {"id": 1}})).await;
    r.expect(400);
    assert_eq!(r.json["code"], 3008);
    srv.post(&pt_path(999), json!({"pop": {"id": 1}}))
        .await
        .expect(404);
}

#[tokio::test]
async fn a_peer_trunk_region_is_only_for_webex_trunk_groups() {
    let srv = TestServer::start().await;
    let body = json!({"pop": {"id": 1}, "region": "eu"});
    let refused = srv.post(&pt_path(PEER_TG), body.clone()).await;
    refused.expect(400);
    assert_eq!(refused.json["code"], 3007);
    let webex = srv.post(&pt_path(10), body).await;
    webex.expect(201);
    assert_eq!(
        (webex.json["region"].clone(), webex.json["type"].clone()),
        (json!("eu"), json!("webexcc"))
    );
}

#[tokio::test]
async fn a_trunk_group_holds_at_most_a_hundred_peer_trunks() {
    let srv = TestServer::start().await;
    let existing = srv.get(&pt_path(PEER_TG)).await.json["results"]
        .as_i64()
        .unwrap();
    for _ in existing..100 {
        srv.post(&pt_path(PEER_TG), json!({"pop": {"id": 2}}))
            .await
            .expect(201);
    }
    let r = srv.post(&pt_path(PEER_TG), json!({"pop": {"id": 2}})).await;
    r.expect(400);
    assert_eq!(r.json["code"], 7003);
    let page = srv
        .get(&format!("{}?page_size=1000", pt_path(PEER_TG)))
        .await;
    assert_eq!(page.json["results"], 100);
    assert_eq!(page.json["peerTrunks"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn modify_peer_trunk_applies_the_document_example() {
    let srv = TestServer::start().await;
    let body = json!({"billingId": "peer:test-mod", "name": "Peer Test Mod",
                      "pop": {"inboundCalls": true, "outboundCalls": false}});
    let r = srv.put(&format!("{}/105", pt_path(PEER_TG)), body).await;
    r.expect(200);
    insta::assert_json_snapshot!("fusion2_peer_trunk_modified", r.json);
    let moved = srv
        .put(
            &format!("{}/105", pt_path(PEER_TG)),
            json!({"pop": {"id": 2}}),
        )
        .await;
    moved.expect(200);
    assert_eq!(moved.json["pop"]["name"], "Northampton");
    srv.put(&format!("{}/999", pt_path(PEER_TG)), json!({}))
        .await
        .expect(404);
}

#[tokio::test]
async fn delete_peer_trunk_answers_204_and_it_leaves_the_trunk_group() {
    let srv = TestServer::start().await;
    let r = srv.delete(&format!("{}/104", pt_path(PEER_TG))).await;
    r.expect(204);
    assert!(r.bytes.is_empty());
    let tg = srv.get(&format!("{SUB}/trunkgroups/{PEER_TG}")).await;
    assert!(
        !tg.json["peerTrunks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == 104)
    );
    srv.delete(&format!("{}/104", pt_path(PEER_TG)))
        .await
        .expect(404);
}

// ---------------------------------------------------------------- bulk jobs

#[tokio::test]
async fn bulk_puts_answer_their_started_codes() {
    let srv = TestServer::start().await;
    let tg = srv
        .put(
            &format!("{SUB}/trunkgroups/bulk"),
            bulk_trunk_groups_example(),
        )
        .await;
    tg.expect(200);
    assert_eq!(
        tg.json,
        json!({"code": 3077, "reason": "Trunk Group bulk provisioning process is started"})
    );
    let at = srv
        .put(
            &format!("{SUB}/accesstrunks/bulk"),
            bulk_access_trunks_example(),
        )
        .await;
    at.expect(200);
    assert_eq!(
        at.json,
        json!({"code": 3078, "reason": "Access Trunk bulk provisioning process is started"})
    );
    let pt = srv
        .put(
            &format!("{SUB}/peertrunks/bulk"),
            bulk_peer_trunks_example(),
        )
        .await;
    pt.expect(200);
    assert_eq!(
        pt.json,
        json!({"code": 3079, "reason": "Peer Trunk bulk provisioning process is started"})
    );
}

#[tokio::test]
async fn a_bulk_body_without_name_or_data_is_400_in_the_fusion_shape() {
    let srv = TestServer::start().await;
    for body in [
        json!({"data": []}),
        json!({"name": "x"}),
        json!({"name": "x", "data": "no"}),
    ] {
        let r = srv.put(&format!("{SUB}/trunkgroups/bulk"), body).await;
        r.expect(400);
        assert_eq!(r.json["code"], 1000);
    }
    let h = history(&srv, "trunkgroups", "").await;
    assert_eq!(h["results"], 2, "no job was recorded");
}

#[tokio::test]
async fn trunk_group_bulk_job_runs_on_the_virtual_clock_and_creates_what_it_says() {
    let srv = TestServer::start().await;
    srv.put(
        &format!("{SUB}/trunkgroups/bulk"),
        bulk_trunk_groups_example(),
    )
    .await
    .expect(200);

    let ongoing = history(&srv, "trunkgroups", "").await;
    let job = &ongoing["bulks"][0];
    assert_eq!(
        (job["status"].clone(), job["success_count"].clone()),
        (json!("ongoing"), json!(0))
    );
    assert_eq!(
        (job["title"].clone(), job["kind"].clone()),
        (json!("Bulk create trunk groups"), json!("trunk_groups"))
    );
    assert_eq!(job["total_count"], 1);
    assert!(
        trunk_group_named(&srv, "Bulk API TG 1").await.is_none(),
        "nothing runs before its time"
    );

    srv.advance_clock(1.0).await;

    let done = history(&srv, "trunkgroups", "").await;
    insta::assert_json_snapshot!("fusion2_trunk_group_bulk_done", done["bulks"][0], {
        ".created_on" => "[time]", ".updated_on" => "[time]", ".job_id" => "[job_id]"
    });
    let item = trunk_group_named(&srv, "Bulk API TG 1")
        .await
        .expect("created");
    assert_eq!(item["uuid"], "5c70f993-63d8-4204-a806-3f7baae000bc");
    let id = item["id"].as_i64().unwrap();
    let detail = srv.get(&format!("{SUB}/trunkgroups/{id}")).await;
    assert_eq!(detail.json["pilot"]["fullNumber"], "+3226260125");
    assert_eq!(detail.json["callingFormat"], "national_with_0");
    assert_eq!(detail.json["maxCalls"], 4);
    let numbers = srv.get(&format!("{SUB}/trunkgroups/{id}/numbers")).await;
    assert_eq!(numbers.json["numbers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_bulk_item_with_a_known_uuid_updates_that_trunk_group() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Rename", "data": [
        {"uuid": "2ad922c4-a962-4458-be57-d0a39afcd549", "name": "IDAL trunk2 renamed", "maxCalls": 7}
    ]});
    srv.put(&format!("{SUB}/trunkgroups/bulk"), body)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let tg = srv.get(&format!("{SUB}/trunkgroups/2")).await;
    assert_eq!(tg.json["name"], "IDAL trunk2 renamed");
    assert_eq!(tg.json["maxCalls"], 7);
    assert_eq!(
        history(&srv, "trunkgroups", "").await["bulks"][0]["status"],
        "success"
    );
}

#[tokio::test]
async fn a_failing_item_does_not_stop_the_others_and_the_job_ends_in_failure() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Mixed", "data": [
        {"name": "Good one", "numbers": ["+3226260200"]},
        {"name": "Test TG 3"},
        {"name": "Bad format", "callingFormat": "klingon"},
        {"name": "Bad pilot", "numbers": ["+3226260201"], "pilot": "+3226260999"},
        {"name": "Good two"}
    ]});
    srv.put(&format!("{SUB}/trunkgroups/bulk"), body)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let job = history(&srv, "trunkgroups", "").await["bulks"][0].clone();
    assert_eq!(job["status"], "failure");
    assert_eq!(
        (job["success_count"].clone(), job["total_count"].clone()),
        (json!(2), json!(5))
    );
    assert!(trunk_group_named(&srv, "Good one").await.is_some());
    assert!(trunk_group_named(&srv, "Good two").await.is_some());
    assert!(trunk_group_named(&srv, "Bad format").await.is_none());
    assert!(
        trunk_group_named(&srv, "Bad pilot").await.is_none(),
        "a failed item is undone whole"
    );
    let state = srv.get("/__admin/state").await;
    let reasons: Vec<i64> = state.json["fusion"]["tenants"][0]["bulkJobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "Mixed")
        .unwrap()["item_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_i64().unwrap())
        .collect();
    assert_eq!(reasons, vec![1, 2, 3]);
}

#[tokio::test]
async fn access_trunk_bulk_creates_one_per_pop_and_updates_by_uuid() {
    let srv = TestServer::start().await;
    let mut body = bulk_access_trunks_example();
    body["data"][0]["trunkgroup"] = json!(22);
    srv.put(&format!("{SUB}/accesstrunks/bulk"), body)
        .await
        .expect(200);
    // Nothing yet beside the seeded access trunk 6.
    assert_eq!(srv.get(&at_path(22)).await.json["results"], 1);
    srv.advance_clock(1.0).await;
    let list = srv.get(&at_path(22)).await;
    assert_eq!(list.json["results"], 3);
    let list = json!({"accessTrunks": list.json["accessTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["id"] != 6)
        .cloned()
        .collect::<Vec<Value>>()});
    let tcp = &list["accessTrunks"][1];
    assert_eq!(
        (tcp["pop"]["transport"].clone(), tcp["pop"]["realm"].clone()),
        (json!("TCP"), json!("public"))
    );
    let uuid = list["accessTrunks"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();

    let update = json!({"name": "Update", "data": [{"uuid": uuid, "weight": 99}]});
    srv.put(&format!("{SUB}/accesstrunks/bulk"), update)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let after = srv.get(&at_path(22)).await;
    let updated = after.json["accessTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["uuid"] == uuid.as_str())
        .unwrap()
        .clone();
    assert_eq!(updated["weight"], 99);
    let h = history(&srv, "accesstrunks", "").await;
    assert_eq!(h["bulks"][0]["status"], "success");
    assert_eq!(h["bulks"][1]["status"], "success");
}

#[tokio::test]
async fn access_trunk_bulk_items_follow_the_business_rule_and_need_a_trunk_group() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Rules", "data": [
        {"trunkgroup": 22, "name": "No address", "pops": [{"id": 1}]},
        {"name": "No trunk group", "primaryPeerIp": "10.0.0.9", "pops": [{"id": 1}]},
        {"trunkgroup": 8100, "name": "Unknown trunk group", "primaryPeerIp": "10.0.0.9", "pops": [{"id": 1}]},
        {"trunkgroup": 22, "name": "Bad transport", "primaryPeerIp": "10.0.0.9",
         "pops": [{"id": 1, "transport": "SCTP"}]},
        {"trunkgroup": "1d25d663-24c8-4cec-9b72-49cfd8442008", "name": "By uuid",
         "ipWhitelist": "10.0.0.0/24", "pops": [{"popId": 2}]}
    ]});
    srv.put(&format!("{SUB}/accesstrunks/bulk"), body)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let job = history(&srv, "accesstrunks", "").await["bulks"][0].clone();
    assert_eq!(
        (job["status"].clone(), job["success_count"].clone()),
        (json!("failure"), json!(1))
    );
    let list = srv.get(&at_path(22)).await;
    let names: Vec<&str> = list.json["accessTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Access trunk 6", "By uuid"]);
}

#[tokio::test]
async fn peer_trunk_bulk_creates_peer_trunk_groups_with_their_peers() {
    let srv = TestServer::start().await;
    srv.put(
        &format!("{SUB}/peertrunks/bulk"),
        bulk_peer_trunks_example(),
    )
    .await
    .expect(200);
    srv.advance_clock(1.0).await;
    let job = history(&srv, "peertrunks", "").await["bulks"][0].clone();
    assert_eq!(
        (job["status"].clone(), job["success_count"].clone()),
        (json!("success"), json!(3))
    );
    let tg = trunk_group_named(&srv, "API Bulk PT Test 1")
        .await
        .expect("created");
    assert_eq!(tg["uuid"], "5c70f993-63d8-4204-a806-3f7baae000bc");
    assert_eq!(tg["type"], "msteams");
    let peers = srv.get(&pt_path(tg["id"].as_i64().unwrap())).await;
    insta::assert_json_snapshot!("fusion2_peer_trunk_bulk_peers", peers.json, {
        ".peerTrunks[].id" => "[id]", ".peerTrunks[].uuid" => "[uuid]"
    });
    assert!(
        trunk_group_named(&srv, "API Bulk PT Test 3")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn peer_trunk_bulk_on_an_existing_group_updates_peers_by_pop_and_adds_the_rest() {
    let srv = TestServer::start().await;
    let tg = srv.get(&format!("{SUB}/trunkgroups/{PEER_TG}")).await;
    let uuid = tg.json["uuid"].clone();
    let before = srv.get(&pt_path(PEER_TG)).await.json["results"]
        .as_i64()
        .unwrap();
    let body = json!({"name": "Peers", "data": [{"uuid": uuid, "peers": [
        {"popId": 2, "billingId": "changed"}
    ]}]});
    srv.put(&format!("{SUB}/peertrunks/bulk"), body)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let after = srv.get(&pt_path(PEER_TG)).await;
    assert_eq!(
        after.json["results"].as_i64().unwrap(),
        before,
        "POP 2 already had a peer trunk"
    );
    let on_pop2 = srv.get(&format!("{}/104", pt_path(PEER_TG))).await;
    assert_eq!(on_pop2.json["billingId"], "changed");
}

#[tokio::test]
async fn peer_trunk_bulk_refuses_sip_and_untyped_new_groups_item_by_item() {
    let srv = TestServer::start().await;
    let body = json!({"name": "Types", "data": [
        {"name": "Sip here", "type": "sip"},
        {"name": "No type"},
        {"name": "Zoom one", "type": "zoom", "peers": [{"popId": 3}]},
        {"name": "Zoom two", "type": "zoom", "peers": [{"popId": 1}]}
    ]});
    srv.put(&format!("{SUB}/peertrunks/bulk"), body)
        .await
        .expect(200);
    srv.advance_clock(1.0).await;
    let job = history(&srv, "peertrunks", "").await["bulks"][0].clone();
    assert_eq!(
        (job["status"].clone(), job["success_count"].clone()),
        (json!("failure"), json!(1))
    );
    assert!(trunk_group_named(&srv, "Zoom two").await.is_some());
    assert!(trunk_group_named(&srv, "Zoom one").await.is_none());
}

#[tokio::test]
async fn the_bulk_duration_setting_decides_when_a_job_runs() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": {"bulk_duration_seconds": 30}}))
        .await;
    srv.put(
        &format!("{SUB}/trunkgroups/bulk"),
        bulk_trunk_groups_example(),
    )
    .await
    .expect(200);
    srv.advance_clock(29.0).await;
    assert_eq!(
        history(&srv, "trunkgroups", "").await["bulks"][0]["status"],
        "ongoing"
    );
    srv.advance_clock(1.0).await;
    assert_eq!(
        history(&srv, "trunkgroups", "").await["bulks"][0]["status"],
        "success"
    );
}

#[tokio::test]
async fn bulk_history_shows_the_document_examples_newest_first() {
    let srv = TestServer::start().await;
    let tg = history(&srv, "trunkgroups", "").await;
    let at = history(&srv, "accesstrunks", "").await;
    let pt = history(&srv, "peertrunks", "").await;
    insta::assert_json_snapshot!("fusion2_bulk_history_seeded", json!([tg, at, pt]));
}

#[tokio::test]
async fn bulk_history_pages_searches_and_filters() {
    let srv = TestServer::start().await;
    for i in 0..3 {
        let body = json!({"name": format!("Nightly import {i}"), "data": [{"name": format!("Nightly {i}")}]});
        srv.put(&format!("{SUB}/trunkgroups/bulk"), body)
            .await
            .expect(200);
    }
    let page = history(&srv, "trunkgroups", "?page_size=2").await;
    assert_eq!(
        (page["results"].clone(), page["pages"].clone()),
        (json!(5), json!(3))
    );
    assert_eq!(page["bulks"][0]["title"], "Nightly import 2");
    let next = page["next"].as_str().unwrap().to_string();
    let second = history(&srv, "trunkgroups", &format!("?page_size=2&next={next}")).await;
    assert_eq!(second["bulks"][0]["title"], "Nightly import 0");
    assert_eq!(second["page"], 2);

    let search = history(&srv, "trunkgroups", "?search=NIGHTLY").await;
    assert_eq!(search["results"], 3);
    let by_kind = history(&srv, "trunkgroups", "?search=trunk_gr").await;
    assert_eq!(by_kind["results"], 5);

    let ongoing = history(&srv, "trunkgroups", "?filters=status:ongoing").await;
    assert_eq!(
        ongoing["results"], 4,
        "three new ones and the seeded ongoing one"
    );
    let json_filter = "?filters=%5B%7B%22field%22%3A%22id%22%2C%22operator%22%3A%22lt%22%2C%22value%22%3A90%7D%5D";
    let old = history(&srv, "trunkgroups", json_filter).await;
    assert_eq!(numeric_ids(&old["bulks"]), vec![89]);
}

#[tokio::test]
async fn bulk_history_refuses_filters_it_cannot_read() {
    let srv = TestServer::start().await;
    let r = srv
        .get(&format!(
            "{TENANT}/trunkgroups/bulk_jobs?filters=colour:red"
        ))
        .await;
    r.expect(400);
    assert_eq!(r.json["code"], 1000);
    let bad_json = srv
        .get(&format!("{TENANT}/trunkgroups/bulk_jobs?filters=%7Bnope"))
        .await;
    bad_json.expect(400);
}

#[tokio::test]
async fn bulk_history_of_an_unknown_tenant_is_404_or_empty_with_any_parent() {
    let srv = TestServer::start().await;
    let other = "/api/v01/draas/draas_v1/tenants/22222222-2222-4222-8222-222222222222";
    let strict = srv.get(&format!("{other}/peertrunks/bulk_jobs")).await;
    strict.expect(404);
    assert_eq!(strict.json["code"], 2001);
    let put = srv
        .put(
            "/api/v01/draas/draas_v1/tenants/22222222-2222-4222-8222-222222222222/subscriptions/1/trunkgroups/bulk",
            json!({"name": "x", "data": [{"name": "x"}]}),
        )
        .await;
    put.expect(404);
    srv.apply_settings(json!({"fusion": {"any_parent": true}}))
        .await;
    let r = srv.get(&format!("{other}/peertrunks/bulk_jobs")).await;
    r.expect(200);
    assert_eq!(
        r.json,
        json!({"results": 0, "pages": 1, "page": 1, "bulks": []})
    );
}

#[tokio::test]
async fn empty_bulk_history_is_404_with_the_empty_list_setting() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": {"empty_list_404": true}}))
        .await;
    let r = srv
        .get(&format!(
            "{TENANT}/peertrunks/bulk_jobs?search=nothing-like-this"
        ))
        .await;
    r.expect(404);
    assert_eq!(r.json["code"], 8001);
}

#[tokio::test]
async fn bulk_jobs_are_kept_per_session() {
    let srv = TestServer::start().await;
    srv.req(reqwest::Method::PUT, &format!("{SUB}/trunkgroups/bulk"))
        .session("a")
        .json(&bulk_trunk_groups_example())
        .send()
        .await
        .expect(200);
    let b = srv
        .req(
            reqwest::Method::GET,
            &format!("{TENANT}/trunkgroups/bulk_jobs"),
        )
        .session("b")
        .send()
        .await;
    assert_eq!(b.json["results"], 2);
}

#[tokio::test]
async fn an_ongoing_bulk_job_survives_a_state_dump_and_restore() {
    let srv = TestServer::start().await;
    srv.put(
        &format!("{SUB}/trunkgroups/bulk"),
        bulk_trunk_groups_example(),
    )
    .await
    .expect(200);
    let dump = srv.get("/__admin/state").await;
    dump.expect(200);
    srv.post("/__admin/reset", json!({})).await.expect(200);
    assert_eq!(history(&srv, "trunkgroups", "").await["results"], 2);
    let restore = srv
        .put("/__admin/state", json!({"fusion": dump.json["fusion"]}))
        .await;
    restore.expect(200);
    srv.advance_clock(1.0).await;
    assert_eq!(
        history(&srv, "trunkgroups", "").await["bulks"][0]["status"],
        "success"
    );
    assert!(trunk_group_named(&srv, "Bulk API TG 1").await.is_some());
}

#[tokio::test]
async fn a_scenario_with_a_duplicate_access_trunk_id_is_refused() {
    let srv = TestServer::start().await;
    let mut state = srv.get("/__admin/state").await.json["fusion"].clone();
    let tgs = state["tenants"][0]["subscriptions"][0]["trunkGroups"]
        .as_array_mut()
        .unwrap();
    let sip = tgs.iter_mut().find(|t| t["id"] == SIP_TG).unwrap();
    let first = sip["accessTrunks"][0].clone();
    sip["accessTrunks"].as_array_mut().unwrap().push(first);
    let r = srv.put("/__admin/state", json!({"fusion": state})).await;
    r.expect(400);
    assert!(
        r.text().contains("duplicate access trunk id"),
        "{}",
        r.text()
    );
}

// ---------------------------------------------------------------- the contract

#[tokio::test]
async fn every_example_request_body_of_the_second_half_is_accepted_by_the_contract() {
    let srv = TestServer::start().await;
    let examples = [
        (
            "fusion_create_access_trunks",
            fusion_access_trunk_create_example(),
        ),
        ("fusion_modify_access_trunk", modify_example()),
        (
            "fusion_create_peer_trunk",
            json!({"billingId": "peer:test", "name": "Peer Test",
                   "pop": {"id": 1, "inboundCalls": false, "outboundCalls": true}}),
        ),
        (
            "fusion_modify_peer_trunk",
            json!({"billingId": "peer:test-mod", "name": "Peer Test Mod",
                   "pop": {"inboundCalls": true, "outboundCalls": false}}),
        ),
        ("fusion_bulk_trunk_groups", bulk_trunk_groups_example()),
        ("fusion_bulk_access_trunks", bulk_access_trunks_example()),
        ("fusion_bulk_peer_trunks", bulk_peer_trunks_example()),
    ];
    for (operation, body) in examples {
        let op = srv
            .engine()
            .contracts
            .operations
            .iter()
            .find(|o| &*o.operation_id == operation)
            .unwrap_or_else(|| panic!("no operation {operation}"));
        let violations = op.validate_body(&body);
        assert!(violations.is_empty(), "{operation}: {violations:?}");
    }
}

#[tokio::test]
async fn the_routes_list_every_fusion_operation_of_the_document() {
    let srv = TestServer::start().await;
    let r = srv.get("/__admin/routes").await;
    let mut pairs: Vec<String> = r.json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["family"] == "fusion" && !r["path"].as_str().unwrap().contains("/auth/"))
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect();
    pairs.sort();
    pairs.dedup();
    // The 27 of the document plus the three bulk histories under the subscription path.
    assert_eq!(pairs.len(), 30, "{pairs:#?}");
}
