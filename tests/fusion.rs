//! The fusion DRaaS trunking API, part 1 (trunk groups, numbers, disaster recovery), over real
//! HTTP against the default scenario (draas_v1, tenant 1111…, subscription 1).

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const BASE: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";

fn tgs() -> String {
    format!("{BASE}/trunkgroups")
}

fn tg(id: i64) -> String {
    format!("{BASE}/trunkgroups/{id}")
}

fn numbers(id: i64) -> String {
    format!("{BASE}/trunkgroups/{id}/numbers")
}

async fn create_trunk_group(srv: &TestServer, body: Value) -> Value {
    let r = srv.post(&tgs(), body).await;
    r.expect(200);
    r.json.clone()
}

// ---- list and get -------------------------------------------------------------------------

#[tokio::test]
async fn list_returns_the_documents_trunk_groups_without_status() {
    let srv = TestServer::start().await;
    let resp = srv.get(&tgs()).await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn list_with_status_adds_each_sync_status_and_false_leaves_it_out() {
    let srv = TestServer::start().await;
    let with = srv.get(&format!("{}?withStatus", tgs())).await;
    with.expect(200);
    let items = with.json["trunkgroups"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert!(items.iter().all(|t| t["status"] == "ok"));
    let without = srv.get(&format!("{}?withStatus=false", tgs())).await;
    assert!(without.json["trunkgroups"][0].get("status").is_none());
}

#[tokio::test]
async fn list_of_an_unknown_subscription_is_empty_with_any_parent() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "any_parent": true }}))
        .await;
    let resp = srv
        .get("/api/v01/draas/draas_v1/tenants/22222222-2222-4222-8222-222222222222/subscriptions/9/trunkgroups")
        .await;
    resp.expect(200);
    assert_eq!(resp.json, json!({ "trunkgroups": [] }));
}

#[tokio::test]
async fn unknown_tenants_and_subscriptions_answer_404_by_default() {
    let srv = TestServer::start().await;
    let tenant = srv
        .get("/api/v01/draas/draas_v1/tenants/22222222-2222-4222-8222-222222222222/subscriptions/1/trunkgroups")
        .await;
    tenant.expect(404);
    insta::assert_json_snapshot!("strict_unknown_tenant", tenant.json);
    let sub = srv
        .post(
            "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/2/trunkgroups",
            json!({ "name": "x" }),
        )
        .await;
    sub.expect(404);
    insta::assert_json_snapshot!("strict_unknown_subscription", sub.json);
    srv.get(&tgs()).await.expect(200);
}

