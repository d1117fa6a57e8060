//! Every JSON answer shape of the fusion family, in one place: the model keeps state and
//! rules, the handlers pick which view answers. Key order and the optional keys follow the
//! document's examples, which the snapshot tests pin down.

use serde_json::{Map, Value, json};

use super::model::access_trunks::AccessTrunk;
use super::model::bulk_jobs::BulkJob;
use super::model::disaster_recovery::PlanResult;
use super::model::numbers::PhoneNumber;
use super::model::peer_trunks::PeerTrunk;
use super::model::pops::{self, Pop};
use super::model::trunk_groups::TrunkGroup;

/// The Trunk Group Item Object of the list.
pub fn trunk_group_item(tg: &TrunkGroup, with_status: bool) -> Value {
    let mut v = json!({
        "disasterRecoveryStatus": tg.disaster_recovery_status,
        "external": tg.external,
        "id": tg.id,
        "name": tg.name,
    });
    if with_status {
        v["status"] = json!(tg.status.as_str());
    }
    v["uuid"] = json!(tg.uuid);
    v["billingId"] = json!(tg.billing_id);
    v["type"] = json!(tg.kind.as_str());
    if let Some(r) = &tg.region {
        v["region"] = json!(r);
    }
    v
}

/// The detail object of get, create and modify. The call-allow flags are printed under both
/// of the document's names (`incomingCalls`/`outgoingCalls` in its tables,
/// `inboundCalls`/`outboundCalls` in its examples), so a client reading either finds them.
pub fn trunk_group_detail(tg: &TrunkGroup, pops: &[Pop], with_status: bool) -> Value {
    let mut v = json!({
        "id": tg.id,
        "uuid": tg.uuid,
        "name": tg.name,
        "billingId": tg.billing_id,
        "external": tg.external,
        "calledFormat": tg.called_format,
        "callingFormat": tg.calling_format,
    });
    let o = v.as_object_mut().expect("object");
    for (key, value) in [
        ("maxCalls", tg.max_calls),
        ("maxIncomingCalls", tg.max_incoming_calls),
        ("maxOutgoingCalls", tg.max_outgoing_calls),
    ] {
        if let Some(n) = value {
            o.insert(key.into(), json!(n));
        }
    }
    let pilot = tg.pilot_number().map_or(
        Value::Null,
        |n| json!({"connectionId": n.connection_id, "fullNumber": n.full_number, "id": n.id}),
    );
    o.insert("pilot".into(), pilot);
    for (key, value) in [
        ("blockUnscreenedCalls", json!(tg.block_unscreened_calls)),
        (
            "overwiteUnscreenedCallsWithPilot",
            json!(tg.overwite_unscreened_calls_with_pilot),
        ),
        ("cfaActive", json!(tg.cfa_active)),
        ("cfaDestination", json!(tg.cfa_destination)),
        ("cfnrActive", json!(tg.cfnr_active)),
        ("cfnrDestination", json!(tg.cfnr_destination)),
        ("cfnrTimer", json!(tg.cfnr_timer)),
    ] {
        o.insert(key.into(), value);
    }
    if let Some(b) = tg.cfnc_active {
        o.insert("cfncActive".into(), json!(b));
    }
    for (key, value) in [
        ("incomingCalls", tg.incoming_calls),
        ("outgoingCalls", tg.outgoing_calls),
        ("inboundCalls", tg.incoming_calls),
        ("outboundCalls", tg.outgoing_calls),
    ] {
        o.insert(key.into(), json!(value));
    }
    o.insert("extra".into(), tg.extra.clone());
    o.insert(
        "disasterRecoveryStatus".into(),
        json!(tg.disaster_recovery_status),
    );
    o.insert("type".into(), json!(tg.kind.as_str()));
    if let Some(r) = &tg.region {
        o.insert("region".into(), json!(r));
    }
    if tg.kind.is_peer() {
        let peers: Vec<Value> = tg
            .peer_trunks
            .iter()
            .map(|p| trunk_group_peer_entry(p, tg, pops))
            .collect();
        o.insert("peerTrunks".into(), Value::Array(peers));
    }
    if with_status {
        o.insert("status".into(), json!(tg.status.as_str()));
    }
    v
}

/// The entry of a trunk group's `peerTrunks` (flat `popId`/`popName`), with every member the
/// Peer Trunk Group Object table marks as always present (`domain`, `status`, `type`; `region`
/// when the trunk group or peer trunk has one), whether or not `withStatus` was asked.
pub fn trunk_group_peer_entry(p: &PeerTrunk, tg: &TrunkGroup, pops: &[Pop]) -> Value {
    let mut v = json!({
        "billingId": p.billing_id,
        "domain": p.domain,
        "extra": p.extra,
        "id": p.id,
        "inboundCalls": p.inbound_calls.to_json(),
        "outboundCalls": p.outbound_calls.to_json(),
        "popId": p.pop_id,
        "popName": p.pop_name(pops),
        "status": p.status.as_str(),
        "type": tg.kind.as_str(),
        "uuid": p.uuid,
    });
    if let Some(r) = p.region.as_ref().or(tg.region.as_ref()) {
        v["region"] = json!(r);
    }
    v
}

