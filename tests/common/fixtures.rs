//! Request bodies many tests send: pbx providers in the few shapes the tests need, and the
//! vendor documents' examples (tests/data/examples/<document stem>.json), each written once.

use serde_json::{Value, json};

/// A pbx provider the contract accepts, one call at a time (`concurrency: 1`).
pub fn pbx_provider(name: &str) -> Value {
    pbx_provider_with_concurrency(name, 1)
}

/// [`pbx_provider`] with room for `concurrency` calls (tests that run creates in parallel).
pub fn pbx_provider_with_concurrency(name: &str, concurrency: u32) -> Value {
    json!({"name": name, "transport": "UDP", "hostname": "h.example", "port": 5060,
           "outbound_server": "o.example", "outbound_server_port": 5060,
           "concurrency": concurrency})
}

/// The smallest pbx provider body: one-letter hosts and port 1 (tests that only count them).
pub fn minimal_pbx_provider(name: &str) -> Value {
    json!({"name": name, "transport": "UDP", "hostname": "h", "port": 1,
           "outbound_server": "o", "outbound_server_port": 1, "concurrency": 1})
}

/// A pbx provider over TCP with realistic host names (the pbx family's own tests).
pub fn tcp_pbx_provider(name: &str) -> Value {
    json!({"name": name, "transport": "TCP", "hostname": "sip.example.net", "port": 5060,
           "outbound_server": "sbc.example.net", "outbound_server_port": 5060, "concurrency": 8})
}

/// The entries of a document's example file, as stored (see tests/contracts.rs for their
/// fields).
pub fn document_examples(stem: &str) -> Vec<Value> {
    let path = super::repo().join(format!("tests/data/examples/{stem}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The request body of example `i` of a document's example file.
pub fn document_example_body(stem: &str, i: usize) -> Value {
    document_examples(stem)[i]["body"].clone()
}

/// The apio document's trunk group create example, JSON as printed.
pub fn apio_trunk_group_create_example() -> Value {
    json!({
       "name": "TrunkTest",
       "department": {"tenantId": "ApioEntTest", "groupId": "ApioEntGrpTest",
                      "departmentName": "test_department_parent"},
       "maxActiveCalls": 15,
       "enableBursting": false,
       "accessDevice": {"name": "TrunkTest_device", "level": "Group"},
       "pilotUser": {
          "userId": "TrunkTestPilot@netaxis.be",
          "department": {"tenantId": "ApioEntTest", "groupId": "ApioEntGrpTest",
                         "departmentName": "test_department_parent"},
          "lastName": "Pilot", "firstName": "User",
          "linePort": "LP_TrunkTest_Pilot@netaxis.be", "password": "ChangeMe"
       },
       "callForwardingAlwaysAction": "Forward",
       "callForwardingAlwaysForwardAddress": "+3222123456"
    })
}

/// The fusion document's access trunk create example (second half).
pub fn fusion_access_trunk_create_example() -> Value {
    json!({
        "authRequired": false,
        "extra": {},
        "ipWhitelist": "127.0.0.1",
        "name": "RBEN Test New",
        "billingId": "",
        "pops": [
            {"id": 1, "inboundCalls": false, "outboundCalls": true, "transport": "UDP"},
            {"id": 2, "inboundCalls": true, "outboundCalls": false, "transport": "UDP", "sipOptions": false}
        ],
        "primaryPeerIp": "10.1.2.3",
        "primaryPeerPort": 5678,
        "priority": 20,
        "weight": 12
    })
}
