//! The apio group trunk groups API (and its backup view) over real HTTP.

mod common;

use common::TestServer;
use common::fixtures::apio_trunk_group_create_example;
use reqwest::Method;
use serde_json::{Value, json};

const TG: &str = "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/";

fn instance(name: &str) -> String {
    format!("{TG}{name}/")
}

fn backup(name: &str) -> String {
    format!("{TG}{name}/backup/")
}

/// The apio state as the admin API shows it.
async fn state(srv: &TestServer) -> Value {
    srv.get("/__admin/state").await.json["apio"].clone()
}

fn foogroup(state: &Value) -> &Value {
    &state["tenants"]["foo"]["groups"]["foogroup"]
}

fn user_ids(state: &Value) -> Vec<String> {
    foogroup(state)["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_string())
        .collect()
}

fn device_names(state: &Value) -> Vec<String> {
    foogroup(state)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

/// The document's create example makes TrunkTest, the trunk group its update example reroutes
/// to (the seed leaves it out so the examples replay in the document's order).
async fn create_trunk_test(srv: &TestServer) {
    srv.post(TG, apio_trunk_group_create_example())
        .await
        .expect(201);
}

/// The document's update example, JSON as printed.
fn update_example() -> Value {
    json!({
       "pilotUserId": "TrunkTestPilot",
       "department": {"tenantId": "ApioEntTest", "groupId": "ApioEntGrpTest",
                      "departmentName": "test_department_parent"},
       "maxActiveCalls": 15, "enableBursting": false,
       "capacityExceededTrapInitialCalls": 0, "capacityExceededTrapOffsetCalls": 0,
       "invitationTimeout": 6, "requireAuthentication": false, "hostedUsers": [],
       "allowTerminationToTrunkGroupIdentity": false, "includeTrunkGroupIdentity": false,
       "includeDtgIdentity": false, "includeTrunkGroupIdentityForNetworkCalls": false,
       "includeOtgIdentityForNetworkCalls": false, "allowUnscreenedCalls": false,
       "allowUnscreenedEmergencyCalls": false,
       "pilotUserCallingLineIdentityForExternalCallsPolicy": "No Calls",
       "pilotUserChargeNumberPolicy": "No Calls", "routeToPeeringDomain": false, "prefix": "02",
       "statefulReroutingEnabled": false, "sendContinuousOptionsMessage": false,
       "continuousOptionsSendingIntervalSeconds": 30, "failureOptionsSendingIntervalSeconds": 10,
       "failureThresholdCounter": 1, "successThresholdCounter": 1,
       "inviteFailureThresholdCounter": 1, "inviteFailureThresholdWindowSeconds": 30,
       "pilotUserCallingLineAssertedIdentityPolicy": "Unscreened Originating Calls",
       "useSystemCallingLineAssertedIdentityPolicy": true,
       "totalActiveIncomingCalls": 0, "totalActiveOutgoingCalls": 0,
       "pilotUserCallOptimizationPolicy": "Optimize For User Services",
       "clidSourceForScreenedCallsPolicy": "Profile Name Profile Number",
       "useSystemCLIDSourceForScreenedCallsPolicy": true, "userLookupPolicy": "Basic",
       "useSystemUserLookupPolicy": true,
       "pilotUserCallingLineIdentityForEmergencyCallsPolicy": "Unscreened Originating Calls",
       "callForwardingAlwaysAction": "Reroute",
       "callForwardingAlwaysRerouteTrunkGroup": {"name": "TrunkTest"}
    })
}

/// The backup update example with its missing comma put back.
fn backup_update_example() -> Value {
    json!({"mode": "Reroute", "trunk": {"name": "backup_trunk_group"}})
}

// ---- contract ----------------------------------------------------------------------------

/// The document's example request bodies are checked by tests/contracts.rs; the backup GET
/// example answer is not a request example there, yet a client may send it back as a write.
#[tokio::test]
async fn the_backup_get_example_answer_is_also_a_valid_backup_write() {
    let srv = TestServer::start().await;
    let op = srv
        .engine()
        .contracts
        .operations
        .iter()
        .find(|o| &*o.operation_id == "apio_update_trunk_group_backup")
        .unwrap();
    let body = json!({"mode": "Forward", "destination": "trunkgroup1@netaxis.be"});
    let violations = op.validate_body(&body);
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn every_operation_is_listed_by_the_admin_routes() {
    let srv = TestServer::start().await;
    let routes = srv.get("/__admin/routes").await.json;
    let ids: Vec<&str> = routes["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["operationId"].as_str().or(r["operation_id"].as_str()))
        .filter(|id| id.starts_with("apio_"))
        .collect();
    // 15 documented operations plus login and logout.
    assert_eq!(ids.len(), 17, "{routes}");
}

#[tokio::test]
async fn a_url_without_its_trailing_slash_is_404_saying_it_must_end_with_a_slash() {
    let srv = TestServer::start().await;
    let resp = srv.get(TG.trim_end_matches('/')).await;
    resp.expect(404);
    insta::assert_json_snapshot!(resp.json);
    let resp = srv.get(backup("trunkgroup").trim_end_matches('/')).await;
    common::apio::assert_refused_for_its_missing_slash(&resp);
}

#[tokio::test]
async fn a_method_the_path_does_not_have_is_405_in_the_apio_shape() {
    let srv = TestServer::start().await;
    let resp = srv.patch(&instance("trunkgroup"), json!({})).await;
    resp.expect(405);
    assert!(resp.json["details"].is_string());
}

#[tokio::test]
async fn malformed_json_is_400_with_details() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::POST, TG)
        .body("application/json", r#"{"name": "x" "maxActiveCalls": 1}"#)
        .send()
        .await;
    resp.expect(400);
    assert!(
        resp.json["details"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test]
async fn values_outside_the_documented_ranges_and_lists_are_refused_field_by_field() {
    let srv = TestServer::start().await;
    for (field, bad) in [
        ("continuousOptionsSendingIntervalSeconds", json!(9)),
        ("continuousOptionsSendingIntervalSeconds", json!(86401)),
        ("failureOptionsSendingIntervalSeconds", json!(9)),
        ("failureThresholdCounter", json!(0)),
        ("successThresholdCounter", json!(61)),
        ("inviteFailureThresholdCounter", json!(61)),
        ("inviteFailureThresholdWindowSeconds", json!(29)),
        ("inviteFailureThresholdWindowSeconds", json!(241)),
        ("capacityExceededAction", json!("Drop")),
        ("pilotUserChargeNumberPolicy", json!("Some Calls")),
        (
            "pilotUserCallingLineAssertedIdentityPolicy",
            json!("No Calls"),
        ),
        ("userLookupPolicy", json!("Fuzzy")),
        ("trunkingMode", json!("teams")),
    ] {
        let resp = srv
            .put(&instance("trunkgroup"), json!({ field: bad }))
            .await;
        resp.expect(400);
        assert!(
            resp.json["fields"][field].is_string(),
            "{field}={bad}: {}",
            resp.json
        );
    }
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"continuousOptionsSendingIntervalSeconds": 86400,
            "inviteFailureThresholdWindowSeconds": 240, "failureThresholdCounter": 60}),
        )
        .await;
    resp.expect(200);
}

#[tokio::test]
async fn a_field_the_document_does_not_list_is_refused() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(
            TG,
            json!({"name": "X", "maxActiveCalls": 1, "maxActiveCall": 2}),
        )
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

// ---- list --------------------------------------------------------------------------------

#[tokio::test]
async fn list_returns_the_seeded_trunk_groups_as_summaries() {
    let srv = TestServer::start().await;
    let resp = srv.get(TG).await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn list_filters_on_the_trunking_mode() {
    let srv = TestServer::start().await;
    let resp = srv.get(&format!("{TG}?trunkingMode=teamsDR")).await;
    resp.expect(200);
    assert_eq!(common::apio::trunk_names(&resp.json), ["TeamsTrunk"]);
    srv.get(&format!("{TG}?trunkingMode=other"))
        .await
        .expect(400);
}

#[tokio::test]
async fn the_whole_enterprise_is_listed_only_for_an_enterprise_tenant() {
    let srv = TestServer::start().await;
    let refused = srv
        .get(&format!("{TG}?includeEnterpriseTrunkGroups=true"))
        .await;
    refused.expect(400);
    insta::assert_json_snapshot!("enterprise_listing_refused", refused.json);

    let ent = "/api/v1/tenants/ApioEntTest/groups/ApioEntGrpTest/services/trunk_groups/";
    let one = srv.get(ent).await;
    one.expect(200);
    assert_eq!(one.json["trunks"].as_array().unwrap().len(), 1);
    let all = srv
        .get(&format!("{ent}?includeEnterpriseTrunkGroups=true"))
        .await;
    all.expect(200);
    insta::assert_json_snapshot!("enterprise_listing", all.json);
}

#[tokio::test]
async fn unknown_tenant_group_or_trunk_group_is_404() {
    let srv = TestServer::start().await;
    for path in [
        "/api/v1/tenants/nobody/groups/foogroup/services/trunk_groups/".to_string(),
        "/api/v1/tenants/foo/groups/nogroup/services/trunk_groups/".to_string(),
        instance("missing"),
        backup("missing"),
    ] {
        let resp = srv.get(&path).await;
        resp.expect(404);
        assert!(
            resp.json["details"].as_str().unwrap().contains("not found"),
            "{path}"
        );
    }
    srv.put(&instance("missing"), json!({})).await.expect(404);
    srv.delete(&instance("missing")).await.expect(404);
    srv.put(&backup("missing"), json!({"mode": ""}))
        .await
        .expect(404);
    srv.post(
        "/api/v1/tenants/foo/groups/nogroup/services/trunk_groups/",
        json!({"name": "A", "maxActiveCalls": 1}),
    )
    .await
    .expect(404);
}

// ---- get ---------------------------------------------------------------------------------

#[tokio::test]
async fn get_answers_the_documents_example_instance() {
    let srv = TestServer::start().await;
    let resp = srv.get(&instance("trunkgroup")).await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
}

// ---- create ------------------------------------------------------------------------------

#[tokio::test]
async fn create_fills_the_documented_defaults_and_answers_like_a_get() {
    let srv = TestServer::start().await;
    let created = srv
        .post(TG, json!({"name": "Minimal", "maxActiveCalls": 4}))
        .await;
    created.expect(201);
    insta::assert_json_snapshot!(created.json);
    let got = srv.get(&instance("Minimal")).await;
    got.expect(200);
    assert_eq!(got.json, created.json);
}

#[tokio::test]
async fn the_documents_create_example_creates_the_trunk_group_and_its_pilot_user() {
    let srv = TestServer::start().await;
    // The seed leaves TrunkTest and its pilot out: the example creates both on a fresh start.
    let created = srv.post(TG, apio_trunk_group_create_example()).await;
    created.expect(201);
    insta::assert_json_snapshot!(created.json);
    let s = state(&srv).await;
    let pilot = foogroup(&s)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == "TrunkTestPilot@netaxis.be")
        .cloned()
        .unwrap();
    assert_eq!(pilot["trunkGroup"], "TrunkTest");
    assert_eq!(pilot["linePort"], "LP_TrunkTest_Pilot@netaxis.be");
}

#[tokio::test]
async fn a_duplicate_name_in_the_group_is_refused() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(TG, json!({"name": "trunkgroup", "maxActiveCalls": 1}))
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
}

#[tokio::test]
async fn access_device_info_creates_a_group_device_named_after_the_trunk_group() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(
            TG,
            json!({"name": "NewTrunk", "maxActiveCalls": 2,
            "accessDeviceInfo": {"deviceType": "Generic SIP Trunk", "macAddress": "AABBCCDDEEFF"}}),
        )
        .await;
    resp.expect(201);
    assert_eq!(
        resp.json["accessDevice"],
        json!({"name": "NewTrunk_device", "level": "Group"})
    );
    let s = state(&srv).await;
    let device = foogroup(&s)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "NewTrunk_device")
        .cloned();
    assert_eq!(
        device,
        Some(
            json!({"name": "NewTrunk_device", "deviceType": "Generic SIP Trunk", "macAddress": "AABBCCDDEEFF"})
        )
    );
}

