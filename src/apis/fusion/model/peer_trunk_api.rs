//! The `/peer_trunks` API: peer trunks read and changed one by one. They are the very records a
//! peer trunk group shows in its `peerTrunks` (see `peer_trunks.rs`); this module adds the
//! one-by-one writes and the API's own object (`pop` nested, with the POP's name).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::peer_trunks::{CallAllowance, PeerTrunk};
use super::pops::{self, Pop};
use super::sync::{SyncStatus, Synced};
use super::trunk_group_rules::WriteContext;
use super::trunk_groups::TrunkGroup;
use super::{FusionState, ParentKey, Parents, take};
use crate::apis::fusion::errors::FusionError;

/// The `pop` of a peer trunk write: `id` (also `popId`) picks the POP.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerPopWrite {
    pub id: Option<i64>,
    pub pop_id: Option<i64>,
    pub inbound_calls: Option<CallAllowance>,
    pub outbound_calls: Option<CallAllowance>,
}

/// The body of a peer trunk create or modify.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerTrunkBody {
    pub billing_id: Option<String>,
    /// A string in the peer trunk tables, an object in the trunk group examples: kept as given.
    pub extra: Option<Value>,
    pub name: Option<String>,
    pub pop: Option<PeerPopWrite>,
    pub region: Option<String>,
}

impl PeerTrunkBody {
    pub fn from_json(body: &Value) -> Result<Self, FusionError> {
        serde_json::from_value(body.clone())
            .map_err(|e| FusionError::Invalid(format!("peer trunk: {e}")))
    }

    fn pop_id(&self) -> Option<i64> {
        self.pop.as_ref().and_then(|p| p.id.or(p.pop_id))
    }
}

/// Peer trunks belong to peer trunk groups (every type but sip).
fn check_peer_type(tg: &TrunkGroup) -> Result<(), FusionError> {
    if !tg.kind.is_peer() {
        return Err(FusionError::PeerTrunksNotAllowed);
    }
    Ok(())
}

fn check_region(tg: &TrunkGroup, region: &Option<String>) -> Result<(), FusionError> {
    if region.is_some() && !tg.kind.has_region() {
        return Err(FusionError::RegionNotAllowed(tg.kind.as_str().to_string()));
    }
    Ok(())
}

/// Applies a body's fields to a peer trunk (the POP was checked by the caller).
fn apply(p: &mut PeerTrunk, body: &PeerTrunkBody) {
    if let Some(v) = &body.billing_id {
        p.billing_id = v.clone();
    }
    if let Some(v) = &body.extra {
        p.extra = v.clone();
    }
    if let Some(v) = &body.name {
        p.name = v.clone();
    }
    if let Some(v) = &body.region {
        p.region = Some(v.clone());
    }
    if let Some(pop) = &body.pop {
        if let Some(id) = pop.id.or(pop.pop_id) {
            p.pop_id = id;
        }
        if let Some(v) = pop.inbound_calls {
            p.inbound_calls = v;
        }
        if let Some(v) = pop.outbound_calls {
            p.outbound_calls = v;
        }
    }
}

/// Adds a peer trunk to a peer trunk group already found; shared by the API and the bulk job.
pub fn add_to(
    tg: &mut TrunkGroup,
    pops: &[Pop],
    next_id: &mut i64,
    body: &PeerTrunkBody,
    cx: &mut WriteContext<'_>,
) -> Result<i64, FusionError> {
    check_peer_type(tg)?;
    check_region(tg, &body.region)?;
    let Some(pop_id) = body.pop_id() else {
        return Err(FusionError::PeerTrunkPopMissing);
    };
    if pops::find(pops, pop_id).is_none() {
        return Err(FusionError::UnknownPop(pop_id));
    }
    let most = cx.settings.max_peer_trunks_per_trunk_group;
    if tg.peer_trunks.len() >= most {
        return Err(FusionError::PeerTrunkLimitReached(most));
    }
    let mut p = PeerTrunk {
        id: take(next_id),
        uuid: cx.ids.uuid(),
        name: tg.name.clone(),
        pop_id,
        inbound_calls: CallAllowance::default(),
        outbound_calls: CallAllowance::default(),
        billing_id: String::new(),
        extra: Value::Object(Map::new()),
        domain: String::new(),
        region: tg.region.clone(),
        status: SyncStatus::Pending,
        pending_until_ms: None,
    };
    apply(&mut p, body);
    p.mark_changed(cx.now_ms, cx.settings);
    let id = p.id;
    tg.peer_trunks.push(p);
    // The trunk group's status follows its trunks: it is pending while they are.
    tg.mark_changed(cx.now_ms, cx.settings);
    Ok(id)
}