/// The access trunk as the API shows it: never the password, `status` only on request.
pub fn access_trunk(at: &AccessTrunk, pops: &[Pop], with_status: bool) -> Value {
    let pop_name = pops::find(pops, at.pop.id).map_or("", |p| p.name.as_str());
    let mut pop = json!({
        "id": at.pop.id,
        "inboundCalls": at.pop.inbound_calls,
        "name": pop_name,
        "outboundCalls": at.pop.outbound_calls,
        "transport": at.pop.transport,
        "sipOptions": at.sip_options,
    });
    if let Some(r) = &at.pop.realm {
        pop["realm"] = json!(r);
    }
    let mut out = Map::new();
    out.insert("authRequired".into(), json!(at.auth_required));
    if let Some(u) = &at.auth_username {
        out.insert("authUsername".into(), json!(u));
    }
    out.insert("extra".into(), at.extra.clone());
    out.insert("id".into(), json!(at.id));
    if let Some(w) = &at.ip_whitelist {
        out.insert("ipWhitelist".into(), json!(w));
    }
    out.insert("name".into(), json!(at.name));
    out.insert("billingId".into(), json!(at.billing_id));
    out.insert("pop".into(), pop);
    if let Some(ip) = &at.primary_peer_ip {
        out.insert("primaryPeerIp".into(), json!(ip));
    }
    if let Some(port) = at.primary_peer_port {
        out.insert("primaryPeerPort".into(), json!(port));
    }
    out.insert("priority".into(), json!(at.priority));
    out.insert("sipOptions".into(), json!(at.sip_options));
    if let Some(l) = &at.trunk_locale {
        out.insert("trunkLocale".into(), json!(l));
    }
    out.insert("uuid".into(), json!(at.uuid));
    out.insert("weight".into(), json!(at.weight));
    if with_status {
        out.insert("status".into(), json!(at.status.as_str()));
    }
    Value::Object(out)
}

/// The Peer Trunk object of the `/peer_trunks` API.
pub fn peer_trunk(p: &PeerTrunk, tg: &TrunkGroup, pops: &[Pop]) -> Value {
    let mut out = Map::new();
    out.insert("billingId".into(), json!(p.billing_id));
    out.insert("domain".into(), json!(p.domain));
    out.insert("extra".into(), p.extra.clone());
    out.insert("id".into(), json!(p.id));
    out.insert("name".into(), json!(p.name));
    out.insert("pop".into(), peer_trunk_pop(p, pops));
    out.insert("status".into(), json!(p.status.as_str()));
    out.insert("type".into(), json!(tg.kind.as_str()));
    if let Some(r) = p.region.as_ref().or(tg.region.as_ref()) {
        out.insert("region".into(), json!(r));
    }
    out.insert("uuid".into(), json!(p.uuid));
    Value::Object(out)
}

/// The `pop` object of the `/peer_trunks` API: `{id, name, inboundCalls, outboundCalls}`.
fn peer_trunk_pop(p: &PeerTrunk, pops: &[Pop]) -> Value {
    json!({
        "id": p.pop_id,
        "inboundCalls": p.inbound_calls.to_json(),
        "name": p.pop_name(pops),
        "outboundCalls": p.outbound_calls.to_json(),
    })
}

/// The history entry as the document prints it.
pub fn bulk_job(job: &BulkJob) -> Value {
    json!({
        "created_on": job.created_on,
        "id": job.id,
        "job_id": job.job_id,
        "kind": job.kind.as_str(),
        "status": job.status.as_str(),
        "success_count": job.success_count,
        "title": job.title,
        "total_count": job.total_count,
        "updated_on": job.updated_on,
    })
}

/// The Phone Number Object: `{id, connectionId, fullNumber}`.
pub fn number(n: &PhoneNumber) -> Value {
    json!({
        "id": n.id,
        "connectionId": n.connection_id,
        "fullNumber": n.full_number,
    })
}

/// The Disaster Recovery Plan Result Object.
pub fn plan_result(r: &PlanResult) -> Value {
    let mut v = json!({
        "disasterRecoveryNumber": r.disaster_recovery_number,
        "number": r.number,
    });
    match &r.error {
        None => v["status"] = json!("success"),
        Some(m) => {
            v["message"] = json!(m);
            v["status"] = json!("error");
        }
    }
    v
}