#[tokio::test]
async fn access_device_wins_over_access_device_info() {
    let srv = TestServer::start().await;
    let before = device_names(&state(&srv).await);
    let resp = srv
        .post(
            TG,
            json!({"name": "Both", "maxActiveCalls": 2,
            "accessDevice": {"name": "Spare_Device", "level": "Group"},
            "accessDeviceInfo": {"deviceType": "Generic SIP Trunk", "deviceName": "Ignored"}}),
        )
        .await;
    resp.expect(201);
    assert_eq!(
        resp.json["accessDevice"],
        json!({"name": "Spare_Device", "level": "Group"})
    );
    assert_eq!(device_names(&state(&srv).await), before);
}

#[tokio::test]
async fn an_access_device_that_does_not_exist_is_refused() {
    let srv = TestServer::start().await;
    for device in [
        json!({"name": "Nope", "level": "Group"}),
        json!({"name": "Spare_Device", "level": "System"}),
    ] {
        let resp = srv
            .post(
                TG,
                json!({"name": "D", "maxActiveCalls": 1, "accessDevice": device}),
            )
            .await;
        resp.expect(400);
        assert!(
            resp.json["details"]
                .as_str()
                .unwrap()
                .contains("does not exist")
        );
    }
    let tenant_level = srv
        .post(TG, json!({"name": "D", "maxActiveCalls": 1, "accessDevice": {"name": "Tenant_SBC_Device", "level": "Tenant"}}))
        .await;
    tenant_level.expect(201);
}