/// Changes peer trunk `id` of a peer trunk group already found; shared by the API and the bulk job.
pub fn modify_in(
    tg: &mut TrunkGroup,
    pops: &[Pop],
    id: i64,
    body: &PeerTrunkBody,
    cx: &mut WriteContext<'_>,
) -> Result<(), FusionError> {
    check_region(tg, &body.region)?;
    if let Some(pop_id) = body.pop_id()
        && pops::find(pops, pop_id).is_none()
    {
        return Err(FusionError::UnknownPop(pop_id));
    }
    let p = tg.child_mut::<PeerTrunk>(id)?;
    apply(p, body);
    p.mark_changed(cx.now_ms, cx.settings);
    tg.mark_changed(cx.now_ms, cx.settings);
    Ok(())
}

impl FusionState {
    /// `POST .../peer_trunks`: returns the new peer trunk's id.
    pub fn create_peer_trunk(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        body: &PeerTrunkBody,
        mut cx: WriteContext<'_>,
    ) -> Result<i64, FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let FusionState {
            pops,
            tenants,
            next_ids,
            ..
        } = self;
        let tg = tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        let id = add_to(tg, pops, &mut next_ids.peer_trunk, body, &mut cx)?;
        self.schedule_trunk_group(t, key.subscription, tg_id);
        Ok(id)
    }

    /// `PUT .../peer_trunks/{id}`.
    pub fn modify_peer_trunk(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        id: i64,
        body: &PeerTrunkBody,
        mut cx: WriteContext<'_>,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let FusionState { pops, tenants, .. } = self;
        let tg = tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        modify_in(tg, pops, id, body, &mut cx)?;
        self.schedule_trunk_group(t, key.subscription, tg_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apis::fusion::model::pops::default_pops;
    use crate::apis::fusion::model::trunk_groups::TrunkType;
    use crate::apis::fusion::settings::FusionSettings;
    use crate::engine::ids::IdGen;

    fn group(kind: TrunkType) -> TrunkGroup {
        let mut tg = TrunkGroup::new(5, "u".into(), "Teams TG".into());
        tg.kind = kind;
        tg
    }

    fn add(tg: &mut TrunkGroup, body: Value) -> Result<i64, FusionError> {
        let (mut ids, settings, mut next) = (IdGen::new(1), FusionSettings::default(), 40);
        let mut cx = WriteContext {
            now_ms: 0,
            ids: &mut ids,
            settings: &settings,
        };
        add_to(
            tg,
            &default_pops(),
            &mut next,
            &PeerTrunkBody::from_json(&body)?,
            &mut cx,
        )
    }

    #[test]
    fn a_new_peer_trunk_takes_the_trunk_group_name_and_shows_its_pop_name() {
        let mut tg = group(TrunkType::Msteams);
        let id = add(&mut tg, json!({"pop": {"id": 2, "inboundCalls": false}})).unwrap();
        assert_eq!(id, 40);
        let shown =
            crate::apis::fusion::views::peer_trunk(&tg.peer_trunks[0], &tg, &default_pops());
        assert_eq!(shown["name"], "Teams TG");
        assert_eq!(
            shown["pop"],
            json!({"id": 2, "inboundCalls": false, "name": "Northampton", "outboundCalls": true})
        );
        assert_eq!(shown["type"], "msteams");
        assert_eq!(shown["status"], "pending");
    }

    #[test]
    fn pops_regions_and_types_are_checked() {
        assert_eq!(
            add(&mut group(TrunkType::Sip), json!({"pop": {"id": 1}})),
            Err(FusionError::PeerTrunksNotAllowed)
        );
        assert_eq!(
            add(&mut group(TrunkType::Zoom), json!({"pop": {}})),
            Err(FusionError::PeerTrunkPopMissing)
        );
        assert_eq!(
            add(&mut group(TrunkType::Zoom), json!({"pop": {"popId": 3}})),
            Err(FusionError::UnknownPop(3))
        );
        assert!(matches!(
            add(
                &mut group(TrunkType::Zoom),
                json!({"pop": {"id": 1}, "region": "eu"})
            ),
            Err(FusionError::RegionNotAllowed(_))
        ));
        assert!(
            add(
                &mut group(TrunkType::Webexc),
                json!({"pop": {"id": 1}, "region": "eu"})
            )
            .is_ok()
        );
    }
}