#[tokio::test]
async fn any_parent_makes_unknown_parents_start_empty_and_keep_what_is_created() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "any_parent": true }}))
        .await;
    let other = "/api/v01/draas/draas_v2/tenants/33333333-3333-4333-8333-333333333333/subscriptions/7/trunkgroups";
    srv.post(other, json!({ "name": "elsewhere" }))
        .await
        .expect(200);
    let list = srv.get(other).await;
    assert_eq!(list.json["trunkgroups"][0]["name"], "elsewhere");
    assert_eq!(
        srv.get(&tgs()).await.json["trunkgroups"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
}

#[tokio::test]
async fn empty_list_404_setting_answers_404_for_a_subscription_without_trunk_groups() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "empty_list_404": true, "any_parent": true }}))
        .await;
    let resp = srv
        .get("/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/5/trunkgroups")
        .await;
    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn get_shows_the_pilot_and_peer_trunks_of_test_tg_4() {
    let srv = TestServer::start().await;
    let resp = srv.get(&tg(4)).await;
    resp.expect(200);
    assert!(resp.json.get("status").is_none());
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn get_of_a_sip_trunk_group_has_no_peer_trunks_and_with_status_shows_status() {
    let srv = TestServer::start().await;
    let resp = srv.get(&format!("{}?withStatus=true", tg(6))).await;
    resp.expect(200);
    assert!(resp.json.get("peerTrunks").is_none());
    assert_eq!(resp.json["pilot"], Value::Null);
    assert_eq!(resp.json["status"], "ok");
}

#[tokio::test]
async fn get_of_an_unknown_trunk_group_answers_404_in_the_fusion_shape() {
    let srv = TestServer::start().await;
    let resp = srv.get(&tg(999)).await;
    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
}

// ---- create -------------------------------------------------------------------------------

#[tokio::test]
async fn create_answers_200_pending_and_becomes_ok_after_the_sync_delay() {
    let srv = TestServer::start().await;
    let created = create_trunk_group(
        &srv,
        json!({ "name": "My New trunk group", "maxCalls": 10, "cfnrActive": true,
                "cfnrDestination": "+33613525507" }),
    )
    .await;
    insta::assert_json_snapshot!(created);
    let id = created["id"].as_i64().unwrap();
    let before = srv.get(&format!("{}?withStatus", tg(id))).await;
    assert_eq!(before.json["status"], "pending");
    srv.advance_clock(2).await;
    let after = srv.get(&format!("{}?withStatus", tg(id))).await;
    assert_eq!(after.json["status"], "ok");
}

#[tokio::test]
async fn sync_outcome_setting_makes_a_synchronisation_end_in_error() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "sync_outcome": "error" }}))
        .await;
    let id = create_trunk_group(&srv, json!({ "name": "doomed" })).await["id"]
        .as_i64()
        .unwrap();
    srv.advance_clock(2).await;
    let after = srv.get(&format!("{}?withStatus", tg(id))).await;
    assert_eq!(after.json["status"], "error");
}