#[tokio::test]
async fn pilot_user_info_creates_the_pilot_and_its_number_and_pilot_user_wins_over_it() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(TG, json!({"name": "Pbx", "maxActiveCalls": 2, "pilotUserInfo": {"phoneNumber": "+3222999000"}}))
        .await;
    resp.expect(201);
    assert_eq!(resp.json["pilotUserId"], "3222999000_pilot");
    let s = state(&srv).await;
    assert!(
        foogroup(&s)["numbers"]
            .as_array()
            .unwrap()
            .contains(&json!("+3222999000"))
    );
    let pilot = foogroup(&s)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == "3222999000_pilot")
        .cloned()
        .unwrap();
    assert!(
        pilot["password"].as_str().is_some_and(|p| p.len() == 16),
        "a generated password"
    );
    assert!(!resp.text().contains(pilot["password"].as_str().unwrap()));

    let both = srv
        .post(
            TG,
            json!({"name": "Pbx2", "maxActiveCalls": 2,
            "pilotUser": {"userId": "pilot2", "lastName": "L", "firstName": "F"},
            "pilotUserInfo": {"phoneNumber": "+3222999001", "userId": "ignored"}}),
        )
        .await;
    both.expect(201);
    assert_eq!(both.json["pilotUserId"], "pilot2");
    let ids = user_ids(&state(&srv).await);
    assert!(ids.contains(&"pilot2".to_string()) && !ids.contains(&"ignored".to_string()));
}

