//! The replay property: a client written from a vendor document alone sends every example
//! request of that document, in the order the document prints them, to a fresh server (default
//! scenario, seed 42) and gets the documented status and a body shaped as the documented example.
//!
//! Request bodies come from `tests/data/examples/<document>.json` (the documents' JSON typos
//! fixed there). Where the document prints no concrete id, or an id the example before it just
//! created, the replay uses the id the earlier answer gave, as a real client would; every such
//! choice is written down in docs/fusion.md and docs/apio.md ("Replaying the document").
//!
//! Over 400 lines: it holds the three documents' example sequences side by side, each step
//! with the shape its documented answer has, so one file reads as the documents do.

mod common;

use std::collections::HashMap;

use common::fixtures::document_example_body;
use common::{Resp, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

const TENANT: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111";
const SUB: &str =
    "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1";
const APIO_TG: &str = "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups";
const APIO_ITC: &str =
    "/api/v1/tenant/footenant/group/foogroup/services/immediate_trunking_connectivity";

/// One example request of a document and what the document says it answers.
struct Step {
    method: Method,
    /// May hold `{name}`: a value an earlier step saved.
    path: String,
    body: Option<Value>,
    status: u16,
    /// The documented example answer, reduced to the members it always shows: the answer must
    /// hold each of them with the same JSON type (`null` here: any type), arrays element-wise.
    shape: Option<Value>,
    /// Members whose value must be exactly this (`/code` of a bulk start, ...).
    equals: Vec<(&'static str, Value)>,
    /// Saves the answer's value at this pointer under this name for later paths.
    save: Option<(&'static str, &'static str)>,
}

fn step(method: Method, path: impl Into<String>, status: u16) -> Step {
    Step {
        method,
        path: path.into(),
        body: None,
        status,
        shape: None,
        equals: Vec::new(),
        save: None,
    }
}

impl Step {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn shape(mut self, shape: Value) -> Self {
        self.shape = Some(shape);
        self
    }
    fn equals(mut self, pointer: &'static str, value: Value) -> Self {
        self.equals.push((pointer, value));
        self
    }
    fn save(mut self, pointer: &'static str, name: &'static str) -> Self {
        self.save = Some((pointer, name));
        self
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `got` against the documented `shape`; returns where it differs.
fn shaped(got: &Value, shape: &Value, at: &str) -> Result<(), String> {
    match shape {
        Value::Null => Ok(()),
        Value::Object(members) => {
            let Some(obj) = got.as_object() else {
                return Err(format!(
                    "{at}: {} where the document shows an object",
                    kind(got)
                ));
            };
            for (k, s) in members {
                let v = obj
                    .get(k)
                    .ok_or_else(|| format!("{at}/{k}: missing (the document shows it)"))?;
                shaped(v, s, &format!("{at}/{k}"))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            let Some(arr) = got.as_array() else {
                return Err(format!(
                    "{at}: {} where the document shows an array",
                    kind(got)
                ));
            };
            if let Some(first) = items.first() {
                if arr.is_empty() {
                    return Err(format!("{at}: empty where the document shows entries"));
                }
                for (i, v) in arr.iter().enumerate() {
                    shaped(v, first, &format!("{at}/{i}"))?;
                }
            }
            Ok(())
        }
        _ if kind(got) == kind(shape) => Ok(()),
        _ => Err(format!(
            "{at}: {} where the document shows a {}",
            kind(got),
            kind(shape)
        )),
    }
}

/// Sends every step in order to one fresh server; returns it for the checks that follow.
async fn replay(steps: Vec<Step>) -> TestServer {
    let srv = TestServer::start().await;
    let mut saved: HashMap<&str, String> = HashMap::new();
    for (i, s) in steps.into_iter().enumerate() {
        let mut path = s.path.clone();
        for (name, value) in &saved {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        let mut req = srv.req(s.method.clone(), &path);
        if let Some(body) = &s.body {
            req = req.json(body);
        }
        let resp: Resp = req.send().await;
        let context = format!("step {i}: {} {path}: answered {}", s.method, resp.status);
        assert_eq!(resp.status, s.status, "{context}: {}", resp.text());
        if let Some(Err(e)) = s.shape.as_ref().map(|shape| shaped(&resp.json, shape, "")) {
            panic!("{context}: {e}\nbody: {}", resp.text());
        }
        for (pointer, want) in &s.equals {
            assert_eq!(resp.json.pointer(pointer), Some(want), "{context}");
        }
        if let Some((pointer, name)) = s.save {
            let v = resp
                .json
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{context}: nothing at {pointer}"));
            let text = v
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| v.to_string());
            saved.insert(name, text);
        }
    }
    srv
}

// ---- fusion ---------------------------------------------------------------------------------

fn pop() -> Value {
    json!({"id": 1, "inboundCalls": true, "name": "", "outboundCalls": true})
}

fn trunk_group_detail() -> Value {
    json!({
        "name": "", "uuid": "", "billingId": "", "external": false,
        "calledFormat": "", "callingFormat": "", "pilot": null,
        "blockUnscreenedCalls": false, "overwiteUnscreenedCallsWithPilot": false,
        "cfaActive": false, "cfaDestination": "", "cfnrActive": false, "cfnrDestination": "",
        "cfnrTimer": 0, "disasterRecoveryStatus": false, "extra": {}
    })
}

fn peer_trunk_group_detail() -> Value {
    let mut v = trunk_group_detail();
    v["type"] = json!("msteams");
    v["status"] = json!("ok");
    v["peerTrunks"] = json!([{
        "billingId": "", "extra": {}, "id": 1, "inboundCalls": false, "outboundCalls": true,
        "popId": 1, "popName": "", "uuid": ""
    }]);
    v
}

fn access_trunk() -> Value {
    let mut pop = pop();
    pop["transport"] = json!("UDP");
    json!({
        "authRequired": false, "id": 1, "name": "", "billingId": "", "pop": pop,
        "priority": 1, "weight": 1
    })
}

fn peer_trunk() -> Value {
    json!({"billingId": "", "domain": "", "id": 1, "name": "", "pop": pop(), "uuid": ""})
}

fn bulk_history() -> Value {
    json!({
        "bulks": [{
            "created_on": "", "id": 1, "job_id": "", "kind": "", "status": "",
            "success_count": 0, "title": "", "total_count": 0, "updated_on": ""
        }],
        "page": 1, "pages": 1, "results": 1
    })
}

fn fusion_steps() -> Vec<Step> {
    let ex = |i| document_example_body("fusion-draas-trunking", i);
    let tg = |rest: &str| format!("{SUB}/trunkgroups{rest}");
    let started = json!({"code": 0, "reason": ""});
    vec![
        // Trunk groups: list, the detail example ("Test TG 4"), the two create examples.
        step(Method::GET, tg(""), 200).shape(json!({"trunkgroups": [{
            "id": 1, "uuid": "", "name": "", "external": false,
            "disasterRecoveryStatus": false, "billingId": "", "type": ""
        }]})),
        step(Method::GET, tg("/4"), 200).shape(trunk_group_detail()),
        step(Method::POST, tg(""), 200)
            .body(ex(0))
            .shape(trunk_group_detail())
            .save("/id", "created"),
        step(Method::POST, tg(""), 200)
            .body(ex(1))
            .shape(peer_trunk_group_detail()),
        // The update examples: the sip one on 6, the peer one on 4 (which holds peer trunk 22).
        step(Method::PUT, tg("/6"), 200)
            .body(ex(2))
            .shape(trunk_group_detail())
            .equals("/name", json!("My New trunk group 2")),
        step(Method::PUT, tg("/4"), 200)
            .body(ex(3))
            .shape(peer_trunk_group_detail())
            .equals("/name", json!("Test Peer Trunk 2")),
        step(Method::PUT, tg("/6"), 200)
            .body(ex(4))
            .shape(json!({"name": "", "outgoingCalls": true, "incomingCalls": true}))
            .equals("/outgoingCalls", json!(true)),
        // The document prints no id for the delete: the trunk group the first example created.
        step(Method::DELETE, tg("/{created}"), 204),
        // Numbers of 6: list, add (new connection ids 138..141), remove 125, 138, 139.
        step(Method::GET, tg("/6/numbers"), 200).shape(json!({"numbers": [
            {"id": 1, "connectionId": 1, "fullNumber": ""}
        ]})),
        step(Method::POST, tg("/6/numbers"), 200).body(ex(5)),
        step(Method::DELETE, tg("/6/numbers"), 204).body(ex(6)),
        // Disaster recovery: the plans name the numbers of 4.
        step(Method::PUT, tg("/4/disaster_recovery"), 200)
            .body(ex(7))
            .shape(json!({"results": [
                {"disasterRecoveryNumber": null, "number": "", "status": ""}
            ]}))
            .equals("/results/0/status", json!("success"))
            .equals("/results/1/status", json!("success")),
        step(Method::PUT, tg("/4/disaster_recovery/status"), 200)
            .body(ex(8))
            .equals("/status", json!(true)),
        step(Method::PUT, tg("/4/disaster_recovery/toggle"), 200).equals("/status", json!(false)),
        // Access trunks of 6.
        step(Method::GET, tg("/6/access_trunks"), 200).shape(json!({
            "accessTrunks": [access_trunk()], "page": 1, "pages": 1, "results": 1
        })),
        step(Method::GET, tg("/6/access_trunks/1"), 200).shape({
            let mut v = access_trunk();
            v["extra"] = json!({});
            v["ipWhitelist"] = json!("");
            v["primaryPeerIp"] = json!("");
            v["primaryPeerPort"] = json!(5060);
            v
        }),
        step(Method::POST, tg("/6/access_trunks"), 200)
            .body(ex(9))
            .shape(json!({"accessTrunks": [access_trunk()]}))
            .save("/accessTrunks/0/id", "access_trunk"),
        step(Method::PUT, tg("/6/access_trunks/3"), 200)
            .body(ex(10))
            .shape(access_trunk()),
        step(Method::DELETE, tg("/6/access_trunks/{access_trunk}"), 204),
        // Peer trunks: the list example shows 104 and 105, the peer trunks of 5.
        step(Method::GET, tg("/5/peer_trunks"), 200).shape(json!({
            "page": 1, "pages": 1, "peerTrunks": [peer_trunk()], "results": 1
        })),
        step(Method::GET, tg("/5/peer_trunks/104"), 200).shape(peer_trunk()),
        step(Method::POST, tg("/5/peer_trunks"), 201)
            .body(ex(11))
            .shape(json!({"billingId": "", "id": 1, "name": "", "pop": {
                "id": 1, "inboundCalls": false, "outboundCalls": true
            }, "uuid": ""}))
            .save("/id", "peer_trunk"),
        step(Method::PUT, tg("/5/peer_trunks/{peer_trunk}"), 200)
            .body(ex(12))
            .shape(json!({"billingId": "", "id": 1, "name": "", "pop": {
                "id": 1, "inboundCalls": false, "outboundCalls": true
            }, "uuid": ""}))
            .equals("/name", json!("Peer Test Mod")),
        step(Method::DELETE, tg("/5/peer_trunks/{peer_trunk}"), 204),
        // Bulk: each PUT, then its history (the seeded jobs and the new one).
        step(Method::PUT, tg("/bulk"), 200)
            .body(ex(13))
            .shape(started.clone())
            .equals("/code", json!(3077)),
        step(Method::GET, format!("{TENANT}/trunkgroups/bulk_jobs"), 200).shape(bulk_history()),
        step(Method::PUT, format!("{SUB}/accesstrunks/bulk"), 200)
            .body(ex(14))
            .shape(started.clone())
            .equals("/code", json!(3078)),
        step(Method::GET, format!("{TENANT}/accesstrunks/bulk_jobs"), 200).shape(bulk_history()),
        step(Method::PUT, format!("{SUB}/peertrunks/bulk"), 200)
            .body(ex(15))
            .shape(started)
            .equals("/code", json!(3079)),
        step(Method::GET, format!("{TENANT}/peertrunks/bulk_jobs"), 200).shape(bulk_history()),
    ]
}

#[tokio::test]
async fn fusion_document_replays_in_order() {
    let srv = replay(fusion_steps()).await;
    // A client polls the histories until no job is ongoing: every job, the seeded `ongoing` ones
    // included, finishes on the virtual clock, and the document's examples all succeed.
    let kinds = ["trunkgroups", "accesstrunks", "peertrunks"];
    let mut finished = false;
    for _ in 0..10 {
        let mut ongoing = 0;
        for kind in kinds {
            let r = srv.get(&format!("{TENANT}/{kind}/bulk_jobs")).await;
            r.expect(200);
            let bulks = r.json["bulks"].as_array().unwrap();
            assert_eq!(bulks.len(), 3, "{kind}: two seeded jobs and the example's");
            ongoing += bulks.iter().filter(|b| b["status"] == "ongoing").count();
        }
        if ongoing == 0 {
            finished = true;
            break;
        }
        srv.post("/__admin/clock/advance", json!({"seconds": 1}))
            .await
            .expect(200);
    }
    assert!(finished, "bulk jobs still ongoing after 10 virtual seconds");
    for kind in kinds {
        let r = srv.get(&format!("{TENANT}/{kind}/bulk_jobs")).await;
        for b in r.json["bulks"].as_array().unwrap() {
            assert_eq!(b["status"], "success", "{kind}: {b}");
            assert_eq!(b["success_count"], b["total_count"], "{kind}: {b}");
        }
    }
}

// ---- apio -----------------------------------------------------------------------------------

fn apio_trunk_group_steps() -> Vec<Step> {
    let ex = |i| document_example_body("apio-group-trunk-groups", i);
    let department = json!({"tenantId": "", "groupId": "", "departmentName": ""});
    let detail = json!({
        "department": department, "accessDevice": {"name": "", "level": ""},
        "maxActiveCalls": 1, "enableBursting": false, "invitationTimeout": 1,
        "requireAuthentication": false, "hostedUsers": [], "trunkingMode": ""
    });
    vec![
        step(Method::GET, format!("{APIO_TG}/"), 200).shape(json!({"trunks": [{
            "name": "", "department": department, "deviceName": "", "deviceLevel": "",
            "groupId": "", "trunkingMode": ""
        }]})),
        step(Method::POST, format!("{APIO_TG}/"), 201)
            .body(ex(0))
            .shape(detail.clone())
            .equals("/callForwardingAlwaysForwardAddress", json!("+3222123456")),
        step(Method::GET, format!("{APIO_TG}/trunkgroup/"), 200).shape(detail.clone()),
        // The update reroutes to TrunkTest, which the create example has just made.
        step(Method::PUT, format!("{APIO_TG}/trunkgroup/"), 200)
            .body(ex(1))
            .shape(detail)
            .equals(
                "/callForwardingAlwaysRerouteTrunkGroup/name",
                json!("TrunkTest"),
            ),
        step(Method::DELETE, format!("{APIO_TG}/trunkgroup/"), 200).shape(json!({})),
        // `trunkgroup` is gone: the backup examples run on TrunkTest (docs/apio.md says why).
        step(Method::GET, format!("{APIO_TG}/TrunkTest/backup/"), 200).shape(json!({"mode": ""})),
        step(Method::PUT, format!("{APIO_TG}/TrunkTest/backup/"), 200)
            .body(ex(2))
            .shape(json!({"mode": "", "trunk": {"name": ""}}))
            .equals("/trunk/name", json!("backup_trunk_group")),
    ]
}

#[tokio::test]
async fn apio_trunk_group_document_replays_in_order() {
    replay(apio_trunk_group_steps()).await;
}

fn apio_connectivity_steps() -> Vec<Step> {
    let ex = |i| document_example_body("apio-immediate-trunking-connectivity", i);
    let holder = json!({
        "groupId": "", "userId": "", "lastName": "", "firstName": "", "phoneNumber": "",
        "extension": "", "emailAddress": "", "enterpriseTrunk": "", "active": true
    });
    let mut range = holder.clone();
    range["minPhoneNumber"] = json!("");
    range["maxPhoneNumber"] = json!("");
    range["extensionLength"] = json!("");
    let mut prefix = holder;
    prefix["prefix"] = json!("");
    prefix["extensionRangeStart"] = json!("");
    prefix["extensionRangeEnd"] = json!("");
    vec![
        step(Method::GET, format!("{APIO_ITC}/numbers/"), 200).shape(json!({"numbers": [range]})),
        step(Method::POST, format!("{APIO_ITC}/numbers/"), 201)
            .body(ex(0))
            .shape(json!({})),
        step(Method::GET, format!("{APIO_ITC}/available_numbers/"), 200).shape(json!({
            "available_numbers": [{
                "minPhoneNumber": "", "maxPhoneNumber": "", "active": true, "extensionLength": ""
            }]
        })),
        step(Method::DELETE, format!("{APIO_ITC}/numbers/"), 200)
            .body(ex(1))
            .shape(json!({})),
        step(Method::GET, format!("{APIO_ITC}/prefixes/"), 200)
            .shape(json!({"prefixes": [prefix]})),
        step(Method::POST, format!("{APIO_ITC}/prefixes/"), 201)
            .body(ex(2))
            .shape(json!({})),
        step(Method::GET, format!("{APIO_ITC}/available_prefixes/"), 200).shape(json!({
            "available_prefixes": [{
                "prefix": "", "active": true, "extensionRangeStart": "", "extensionRangeEnd": ""
            }]
        })),
        step(Method::DELETE, format!("{APIO_ITC}/prefixes/"), 200)
            .body(ex(3))
            .shape(json!({})),
    ]
}

#[tokio::test]
async fn apio_connectivity_document_replays_in_order() {
    replay(apio_connectivity_steps()).await;
}