#[tokio::test]
async fn sync_delay_setting_changes_how_long_a_trunk_group_stays_pending() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "sync_delay_seconds": 60 }}))
        .await;
    let id = create_trunk_group(&srv, json!({ "name": "slow" })).await["id"]
        .as_i64()
        .unwrap();
    srv.advance_clock(30).await;
    let list = srv.get(&format!("{}?withStatus", tgs())).await;
    let mine = |l: &Value| {
        l["trunkgroups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(mine(&list.json), "pending");
    srv.advance_clock(30).await;
    let list = srv.get(&format!("{}?withStatus", tgs())).await;
    assert_eq!(mine(&list.json), "ok");
}

#[tokio::test]
async fn create_peer_trunk_group_creates_its_peer_trunks_with_pop_names() {
    let srv = TestServer::start().await;
    let created = create_trunk_group(
        &srv,
        json!({ "extra": {}, "name": "Test Peer Trunk 1", "billingId": "", "type": "msteams",
                "peerTrunks": [
                  { "popId": 1, "inboundCalls": false, "outboundCalls": true, "billingId": "",
                    "extra": { "value": "1" } },
                  { "popId": 2, "inboundCalls": true, "outboundCalls": false, "billingId": "",
                    "extra": { "value": "1" } } ] }),
    )
    .await;
    insta::assert_json_snapshot!(created);
    srv.advance_clock(2).await;
    let got = srv
        .get(&format!(
            "{}?withStatus",
            tg(created["id"].as_i64().unwrap())
        ))
        .await;
    assert!(
        got.json["peerTrunks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "ok")
    );
}

#[tokio::test]
async fn create_of_a_webex_trunk_group_keeps_its_region() {
    let srv = TestServer::start().await;
    let created = create_trunk_group(
        &srv,
        json!({ "name": "webex", "type": "webexc", "region": "eu" }),
    )
    .await;
    assert_eq!(created["region"], "eu");
    let list = srv.get(&tgs()).await;
    let item = list.json["trunkgroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "webex")
        .cloned();
    assert_eq!(item.unwrap()["region"], "eu");
}

#[tokio::test]
async fn create_refusals_answer_400_with_their_codes() {
    let srv = TestServer::start().await;
    let cases = [
        ("duplicate_name", json!({ "name": "test tg 3" })),
        ("region_for_sip", json!({ "name": "a", "region": "eu" })),
        (
            "peer_trunks_on_sip",
            json!({ "name": "b", "peerTrunks": [{ "popId": 1 }] }),
        ),
        (
            "unknown_pop",
            json!({ "name": "c", "type": "zoom", "peerTrunks": [{ "popId": 9 }] }),
        ),
        (
            "conflicting_call_flags",
            json!({ "name": "d", "incomingCalls": true, "inboundCalls": false }),
        ),
        ("blank_name", json!({ "name": "   " })),
        ("missing_name", json!({ "billingId": "x" })),
        ("unknown_field", json!({ "name": "e", "colour": "red" })),
        (
            "bad_calling_format",
            json!({ "name": "f", "callingFormat": "e.164" }),
        ),
    ];
    for (name, body) in cases {
        let resp = srv.post(&tgs(), body).await;
        resp.expect(400);
        insta::assert_json_snapshot!(format!("create_refuses_{name}"), resp.json);
    }
    assert_eq!(
        srv.get(&tgs()).await.json["trunkgroups"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
}

// ---- modify and suspend -------------------------------------------------------------------

#[tokio::test]
async fn modify_renames_sets_the_pilot_and_is_pending_again() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(&tg(6), json!({ "name": "Renamed", "pilot": 136, "maxCalls": 5, "callingFormat": "national_with_0" }))
        .await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    let cleared = srv
        .put(
            &tg(6),
            json!({ "name": "Renamed", "pilot": null, "maxCalls": null }),
        )
        .await;
    assert_eq!(cleared.json["pilot"], Value::Null);
    assert!(cleared.json.get("maxCalls").is_none());
}

#[tokio::test]
async fn modify_refusals_answer_400_or_404_and_change_nothing() {
    let srv = TestServer::start().await;
    let cases = [
        (
            "pilot_not_attached",
            6,
            json!({ "name": "Test TG 3", "pilot": 6 }),
            400,
        ),
        ("name_taken", 6, json!({ "name": "IDAL trunk2" }), 400),
        (
            "type_change",
            6,
            json!({ "name": "Test TG 3", "type": "msteams" }),
            400,
        ),
        (
            "peer_trunk_of_another_group",
            4,
            json!({ "name": "Test TG 4", "peerTrunks": [{ "id": 999 }] }),
            400,
        ),
        (
            "peer_trunk_entry_without_id_or_pop",
            4,
            json!({ "name": "Test TG 4", "peerTrunks": [{ "billingId": "x" }] }),
            400,
        ),
        (
            "both_peer_trunks_and_pops",
            4,
            json!({ "name": "Test TG 4", "peerTrunks": [], "pops": [] }),
            400,
        ),
        ("no_name", 6, json!({ "billingId": "x" }), 400),
        ("empty_body", 6, json!({}), 400),
        ("unknown_trunk_group", 999, json!({ "name": "x" }), 404),
    ];
    for (name, id, body, status) in cases {
        let resp = srv.put(&tg(id), body).await;
        resp.expect(status);
        insta::assert_json_snapshot!(format!("modify_refuses_{name}"), resp.json);
    }
    let tg6 = srv.get(&tg(6)).await;
    assert_eq!(tg6.json["name"], "Test TG 3");
    assert_eq!(tg6.json["type"], "sip");
}

#[tokio::test]
async fn suspend_with_only_call_flags_needs_no_name_and_keeps_the_rest() {
    let srv = TestServer::start().await;
    let resp = srv.put(&tg(22), json!({ "outgoingCalls": false })).await;
    resp.expect(200);
    assert_eq!(resp.json["name"], "TG test N4 Upd");
    assert_eq!(resp.json["outgoingCalls"], false);
    assert_eq!(resp.json["outboundCalls"], false);
    assert_eq!(resp.json["incomingCalls"], true);
    assert_eq!(resp.json["status"], "pending");
    let resumed = srv
        .put(
            &tg(22),
            json!({ "outboundCalls": true, "inboundCalls": false }),
        )
        .await;
    assert_eq!(resumed.json["outgoingCalls"], true);
    assert_eq!(resumed.json["incomingCalls"], false);
}

#[tokio::test]
async fn modify_peer_trunks_changes_listed_ones_adds_new_ones_and_removes_the_rest() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &tg(4),
            json!({ "extra": {}, "name": "Test Peer Trunk 2", "billingId": "",
                    "peerTrunks": [
                      { "id": 21, "inboundCalls": false, "outboundCalls": true,
                        "billingId": "billingId 1", "extra": { "name": "Extra 1" } },
                      { "popId": 1, "inboundCalls": false, "outboundCalls": false,
                        "billingId": "billingId 2", "extra": { "name": "Extra 2" } } ] }),
        )
        .await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    let ids: Vec<i64> = resp.json["peerTrunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&21) && !ids.contains(&20) && ids.len() == 2);
}

#[tokio::test]
async fn modify_may_change_between_peer_types_and_drops_a_region_the_new_type_cannot_have() {
    let srv = TestServer::start().await;
    let id = create_trunk_group(
        &srv,
        json!({ "name": "webex", "type": "webexcc", "region": "eu" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let same = srv
        .put(&tg(id), json!({ "name": "webex", "type": "webexc" }))
        .await;
    same.expect(200);
    assert_eq!(same.json["region"], "eu");
    let cleared = srv
        .put(&tg(id), json!({ "name": "webex", "region": null }))
        .await;
    assert!(cleared.json.get("region").is_none());
    srv.put(&tg(id), json!({ "name": "webex", "region": "us" }))
        .await
        .expect(200);
    let teams = srv
        .put(&tg(id), json!({ "name": "webex", "type": "msteams" }))
        .await;
    teams.expect(200);
    assert_eq!(teams.json["type"], "msteams");
    assert!(teams.json.get("region").is_none());
    let refused = srv
        .put(&tg(id), json!({ "name": "webex", "region": "eu" }))
        .await;
    refused.expect(400);
    assert_eq!(refused.json["code"], 3007);
}

#[tokio::test]
async fn modify_accepts_pops_as_the_peer_trunk_list() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &tg(4),
            json!({ "name": "Test TG 4", "pops": [{ "id": 20, "inboundCalls": 30 }] }),
        )
        .await;
    resp.expect(200);
    let peers = resp.json["peerTrunks"].as_array().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0]["id"], 20);
    assert_eq!(peers[0]["inboundCalls"], 30);
    assert_eq!(peers[0]["status"], "pending");
}

#[tokio::test]
async fn modify_without_peer_trunks_keeps_them() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(&tg(4), json!({ "name": "Test TG 4", "billingId": "b-4" }))
        .await;
    resp.expect(200);
    assert_eq!(resp.json["billingId"], "b-4");
    assert_eq!(resp.json["peerTrunks"].as_array().unwrap().len(), 3);
    assert_eq!(resp.json["pilot"]["connectionId"], 6);
}

// ---- delete -------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_204_with_no_body_and_the_trunk_group_is_gone() {
    let srv = TestServer::start().await;
    let resp = srv.delete(&tg(22)).await;
    resp.expect(204);
    assert!(resp.bytes.is_empty());
    srv.get(&tg(22)).await.expect(404);
    srv.delete(&tg(22)).await.expect(404);
}