#[tokio::test]
async fn a_pilot_user_id_or_number_already_in_use_is_refused() {
    let srv = TestServer::start().await;
    let taken_id = srv
        .post(TG, json!({"name": "P", "maxActiveCalls": 1, "pilotUser": {"userId": "OfficeUser", "lastName": "a", "firstName": "b"}}))
        .await;
    taken_id.expect(400);
    let taken_number = srv
        .post(TG, json!({"name": "P", "maxActiveCalls": 1, "pilotUserInfo": {"phoneNumber": "+3222000200"}}))
        .await;
    taken_number.expect(400);
    let elsewhere = srv
        .post(
            "/api/v1/tenants/ApioEntTest/groups/ApioEntGrpTest/services/trunk_groups/",
            json!({"name": "P", "maxActiveCalls": 1, "pilotUserInfo": {"phoneNumber": "+3222000102"}}),
        )
        .await;
    elsewhere.expect(400);
    insta::assert_json_snapshot!([taken_id.json, taken_number.json, elsewhere.json]);
}

#[tokio::test]
async fn conditional_fields_are_required_when_their_condition_holds() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    let base = |extra: Value| {
        let mut b = json!({"name": "Cond", "maxActiveCalls": 1});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let mut answers = Vec::new();
    for extra in [
        json!({"requireAuthentication": true, "sipAuthenticationUserName": "u"}),
        json!({"enableBursting": true}),
        json!({"capacityExceededAction": "Forward"}),
        json!({"unreachableDestinationAction": "Reroute"}),
        json!({"callForwardingAlwaysAction": "Reroute"}),
        json!({"callForwardingAlwaysAction": "Reroute", "callForwardingAlwaysRerouteTrunkGroup": {"name": "ghost"}}),
        json!({"capacityExceededAction": "Reroute", "capacityExceededRerouteTrunkGroup": {"name": "Cond"}}),
    ] {
        let resp = srv.post(TG, base(extra.clone())).await;
        resp.expect(400);
        answers.push(json!({"request": extra, "answer": resp.json}));
    }
    insta::assert_json_snapshot!(answers);
    // Each one is accepted once its companion field is given.
    for extra in [
        json!({"requireAuthentication": true, "sipAuthenticationUserName": "u", "sipAuthenticationPassword": "p"}),
        json!({"enableBursting": true, "burstingMaxActiveCalls": 5}),
        json!({"capacityExceededAction": "Forward", "capacityExceededForwardAddress": "+3221234567"}),
        json!({"unreachableDestinationAction": "Reroute", "unreachableDestinationRerouteTrunkGroup": "backup_trunk_group"}),
        json!({"callForwardingAlwaysAction": "Reroute", "callForwardingAlwaysRerouteTrunkGroup": {"name": "TrunkTest", "tenantId": "foo", "groupId": "foogroup"}}),
        json!({"capacityExceededAction": ""}),
    ] {
        srv.post(TG, base(extra)).await.expect(201);
        srv.delete(&instance("Cond")).await.expect(200);
    }
}

#[tokio::test]
async fn the_sip_password_is_never_answered() {
    let srv = TestServer::start().await;
    let created = srv
        .post(
            TG,
            json!({"name": "Auth", "maxActiveCalls": 1, "requireAuthentication": true,
            "sipAuthenticationUserName": "trunkuser", "sipAuthenticationPassword": "s3cret-pw"}),
        )
        .await;
    created.expect(201);
    assert_eq!(created.json["sipAuthenticationUserName"], "trunkuser");
    for resp in [created, srv.get(&instance("Auth")).await, srv.get(TG).await] {
        assert!(!resp.text().contains("s3cret-pw"));
    }
}

