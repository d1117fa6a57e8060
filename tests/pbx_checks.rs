//! The pbx rules pbx-providers.txt states in prose: blanks only where a field is optional,
//! ports, counts and intervals in range, `additional_ips` as addresses, the SIP parameter
//! objects with their documented keys and defaults, and a query grammar that refuses what it
//! does not know instead of ignoring it.

mod common;

use common::TestServer;
use common::fixtures::tcp_pbx_provider;
use reqwest::Method;
use serde_json::{Value, json};

const EXAMPLE_ID: &str = "NzAwNTUxOTA5NzczMTQ4MTYw";

fn detail(r: &common::Resp) -> &Value {
    assert_eq!(
        r.json["errors"][0]["code"],
        "VALIDATE_FAILED",
        "{}",
        r.text()
    );
    &r.json["errors"][0]["detail"]
}

#[tokio::test]
async fn null_for_a_required_field_is_refused_naming_each_and_changes_nothing() {
    let srv = TestServer::start().await;
    let id = srv.create_pbx_provider(tcp_pbx_provider("kept")).await;
    let before = srv.get(&format!("/api/providers/{id}")).await.json;
    let r = srv
        .post(
            &format!("/api/providers/{id}"),
            json!({"name": null, "port": null, "transport": null, "hostname": null}),
        )
        .await;
    r.expect(400);
    insta::assert_json_snapshot!(r.json);
    assert_eq!(srv.get(&format!("/api/providers/{id}")).await.json, before);
}

#[tokio::test]
async fn null_blanks_an_optional_field_and_resets_one_with_a_default() {
    let srv = TestServer::start().await;
    let id = srv.create_pbx_provider(tcp_pbx_provider("blanks")).await;
    let path = format!("/api/providers/{id}");
    srv.post(&path, json!({"auth_id": "u1", "keep_alive_interval": 30}))
        .await
        .expect(200);
    srv.post(&path, json!({"auth_id": null, "keep_alive_interval": null}))
        .await
        .expect(200);
    let got = srv.get(&path).await.json;
    assert_eq!(got["auth_id"], Value::Null);
    assert_eq!(got["keep_alive_interval"], 360);
}

#[tokio::test]
async fn port_zero_is_refused_for_tcp_and_tls_on_both_port_fields_but_not_udp() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("zero");
    body["port"] = json!(0);
    body["outbound_server_port"] = json!(0);
    let r = srv.post("/api/providers", body.clone()).await;
    r.expect(400);
    let d = detail(&r);
    assert!(
        d["port"]
            .as_str()
            .unwrap()
            .contains("reserved for TCP and TLS")
    );
    assert!(d["outbound_server_port"].is_string());

    body["transport"] = json!("UDP");
    let id = srv.create_pbx_provider(body).await;
    // Switching to TLS without a port leaves port 0 on a TLS trunk: refused too.
    let r = srv
        .post(&format!("/api/providers/{id}"), json!({"transport": "TLS"}))
        .await;
    r.expect(400);
    assert!(detail(&r)["port"].is_string());
}

#[tokio::test]
async fn counts_intervals_and_hostname_must_be_sensible() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("ranges");
    body["concurrency"] = json!(-5);
    body["hostname"] = json!("");
    body["register_interval"] = json!(0);
    body["keep_alive_interval"] = json!(86401);
    let r = srv.post("/api/providers", body).await;
    r.expect(400);
    insta::assert_json_snapshot!(r.json);
}

#[tokio::test]
async fn additional_ips_takes_addresses_and_cidrs_and_the_documents_placeholder() {
    let srv = TestServer::start().await;
    for good in [
        "192.0.2.0/24;192.0.2.0/32",
        "2001:db8::1;10.0.0.0/8",
        "text",
    ] {
        let mut body = tcp_pbx_provider("ips");
        body["additional_ips"] = json!(good);
        srv.create_pbx_provider(body).await;
    }
    let mut body = tcp_pbx_provider("ips");
    body["additional_ips"] = json!("not-an-ip");
    let r = srv.post("/api/providers", body).await;
    r.expect(400);
    assert!(
        detail(&r)["additional_ips"]
            .as_str()
            .unwrap()
            .contains("'not-an-ip' is neither")
    );
}

#[tokio::test]
async fn sip_parameters_take_only_documented_keys_merged_with_the_defaults() {
    let srv = TestServer::start().await;
    let mut body = tcp_pbx_provider("params");
    body["inbound_parameters"] = json!({"caller_num": "FROM_USER", "colour": "red"});
    let r = srv.post("/api/providers", body.clone()).await;
    r.expect(400);
    assert_eq!(
        detail(&r)["inbound_parameters.colour"],
        "is not a documented field"
    );

    body["inbound_parameters"] = json!({"caller_num": "FROM_USER"});
    body["outbound_parameters"] = json!({"to_user_part": {"value": "CUSTOM"}});
    let id = srv.create_pbx_provider(body).await;
    let got = srv.get(&format!("/api/providers/{id}")).await.json;
    assert_eq!(got["inbound_parameters"]["caller_num"], "FROM_USER");
    assert_eq!(
        got["inbound_parameters"]["pai_header_parameter_name"],
        "verstat"
    );
    let outbound = got["outbound_parameters"].as_object().unwrap();
    assert_eq!(outbound.len(), 26);
    assert_eq!(
        outbound["to_user_part"],
        json!({"value": "CUSTOM", "custom_value": "text"})
    );
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_naming_each() {
    let srv = TestServer::start().await;
    let r = srv
        .get("/api/providers?$filter=name%20eq%20'x'&$top=1&colour=red&top=5")
        .await;
    r.expect(400);
    insta::assert_json_snapshot!(r.json);
    let r = srv
        .get(&format!("/api/providers/{EXAMPLE_ID}?verbose=1"))
        .await;
    r.expect(400);
    assert!(detail(&r)["verbose"].is_string());
}

#[tokio::test]
async fn a_filter_literal_of_the_wrong_type_is_refused() {
    let srv = TestServer::start().await;
    let r = srv.get("/api/providers?filter=port%20eq%20'5060'").await;
    r.expect(400);
    assert_eq!(
        detail(&r)["filter"],
        "'port' must be compared with a number"
    );
    let r = srv.get("/api/providers?filter=name%20eq%2080").await;
    r.expect(400);
    srv.get("/api/providers?filter=port%20eq%2080%20and%20brand%20eq%20null")
        .await
        .expect(200);
}

#[tokio::test]
async fn post_to_export_is_405_not_an_update_of_a_provider_called_export() {
    let srv = TestServer::start().await;
    let r = srv
        .req(Method::POST, "/api/providers/export")
        .json(&json!({"name": "x"}))
        .send()
        .await;
    r.expect(405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn the_seeded_documented_provider_is_the_documents_get_example_field_for_field() {
    let srv = TestServer::start().await;
    let text =
        std::fs::read_to_string(common::repo().join("tests/data/pbx-get-provider-response.json"))
            .unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let got = srv.get(&format!("/api/providers/{EXAMPLE_ID}")).await;
    got.expect(200);
    assert_eq!(got.json, example);
}