#[tokio::test]
async fn delete_is_refused_while_numbers_are_attached() {
    let srv = TestServer::start().await;
    let resp = srv.delete(&tg(6)).await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    srv.get(&tg(6)).await.expect(200);
}

#[tokio::test]
async fn delete_is_refused_for_an_external_trunk_group() {
    let srv = TestServer::start().await;
    let id = create_trunk_group(&srv, json!({ "name": "External", "external": true })).await["id"]
        .as_i64()
        .unwrap();
    let resp = srv.delete(&tg(id)).await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(resp.json["code"], 3006);
    srv.get(&tg(id)).await.expect(200);
}

// ---- numbers ------------------------------------------------------------------------------

#[tokio::test]
async fn numbers_lists_the_attached_numbers() {
    let srv = TestServer::start().await;
    let resp = srv.get(&numbers(6)).await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn numbers_of_an_unknown_trunk_group_answer_404() {
    let srv = TestServer::start().await;
    srv.get(&numbers(999)).await.expect(404);
    srv.post(&numbers(999), json!({ "numbers": ["+3225405220"] }))
        .await
        .expect(404);
    srv.delete_with_body(&numbers(999), json!({ "connectionIds": [1] }))
        .await
        .expect(404);
}

#[tokio::test]
async fn adding_numbers_is_partial_and_shows_what_was_refused() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(
            &numbers(22),
            json!({ "countryCode": "+32",
                    "numbers": ["+3225405220", "+3225405221", "025405230", "+3225405220",
                                "+3225409943", "+3225409844"] }),
        )
        .await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    let list = srv.get(&numbers(22)).await;
    assert_eq!(list.json["numbers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn adding_only_refused_numbers_answers_400_and_adds_nothing() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(&numbers(22), json!({ "numbers": ["+3225409943", "12345"] }))
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(srv.get(&numbers(22)).await.json["numbers"], json!([]));
}

#[tokio::test]
async fn a_number_of_another_tenant_may_be_attached_here() {
    let srv = TestServer::start().await;
    srv.apply_settings(json!({"fusion": { "any_parent": true }}))
        .await;
    let other =
        "/api/v01/draas/draas_v1/tenants/44444444-4444-4444-8444-444444444444/subscriptions/1";
    let id = srv
        .post(&format!("{other}/trunkgroups"), json!({ "name": "other" }))
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let resp = srv
        .post(
            &format!("{other}/trunkgroups/{id}/numbers"),
            json!({ "numbers": ["+3225409943"] }),
        )
        .await;
    resp.expect(200);
    assert_eq!(resp.json["refused"], json!([]));
}

#[tokio::test]
async fn a_trunk_group_holds_at_most_ten_thousand_numbers() {
    let srv = TestServer::start().await;
    for batch in 0..10 {
        let batch_numbers: Vec<String> = (0..1000)
            .map(|i| format!("+44113{:06}", batch * 1000 + i))
            .collect();
        srv.post(&numbers(2), json!({ "numbers": batch_numbers }))
            .await
            .expect(200);
    }
    let full = srv
        .post(&numbers(2), json!({ "numbers": ["+441139999999"] }))
        .await;
    full.expect(400);
    insta::assert_json_snapshot!(full.json);
    let too_many: Vec<String> = (0..1001).map(|i| format!("+44114{i:06}")).collect();
    srv.post(&numbers(22), json!({ "numbers": too_many }))
        .await
        .expect(400);
}

#[tokio::test]
async fn removing_numbers_answers_204_and_removing_the_pilots_number_clears_the_pilot() {
    let srv = TestServer::start().await;
    let resp = srv
        .delete_with_body(&numbers(4), json!({ "connectionIds": [6, 12345] }))
        .await;
    resp.expect(204);
    assert!(resp.bytes.is_empty());
    let tg4 = srv.get(&tg(4)).await;
    assert_eq!(tg4.json["pilot"], Value::Null);
    let left = srv.get(&numbers(4)).await;
    assert_eq!(
        left.json,
        json!({ "numbers": [{ "id": 7, "connectionId": 8, "fullNumber": "+3225409876" }] })
    );
}

#[tokio::test]
async fn removing_only_unknown_connection_ids_answers_400() {
    let srv = TestServer::start().await;
    let resp = srv
        .delete_with_body(&numbers(6), json!({ "connectionIds": [6, 7] }))
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(
        srv.get(&numbers(6)).await.json["numbers"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

// ---- disaster recovery --------------------------------------------------------------------

#[tokio::test]
async fn disaster_recovery_plans_answer_one_result_per_plan() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &format!("{}/disaster_recovery", tg(4)),
            json!({ "plans": [
                { "number": "+3225409943", "disasterRecoveryNumber": "+32123456789" },
                { "number": "+3225409876", "disasterRecoveryNumber": null },
                { "number": "+3225409999", "disasterRecoveryNumber": "+32123456789" },
                { "number": "+3225409876", "disasterRecoveryNumber": "0800" },
                { "number": "+3225409876", "disasterRecoveryNumber": "+3225409876" } ] }),
        )
        .await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn a_null_disaster_recovery_number_clears_the_plan() {
    let srv = TestServer::start().await;
    let path = format!("{}/disaster_recovery", tg(4));
    srv.put(
        &path,
        json!({ "plans": [{ "number": "+3225409943", "disasterRecoveryNumber": "+32123456789" }] }),
    )
    .await
    .expect(200);
    let cleared = srv
        .put(
            &path,
            json!({ "plans": [{ "number": "+3225409943", "disasterRecoveryNumber": null }] }),
        )
        .await;
    assert_eq!(
        cleared.json,
        json!({ "results": [{ "disasterRecoveryNumber": null, "number": "+3225409943", "status": "success" }] })
    );
    let state = srv.get("/__admin/state").await;
    let numbers =
        &state.json["fusion"]["tenants"][0]["subscriptions"][0]["trunkGroups"][3]["numbers"];
    assert!(
        numbers[0].get("disasterRecoveryNumber").is_none(),
        "{numbers}"
    );
}

#[tokio::test]
async fn disaster_recovery_status_and_toggle_drive_the_trunk_groups_flag() {
    let srv = TestServer::start().await;
    let on = srv
        .put(
            &format!("{}/disaster_recovery/status", tg(6)),
            json!({ "status": true }),
        )
        .await;
    on.expect(200);
    assert_eq!(on.json, json!({ "status": true }));
    assert_eq!(srv.get(&tg(6)).await.json["disasterRecoveryStatus"], true);
    let toggled = srv
        .req(Method::PUT, &format!("{}/disaster_recovery/toggle", tg(6)))
        .send()
        .await;
    toggled.expect(200);
    assert_eq!(toggled.json, json!({ "status": false }));
    let list = srv.get(&tgs()).await;
    let item = list.json["trunkgroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == 6)
        .cloned()
        .unwrap();
    assert_eq!(item["disasterRecoveryStatus"], false);
    let again = srv
        .req(Method::PUT, &format!("{}/disaster_recovery/toggle", tg(6)))
        .send()
        .await;
    assert_eq!(again.json, json!({ "status": true }));
}

#[tokio::test]
async fn disaster_recovery_refusals_answer_400_and_404() {
    let srv = TestServer::start().await;
    let bad = srv
        .put(
            &format!("{}/disaster_recovery/status", tg(6)),
            json!({ "status": "on" }),
        )
        .await;
    bad.expect(400);
    insta::assert_json_snapshot!("disaster_recovery_status_not_boolean", bad.json);
    srv.req(
        Method::PUT,
        &format!("{}/disaster_recovery/toggle", tg(999)),
    )
    .send()
    .await
    .expect(404);
    srv.put(
        &format!("{}/disaster_recovery", tg(999)),
        json!({ "plans": [] }),
    )
    .await
    .expect(404);
}

// ---- engine problems in the fusion shape --------------------------------------------------

#[tokio::test]
async fn engine_problems_answer_in_the_fusion_shape() {
    let srv = TestServer::start().await;
    let route = srv.get("/api/v01/draas/draas_v1/nothing-here").await;
    route.expect(404);
    insta::assert_json_snapshot!("problem_route_not_found", route.json);
    let method = srv.patch(&tg(4), json!({})).await;
    method.expect(405);
    assert_eq!(
        method.header("allow"),
        Some("DELETE, GET, HEAD, OPTIONS, PUT")
    );
    insta::assert_json_snapshot!("problem_method_not_allowed", method.json);
    let malformed = srv
        .req(Method::POST, &tgs())
        .body("application/json", "{\"name\": ")
        .send()
        .await;
    malformed.expect(400);
    insta::assert_json_snapshot!("problem_malformed_json", malformed.json);
    let bad_param = srv.get(&format!("{BASE}/trunkgroups/abc")).await;
    bad_param.expect(400);
    insta::assert_json_snapshot!("problem_bad_path_parameter", bad_param.json);
    let bad_uuid = srv
        .get("/api/v01/draas/draas_v1/tenants/not-a-uuid/subscriptions/1/trunkgroups")
        .await;
    bad_uuid.expect(400);
    let media = srv
        .req(Method::POST, &tgs())
        .body("text/plain", "name=x")
        .send()
        .await;
    media.expect(415);
    assert_eq!(media.json["code"], 1002);
}

// ---- the whole lifecycle ------------------------------------------------------------------

#[tokio::test]
async fn a_client_runs_the_whole_lifecycle_over_http() {
    let srv = TestServer::start().await;
    let id = create_trunk_group(&srv, json!({ "name": "Lifecycle" })).await["id"]
        .as_i64()
        .unwrap();
    let added = srv
        .post(
            &numbers(id),
            json!({ "numbers": ["+441134960000", "+441134960001"] }),
        )
        .await;
    added.expect(200);
    let pilot = added.json["numbers"][0]["connectionId"].as_i64().unwrap();
    let second = added.json["numbers"][1]["connectionId"].as_i64().unwrap();
    let modified = srv
        .put(&tg(id), json!({ "name": "Lifecycle", "pilot": pilot }))
        .await;
    modified.expect(200);
    assert_eq!(modified.json["pilot"]["fullNumber"], "+441134960000");
    srv.put(
        &format!("{}/disaster_recovery", tg(id)),
        json!({ "plans": [{ "number": "+441134960000", "disasterRecoveryNumber": "+441134960099" }] }),
    )
    .await
    .expect(200);
    srv.req(Method::PUT, &format!("{}/disaster_recovery/toggle", tg(id)))
        .send()
        .await
        .expect(200);
    srv.put(
        &tg(id),
        json!({ "incomingCalls": false, "outgoingCalls": false }),
    )
    .await
    .expect(200);
    srv.advance_clock(2).await;
    let got = srv.get(&format!("{}?withStatus", tg(id))).await;
    assert_eq!(got.json["status"], "ok");
    assert_eq!(got.json["disasterRecoveryStatus"], true);
    assert_eq!(got.json["incomingCalls"], false);
    srv.delete(&tg(id)).await.expect(400);
    srv.delete_with_body(&numbers(id), json!({ "connectionIds": [pilot, second] }))
        .await
        .expect(204);
    srv.delete(&tg(id)).await.expect(204);
    srv.get(&tg(id)).await.expect(404);
}

#[tokio::test]
async fn sessions_keep_their_own_trunk_groups() {
    let srv = TestServer::start().await;
    srv.req(Method::DELETE, &tg(22))
        .session("a")
        .send()
        .await
        .expect(204);
    srv.req(Method::GET, &tg(22))
        .session("b")
        .send()
        .await
        .expect(200);
    srv.req(Method::GET, &tg(22))
        .session("a")
        .send()
        .await
        .expect(404);
}

// ---- state through the admin API ----------------------------------------------------------

#[tokio::test]
async fn admin_state_round_trips_and_a_broken_reference_is_refused_with_its_pointer() {
    let srv = TestServer::start().await;
    let dumped = srv.get("/__admin/state").await.json["fusion"].clone();
    assert_eq!(dumped["nextIds"]["trunkGroup"], 82);
    let put = srv
        .put("/__admin/state", json!({ "fusion": dumped.clone() }))
        .await;
    assert!(put.status < 300, "{}", put.text());
    assert_eq!(srv.get("/__admin/state").await.json["fusion"], dumped);

    let mut broken = dumped.clone();
    broken["tenants"][0]["subscriptions"][0]["trunkGroups"][2]["pilot"] = json!(9999);
    let refused = srv.put("/__admin/state", json!({ "fusion": broken })).await;
    refused.expect(400);
    assert!(
        refused
            .text()
            .contains("/fusion/tenants/0/subscriptions/0/trunkGroups/2/pilot"),
        "{}",
        refused.text()
    );
    srv.get(&tg(6)).await.expect(200);
}

#[tokio::test]
async fn a_scenario_may_add_pops_for_peer_trunks() {
    let srv = TestServer::start().await;
    let state = json!({ "fusion": {
        "pops": [{ "id": 1, "name": "Wakefield" }, { "id": 7, "name": "Dublin" }],
        "tenants": [{ "draasInstance": "draas_v1", "uuid": "11111111-1111-4111-8111-111111111111",
            "subscriptions": [{ "id": 1 }] }] } });
    let put = srv.put("/__admin/state", state).await;
    assert!(put.status < 300, "{}", put.text());
    let created = create_trunk_group(
        &srv,
        json!({ "name": "Zoom", "type": "zoom", "peerTrunks": [{ "popId": 7 }] }),
    )
    .await;
    assert_eq!(created["peerTrunks"][0]["popName"], "Dublin");
    assert_eq!(created["peerTrunks"][0]["inboundCalls"], true);
    srv.post(
        &tgs(),
        json!({ "name": "Zoom 2", "type": "zoom", "peerTrunks": [{ "popId": 2 }] }),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn a_seeded_pending_or_error_status_stays_until_changed() {
    let srv = TestServer::start().await;
    let mut state = srv.get("/__admin/state").await.json["fusion"].clone();
    state["tenants"][0]["subscriptions"][0]["trunkGroups"][0]["status"] = json!("error");
    srv.put("/__admin/state", json!({ "fusion": state })).await;
    srv.advance_clock(3600).await;
    let got = srv.get(&format!("{}?withStatus", tg(10))).await;
    assert_eq!(got.json["status"], "error");
    srv.put(&tg(10), json!({ "name": "t1" })).await.expect(200);
    srv.advance_clock(2).await;
    assert_eq!(
        srv.get(&format!("{}?withStatus", tg(10))).await.json["status"],
        "ok"
    );
}

#[tokio::test]
async fn max_access_trunks_per_trunk_group_setting_is_the_bound_a_create_meets() {
    let srv = TestServer::start().await;
    let path = format!("{BASE}/trunkgroups/22/access_trunks");
    let listed = srv.get(&format!("{path}?page_size=1000")).await;
    let held = listed.json["accessTrunks"].as_array().unwrap().len();
    // Room for exactly one more: the default (100) would take both creates below.
    srv.apply_settings(
        json!({"fusion": json!({ "max_access_trunks_per_trunk_group": held + 1 }),
        }),
    )
    .await;
    let two = json!({"name": "Two", "pops": [{"id": 1}, {"id": 2}], "ipWhitelist": "127.0.0.1"});
    let r = srv.post(&path, two).await;
    r.expect(400);
    assert_eq!(r.json["code"], 6007);
    let one = json!({"name": "One", "trunkingPopId": 1, "ipWhitelist": "127.0.0.1"});
    srv.post(&path, one).await.expect(200);
}