#[tokio::test]
async fn a_max_call_count_without_its_limit_flag_sets_the_flag_by_default() {
    let srv = TestServer::start().await;
    let resp = srv
        .post(TG, json!({"name": "Limits", "maxActiveCalls": 10, "maxIncomingCalls": 4, "maxOutgoingCalls": 0}))
        .await;
    resp.expect(201);
    assert_eq!(
        (
            resp.json["limitIncomingCalls"].clone(),
            resp.json["limitOutgoingCalls"].clone()
        ),
        (json!(true), json!(false))
    );
    // An explicit flag wins, in the documented integer form too.
    let put = srv
        .put(
            &instance("Limits"),
            json!({"maxIncomingCalls": 0, "limitIncomingCalls": 1}),
        )
        .await;
    put.expect(200);
    assert_eq!(put.json["limitIncomingCalls"], json!(true));
    assert_eq!(put.json["maxIncomingCalls"], json!(0));
    let put = srv
        .put(&instance("Limits"), json!({"maxOutgoingCalls": 7}))
        .await;
    assert_eq!(put.json["limitOutgoingCalls"], json!(true));
}

#[tokio::test]
async fn the_limit_calls_rule_is_off_when_the_scenario_setting_turns_it_off() {
    let srv = TestServer::start().await;
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"apio": {"backward_trunkgroup_limitcalls": false}}}),
    )
    .await
    .expect(200);
    let resp = srv
        .post(
            TG,
            json!({"name": "NoRule", "maxActiveCalls": 10, "maxIncomingCalls": 4}),
        )
        .await;
    resp.expect(201);
    assert_eq!(resp.json["limitIncomingCalls"], json!(false));
    assert_eq!(resp.json["maxIncomingCalls"], json!(4));
}

#[tokio::test]
async fn a_group_at_its_scenario_limits_refuses_what_would_pass_them() {
    let srv = TestServer::start().await;
    let seeded = srv.get(TG).await.json["trunks"].as_array().unwrap().len();
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"apio": {"max_trunk_groups_per_group": seeded + 1,
                                     "max_items_per_group": 1}}}),
    )
    .await
    .expect(200);
    // The group already holds more than one device: a new one is refused, no device is fine.
    let with_device = srv
        .post(
            TG,
            json!({"name": "OneMore", "maxActiveCalls": 1,
                   "accessDeviceInfo": {"deviceType": "Generic SIP IP-PBX"}}),
        )
        .await;
    with_device.expect(400);
    assert!(
        with_device.json["details"]
            .as_str()
            .unwrap()
            .contains("1 devices")
    );
    srv.post(TG, json!({"name": "OneMore", "maxActiveCalls": 1}))
        .await
        .expect(201);
    let past = srv
        .post(TG, json!({"name": "TooMany", "maxActiveCalls": 1}))
        .await;
    past.expect(400);
    let expected = format!("{} trunk groups", seeded + 1);
    assert!(past.json["details"].as_str().unwrap().contains(&expected));
}

// ---- update ------------------------------------------------------------------------------

#[tokio::test]
async fn the_documents_update_example_is_applied() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    let resp = srv.put(&instance("trunkgroup"), update_example()).await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    assert_eq!(srv.get(&instance("trunkgroup")).await.json, resp.json);
}

#[tokio::test]
async fn an_update_changes_only_the_fields_it_gives() {
    let srv = TestServer::start().await;
    let before = srv.get(&instance("trunkgroup")).await.json;
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"maxActiveCalls": 99, "prefixEnabled": "true"}),
        )
        .await;
    resp.expect(200);
    let mut expected = before.clone();
    expected["maxActiveCalls"] = json!(99);
    expected["prefixEnabled"] = json!(true);
    assert_eq!(resp.json, expected);
}

#[tokio::test]
async fn a_rename_moves_the_trunk_group_to_its_new_url() {
    let srv = TestServer::start().await;
    // backup_trunk_group is a reroute target of trunkgroup after this.
    srv.put(&backup("trunkgroup"), backup_update_example())
        .await
        .expect(200);
    let resp = srv
        .put(
            &instance("backup_trunk_group"),
            json!({"name": "spare_trunk_group"}),
        )
        .await;
    resp.expect(200);
    assert_eq!(resp.json["name"], "spare_trunk_group");
    srv.get(&instance("backup_trunk_group")).await.expect(404);
    srv.get(&instance("spare_trunk_group")).await.expect(200);
    // The reroute key that named it follows the rename.
    let b = srv.get(&backup("trunkgroup")).await;
    assert_eq!(b.json["trunk"], json!({"name": "spare_trunk_group"}));
}

#[tokio::test]
async fn a_rename_keeps_the_trunk_users() {
    let srv = TestServer::start().await;
    srv.put(&instance("trunkgroup"), json!({"name": "renamed"}))
        .await
        .expect(200);
    let resp = srv
        .put(
            &instance("renamed"),
            json!({"pilotUserId": "TrunkTestUser2"}),
        )
        .await;
    resp.expect(200);
    assert_eq!(resp.json["pilotUserId"], "TrunkTestUser2");
    assert_eq!(resp.json["hostedUsers"][0]["userId"], "TrunkTestPilot");
}

#[tokio::test]
async fn a_rename_to_a_taken_name_is_refused() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    let resp = srv
        .put(&instance("trunkgroup"), json!({"name": "TrunkTest"}))
        .await;
    resp.expect(400);
    srv.get(&instance("trunkgroup")).await.expect(200);
}

#[tokio::test]
async fn the_pilot_must_be_one_of_the_trunk_groups_users() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"pilotUserId": "OfficeUser"}),
        )
        .await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    srv.put(
        &instance("trunkgroup"),
        json!({"pilotUserId": "TrunkTestUser2"}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn null_removes_a_reroute_trunk_group() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    srv.put(
        &instance("trunkgroup"),
        json!({"capacityExceededAction": "Reroute",
        "capacityExceededRerouteTrunkGroup": {"name": "TrunkTest"}}),
    )
    .await
    .expect(200);
    // Still needed while the action is Reroute.
    let refused = srv
        .put(
            &instance("trunkgroup"),
            json!({"capacityExceededRerouteTrunkGroup": null}),
        )
        .await;
    refused.expect(400);
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"capacityExceededAction": "", "capacityExceededRerouteTrunkGroup": null}),
        )
        .await;
    resp.expect(200);
    assert!(resp.json.get("capacityExceededRerouteTrunkGroup").is_none());
    assert_eq!(resp.json["capacityExceededAction"], "");
}

#[tokio::test]
async fn a_refused_update_changes_nothing() {
    let srv = TestServer::start().await;
    let before = srv.get(&instance("trunkgroup")).await.json;
    srv.put(
        &instance("trunkgroup"),
        json!({"maxActiveCalls": 1, "enableBursting": true}),
    )
    .await
    .expect(400);
    assert_eq!(srv.get(&instance("trunkgroup")).await.json, before);
}

// ---- delete ------------------------------------------------------------------------------

#[tokio::test]
async fn delete_by_default_keeps_the_device_users_and_numbers() {
    let srv = TestServer::start().await;
    let before = state(&srv).await;
    let resp = srv.delete(&instance("trunkgroup")).await;
    resp.expect(200);
    assert_eq!(resp.json, json!({}));
    srv.get(&instance("trunkgroup")).await.expect(404);
    let after = state(&srv).await;
    assert_eq!(user_ids(&after), user_ids(&before));
    assert_eq!(device_names(&after), device_names(&before));
    assert_eq!(foogroup(&after)["numbers"], foogroup(&before)["numbers"]);
    let pilot = foogroup(&after)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == "TrunkTestPilot")
        .cloned()
        .unwrap();
    assert!(pilot.get("trunkGroup").is_none(), "no longer a trunk user");
}

#[tokio::test]
async fn delete_on_cascade_removes_the_users_their_numbers_and_the_device() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::DELETE, &instance("trunkgroup"))
        .json(&json!({"on_cascade": true}))
        .send()
        .await;
    resp.expect(200);
    let s = state(&srv).await;
    insta::assert_json_snapshot!(json!({
        "users": user_ids(&s), "devices": device_names(&s), "numbers": foogroup(&s)["numbers"]
    }));
}

#[tokio::test]
async fn delete_on_cascade_can_keep_the_device_and_the_numbers() {
    let srv = TestServer::start().await;
    let before = state(&srv).await;
    let resp = srv
        .req(
            Method::DELETE,
            &format!(
                "{}?on_cascade=true&keep_device=true&keep_numbers=true",
                instance("APIO_Trunk_Group_Existing")
            ),
        )
        .send()
        .await;
    resp.expect(200);
    let resp = srv
        .req(
            Method::DELETE,
            &format!(
                "{}?on_cascade=true&keep_numbers=true",
                instance("trunkgroup")
            ),
        )
        .send()
        .await;
    resp.expect(200);
    let after = state(&srv).await;
    assert_eq!(foogroup(&after)["numbers"], foogroup(&before)["numbers"]);
    let users = user_ids(&after);
    assert!(!users.contains(&"TrunkTestPilot".into()) && !users.contains(&"TrunkTestUser2".into()));
    // Trunk_Group_Device_1 was kept; TrunkTest_device went with trunkgroup, its only user.
    let mut kept = device_names(&before);
    kept.retain(|d| d != "TrunkTest_device");
    assert_eq!(device_names(&after), kept);
}

#[tokio::test]
async fn a_trunk_group_another_one_reroutes_to_cannot_be_deleted() {
    let srv = TestServer::start().await;
    srv.put(&backup("trunkgroup"), backup_update_example())
        .await
        .expect(200);
    let resp = srv.delete(&instance("backup_trunk_group")).await;
    resp.expect(400);
    insta::assert_json_snapshot!(resp.json);
    srv.put(&backup("trunkgroup"), json!({"mode": "", "trunk": null}))
        .await
        .expect(200);
    srv.delete(&instance("backup_trunk_group"))
        .await
        .expect(200);
}

// ---- backup view -------------------------------------------------------------------------

#[tokio::test]
async fn backup_shows_the_unreachable_destination_settings() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    let resp = srv.get(&backup("trunkgroup")).await;
    resp.expect(200);
    assert_eq!(
        resp.json,
        json!({"mode": "Forward", "destination": "trunkgroup1@netaxis.be"})
    );
    let none = srv.get(&backup("TrunkTest")).await;
    assert_eq!(none.json, json!({"mode": ""}));
}

#[tokio::test]
async fn the_documents_backup_update_shows_in_the_trunk_group_and_back() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(&backup("trunkgroup"), backup_update_example())
        .await;
    resp.expect(200);
    insta::assert_json_snapshot!(resp.json);
    let tg = srv.get(&instance("trunkgroup")).await.json;
    assert_eq!(tg["unreachableDestinationAction"], "Reroute");
    assert_eq!(
        tg["unreachableDestinationRerouteTrunkGroup"],
        json!({"name": "backup_trunk_group"})
    );

    srv.put(
        &instance("trunkgroup"),
        json!({"unreachableDestinationAction": "Forward",
        "unreachableDestinationForwardAddress": "+3222000999"}),
    )
    .await
    .expect(200);
    let b = srv.get(&backup("trunkgroup")).await.json;
    assert_eq!(b["mode"], "Forward");
    assert_eq!(b["destination"], "+3222000999");
}

#[tokio::test]
async fn a_backup_mode_without_its_destination_or_trunk_is_refused() {
    let srv = TestServer::start().await;
    create_trunk_test(&srv).await;
    let no_trunk = srv
        .put(&backup("TrunkTest"), json!({"mode": "Reroute"}))
        .await;
    no_trunk.expect(400);
    let ghost = srv
        .put(
            &backup("TrunkTest"),
            json!({"mode": "Reroute", "trunk": {"name": "ghost"}}),
        )
        .await;
    ghost.expect(400);
    let no_destination = srv
        .put(&backup("TrunkTest"), json!({"mode": "Forward"}))
        .await;
    no_destination.expect(400);
    insta::assert_json_snapshot!([no_trunk.json, ghost.json, no_destination.json]);
    let bad_mode = srv.put(&backup("TrunkTest"), json!({"mode": "Drop"})).await;
    bad_mode.expect(400);
    assert!(bad_mode.json["fields"]["mode"].is_string());
}

// ---- Teams Direct Routing ----------------------------------------------------------------

#[tokio::test]
async fn a_teams_trunk_group_without_a_device_rides_on_the_configured_sbc() {
    let srv = TestServer::start().await;
    let teams = srv
        .post(
            TG,
            json!({"name": "Teams2", "maxActiveCalls": 5, "trunkingMode": "teamsDR"}),
        )
        .await;
    teams.expect(201);
    assert_eq!(
        teams.json["accessDevice"],
        json!({"name": "SBC-team", "level": "System"})
    );
    let normal = srv
        .post(TG, json!({"name": "Plain", "maxActiveCalls": 5}))
        .await;
    normal.expect(201);
    assert!(normal.json.get("accessDevice").is_none());
    let listed = srv.get(&format!("{TG}?trunkingMode=normal")).await.json;
    let plain = listed["trunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Plain")
        .cloned()
        .unwrap();
    assert_eq!(
        (plain["deviceName"].clone(), plain["deviceLevel"].clone()),
        (json!(""), json!(""))
    );
}

#[tokio::test]
async fn the_teams_sbc_device_follows_the_scenario_setting() {
    let srv = TestServer::start().await;
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"apio": {"teams_config": {"dr_sbc_device": "Missing-SBC"}}}}),
    )
    .await
    .expect(200);
    let refused = srv
        .post(
            TG,
            json!({"name": "Teams2", "maxActiveCalls": 5, "trunkingMode": "teamsDR"}),
        )
        .await;
    refused.expect(400);
    assert!(
        refused.json["details"]
            .as_str()
            .unwrap()
            .contains("Missing-SBC")
    );
    srv.post(
        "/__admin/scenarios",
        json!({"settings": {"apio": {"teams_config": {"dr_sbc_device": null}}}}),
    )
    .await
    .expect(200);
    let bare = srv
        .post(
            TG,
            json!({"name": "Teams2", "maxActiveCalls": 5, "trunkingMode": "teamsDR"}),
        )
        .await;
    bare.expect(201);
    assert!(bare.json.get("accessDevice").is_none());
}

#[tokio::test]
async fn the_documents_delete_example_with_a_content_type_and_no_body_is_accepted() {
    let srv = TestServer::start().await;
    let resp = srv
        .req(Method::DELETE, &instance("trunkgroup"))
        .body("application/json", "")
        .send()
        .await;
    resp.expect(200);
    assert_eq!(resp.json, json!({}));
}

// ---- admin state -------------------------------------------------------------------------

#[tokio::test]
async fn the_admin_state_round_trips_and_a_broken_one_is_refused_with_its_pointer() {
    let srv = TestServer::start().await;
    srv.put(&instance("trunkgroup"), json!({"maxActiveCalls": 42}))
        .await
        .expect(200);
    let dumped = srv.get("/__admin/state").await.json;
    srv.post("/__admin/reset", json!({})).await.expect(200);
    srv.put("/__admin/state", dumped.clone()).await.expect(200);
    assert_eq!(
        srv.get(&instance("trunkgroup")).await.json["maxActiveCalls"],
        json!(42)
    );

    let mut broken = dumped.clone();
    broken["apio"]["tenants"]["foo"]["groups"]["foogroup"]["trunkGroups"][0]["maxActiveCall"] =
        json!(1);
    let resp = srv.put("/__admin/state", broken).await;
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert!(
        resp.text()
            .contains("/tenants/foo/groups/foogroup/trunkGroups/0/maxActiveCall"),
        "{}",
        resp.text()
    );
    assert_eq!(srv.get("/__admin/state").await.json, dumped);
}

#[tokio::test]
async fn a_field_with_several_allowed_forms_says_what_it_must_be() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"limitIncomingCalls": "yes", "prefixEnabled": 3,
                   "callForwardingAlwaysRerouteTrunkGroup": 7}),
        )
        .await;
    resp.expect(400);
    let text = resp.text();
    assert!(
        !text.contains("anyOf") && !text.contains("schemas"),
        "{text}"
    );
    assert_eq!(
        resp.json["fields"]["limitIncomingCalls"],
        "must be true, false, 1 or 0"
    );
    assert_eq!(
        resp.json["fields"]["prefixEnabled"],
        "must be true, false, \"true\" or \"false\""
    );
    assert!(
        resp.json["fields"]["callForwardingAlwaysRerouteTrunkGroup"]
            .as_str()
            .unwrap()
            .starts_with("must be a trunk group name")
    );
}

#[tokio::test]
async fn identity_and_forward_addresses_keep_their_documented_formats() {
    let srv = TestServer::start().await;
    let resp = srv
        .put(
            &instance("trunkgroup"),
            json!({"trunkGroupIdentity": "sip:tg@example.com",
                   "callForwardingAlwaysForwardAddress": "not a number"}),
        )
        .await;
    resp.expect(400);
    assert_eq!(
        resp.json["fields"]["trunkGroupIdentity"],
        "must be a SIP URI without the sip: scheme (user@domain)"
    );
    assert_eq!(
        resp.json["fields"]["callForwardingAlwaysForwardAddress"],
        "must be a phone number (+ and digits) or a SIP URI (user@domain)"
    );
    assert!(!resp.text().contains("pattern"), "{}", resp.text());
    srv.put(
        &instance("trunkgroup"),
        json!({"trunkGroupIdentity": "tg@example.com",
               "callForwardingAlwaysForwardAddress": "sip:backup@example.com"}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn read_only_members_copied_from_a_get_are_ignored_on_create_and_update_alike() {
    let srv = TestServer::start().await;
    let read_only = json!({"hostedUsers": [], "totalActiveIncomingCalls": 3,
                           "totalActiveOutgoingCalls": 4});
    let mut create = json!({"name": "Copied", "maxActiveCalls": 2});
    for (k, v) in read_only.as_object().unwrap() {
        create[k] = v.clone();
    }
    let created = srv.post(TG, create).await;
    created.expect(201);
    assert_eq!(created.json["totalActiveIncomingCalls"], 0);
    let updated = srv.put(&instance("Copied"), read_only).await;
    updated.expect(200);
    assert_eq!(updated.json["totalActiveOutgoingCalls"], 0);
}

#[tokio::test]
async fn the_list_filters_may_come_in_a_json_body_as_the_document_shows_them() {
    let srv = TestServer::start().await;
    for mode in ["normal", "teamsDR"] {
        let by_query = srv.get(&format!("{TG}?trunkingMode={mode}")).await;
        by_query.expect(200);
        let by_body = srv
            .req(Method::GET, TG)
            .json(&json!({ "trunkingMode": mode }))
            .send()
            .await;
        by_body.expect(200);
        assert_eq!(by_body.json, by_query.json, "{mode}");
        for t in by_body.json["trunks"].as_array().unwrap() {
            assert_eq!(t["trunkingMode"], mode);
        }
    }
    // Everything, to show the filter removes something.
    let all = srv.get(TG).await;
    let teams = srv.get(&format!("{TG}?trunkingMode=teamsDR")).await;
    assert!(
        all.json["trunks"].as_array().unwrap().len()
            > teams.json["trunks"].as_array().unwrap().len()
    );
}
