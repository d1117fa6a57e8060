//! The business rules of creating, modifying, suspending and deleting trunk groups. Every
//! write is all-or-nothing: it is checked in full on a copy before the state changes.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::peer_trunks::{PeerTrunk, PeerTrunkWrite};
use super::sync::Synced;
use super::trunk_groups::{TrunkGroup, TrunkGroupWrite, TrunkType};
use super::{FusionState, ParentKey, Parents, Subscription, pops, take};
use crate::apis::fusion::errors::FusionError;
use crate::apis::fusion::settings::FusionSettings;
use crate::engine::ids::IdGen;

/// What a write needs besides its body: the session's clock, ids and settings.
pub struct WriteContext<'a> {
    pub now_ms: i64,
    pub ids: &'a mut IdGen,
    pub settings: &'a FusionSettings,
}

impl<'a> WriteContext<'a> {
    /// The clock, id generator and settings of a call, lent to a model write.
    pub fn of(call: &'a mut crate::apis::fusion::Call<'_>) -> Self {
        Self {
            now_ms: call.now_ms,
            ids: &mut *call.ids,
            settings: call.settings,
        }
    }
}

/// One value from two documented names of the same field; refused when they disagree.
fn either<T: PartialEq + Copy>(
    a: Option<T>,
    b: Option<T>,
    names: (&'static str, &'static str),
) -> Result<Option<T>, FusionError> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(FusionError::ConflictingFields(names.0, names.1)),
        (Some(x), _) | (None, Some(x)) => Ok(Some(x)),
        (None, None) => Ok(None),
    }
}

/// `peerTrunks`, or its variant name `pops` from the modify table.
fn peer_trunk_entries(w: &mut TrunkGroupWrite) -> Result<Option<Vec<PeerTrunkWrite>>, FusionError> {
    match (w.peer_trunks.take(), w.pops.take()) {
        (Some(_), Some(_)) => Err(FusionError::ConflictingFields("peerTrunks", "pops")),
        (a, b) => Ok(a.or(b)),
    }
}

fn check_name(name: &str, sub: &Subscription, except: Option<i64>) -> Result<(), FusionError> {
    if name.trim().is_empty() {
        return Err(FusionError::Invalid("name must not be blank".into()));
    }
    let taken = sub.named(name).is_some_and(|id| Some(id) != except);
    if taken {
        return Err(FusionError::TrunkGroupNameTaken(name.to_string()));
    }
    Ok(())
}

fn check_region(kind: TrunkType, region: &Option<String>) -> Result<(), FusionError> {
    if region.is_some() && !kind.has_region() {
        return Err(FusionError::RegionNotAllowed(kind.as_str().to_string()));
    }
    Ok(())
}

/// Applies the settings every write may carry (everything but name, type, region, pilot and
/// peer trunks, which have rules of their own).
fn apply_settings(tg: &mut TrunkGroup, w: &TrunkGroupWrite) -> Result<(), FusionError> {
    if let Some(v) = &w.billing_id {
        tg.billing_id = v.clone();
    }
    if let Some(v) = w.called_format {
        tg.called_format = v;
    }
    if let Some(v) = w.calling_format {
        tg.calling_format = v;
    }
    if let Some(v) = w.max_calls {
        tg.max_calls = v;
    }
    if let Some(v) = w.max_incoming_calls {
        tg.max_incoming_calls = v;
    }
    if let Some(v) = w.max_outgoing_calls {
        tg.max_outgoing_calls = v;
    }
    if let Some(v) = w.block_unscreened_calls {
        tg.block_unscreened_calls = v;
    }
    if let Some(v) = w.overwite_unscreened_calls_with_pilot {
        tg.overwite_unscreened_calls_with_pilot = v;
    }
    if let Some(v) = w.cfa_active {
        tg.cfa_active = v;
    }
    if let Some(v) = &w.cfa_destination {
        tg.cfa_destination = v.clone();
    }
    if let Some(v) = w.cfnr_active {
        tg.cfnr_active = v;
    }
    if let Some(v) = &w.cfnr_destination {
        tg.cfnr_destination = v.clone();
    }
    if let Some(v) = w.cfnr_timer {
        tg.cfnr_timer = v;
    }
    if w.cfnc_active.is_some() {
        tg.cfnc_active = w.cfnc_active;
    }
    if let Some(v) = &w.extra {
        tg.extra = v.clone();
    }
    apply_call_flags(tg, w)
}

/// `incomingCalls`/`outgoingCalls`, also accepted as `inboundCalls`/`outboundCalls`.
fn apply_call_flags(tg: &mut TrunkGroup, w: &TrunkGroupWrite) -> Result<(), FusionError> {
    if let Some(v) = either(
        w.incoming_calls,
        w.inbound_calls,
        ("incomingCalls", "inboundCalls"),
    )? {
        tg.incoming_calls = v;
    }
    if let Some(v) = either(
        w.outgoing_calls,
        w.outbound_calls,
        ("outgoingCalls", "outboundCalls"),
    )? {
        tg.outgoing_calls = v;
    }
    Ok(())
}

impl FusionState {
    /// Creates a trunk group (and, for a peer type, its peer trunks); returns its id.
    pub fn create_trunk_group(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        mut w: TrunkGroupWrite,
        cx: WriteContext<'_>,
    ) -> Result<i64, FusionError> {
        let name = w.name.clone().unwrap_or_default();
        let kind = w.kind.unwrap_or_default();
        let region = w.region.clone().flatten();
        check_region(kind, &region)?;
        let entries = peer_trunk_entries(&mut w)?.unwrap_or_default();
        if !kind.is_peer() && !entries.is_empty() {
            return Err(FusionError::PeerTrunksNotAllowed);
        }
        for (i, e) in entries.iter().enumerate() {
            if e.id.is_some() {
                return Err(FusionError::Invalid(format!(
                    "peerTrunks/{i}/id: a new trunk group has no peer trunk to change; give popId"
                )));
            }
        }
        let mut tg = TrunkGroup::new(0, String::new(), name.clone());
        tg.kind = kind;
        tg.region = region;
        tg.external = w.external.unwrap_or(false);
        apply_settings(&mut tg, &w)?;

        let (t, s) = self.locate_mut(key, parents, cx.settings)?;
        let FusionState {
            pops,
            tenants,
            next_ids,
            ..
        } = self;
        let sub = &mut tenants[t].subscriptions[s];
        check_name(&name, sub, None)?;
        let most = cx.settings.max_trunk_groups_per_subscription;
        if sub.trunk_groups.len() >= most {
            return Err(FusionError::TrunkGroupLimitReached(most));
        }
        for e in &entries {
            let pop_id = e.pop_id.unwrap_or_default();
            if pops::find(pops, pop_id).is_none() {
                return Err(FusionError::UnknownPop(pop_id));
            }
        }
        tg.id = take(&mut next_ids.trunk_group);
        tg.uuid = cx.ids.uuid();
        for e in entries {
            let id = take(&mut next_ids.peer_trunk);
            let mut p = new_peer_trunk(id, cx.ids.uuid(), &tg, e);
            p.mark_changed(cx.now_ms, cx.settings);
            tg.peer_trunks.push(p);
        }
        tg.mark_changed(cx.now_ms, cx.settings);
        let id = tg.id;
        // A fresh id of the sequence, above every id loaded: never refused.
        sub.add(tg)?;
        self.schedule_trunk_group(t, key.subscription, id);
        Ok(id)
    }

    /// Modifies a trunk group (a body with `name`) or suspends/resumes its calls (a body with
    /// only the call flags). Returns nothing: the caller reads the trunk group back.
    pub fn update_trunk_group(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        id: i64,
        suspend: bool,
        mut w: TrunkGroupWrite,
        mut cx: WriteContext<'_>,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, id)?;
        let FusionState {
            pops,
            tenants,
            next_ids,
            ..
        } = self;
        let sub = &mut tenants[t].subscriptions[s];
        let mut tg = sub.trunk_group(id)?.clone();
        if suspend {
            apply_call_flags(&mut tg, &w)?;
        } else {
            let name = w.name.clone().unwrap_or_default();
            check_name(&name, sub, Some(id))?;
            tg.name = name;
            if let Some(kind) = w.kind {
                if kind.is_peer() != tg.kind.is_peer() {
                    return Err(FusionError::TypeChangeNotAllowed {
                        from: tg.kind.as_str().into(),
                        to: kind.as_str().into(),
                    });
                }
                tg.kind = kind;
            }
            match &w.region {
                Some(r) => tg.region = r.clone(),
                // A new type without regions drops the old region.
                None if !tg.kind.has_region() => tg.region = None,
                None => {}
            }
            check_region(tg.kind, &tg.region)?;
            // Peer trunks carry their trunk group's region.
            for p in &mut tg.peer_trunks {
                p.region = tg.region.clone();
            }
            if let Some(pilot) = w.pilot {
                if let Some(cid) = pilot
                    && !tg.numbers.iter().any(|n| n.connection_id == cid)
                {
                    return Err(FusionError::PilotNotOnTrunkGroup(cid));
                }
                tg.pilot = pilot;
            }
            apply_settings(&mut tg, &w)?;
            if let Some(entries) = peer_trunk_entries(&mut w)? {
                if !tg.kind.is_peer() && !entries.is_empty() {
                    return Err(FusionError::PeerTrunksNotAllowed);
                }
                tg.peer_trunks =
                    replace_peer_trunks(&tg, entries, pops, &mut next_ids.peer_trunk, &mut cx)?;
            }
        }
        tg.mark_changed(cx.now_ms, cx.settings);
        sub.put(tg)?;
        self.schedule_trunk_group(t, key.subscription, id);
        Ok(())
    }

    /// Deletes a trunk group: refused for an external one and while numbers are attached.
    pub fn delete_trunk_group(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        id: i64,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, id)?;
        let sub = &mut self.tenants[t].subscriptions[s];
        let tg = sub.trunk_group(id)?;
        if tg.external {
            return Err(FusionError::ExternalTrunkGroupNotDeletable(id));
        }
        if !tg.numbers.is_empty() {
            return Err(FusionError::TrunkGroupHasNumbers {
                id,
                count: tg.numbers.len(),
            });
        }
        sub.remove(id);
        self.schedule_trunk_group(t, key.subscription, id);
        Ok(())
    }
}

fn new_peer_trunk(id: i64, uuid: String, tg: &TrunkGroup, e: PeerTrunkWrite) -> PeerTrunk {
    PeerTrunk {
        id,
        uuid,
        name: tg.name.clone(),
        pop_id: e.pop_id.unwrap_or_default(),
        inbound_calls: e.inbound_calls.unwrap_or_default(),
        outbound_calls: e.outbound_calls.unwrap_or_default(),
        billing_id: e.billing_id.unwrap_or_default(),
        extra: e.extra.unwrap_or_else(|| Value::Object(Map::new())),
        domain: String::new(),
        region: tg.region.clone(),
        status: Default::default(),
        pending_until_ms: None,
    }
}

/// A modify's `peerTrunks` is the trunk group's complete list: entries with `id` change that
/// peer trunk, entries with only `popId` add one, and peer trunks left out are removed (the
/// document's modify example answers with exactly the listed ones).
fn replace_peer_trunks(
    tg: &TrunkGroup,
    entries: Vec<PeerTrunkWrite>,
    pops: &[pops::Pop],
    next_id: &mut i64,
    cx: &mut WriteContext<'_>,
) -> Result<Vec<PeerTrunk>, FusionError> {
    let most = cx.settings.max_peer_trunks_per_trunk_group;
    if entries.len() > most {
        return Err(FusionError::Invalid(format!(
            "peerTrunks: at most {most} entries"
        )));
    }
    let mut seen = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(id) = e.id {
            if !tg.peer_trunks.iter().any(|p| p.id == id) {
                return Err(FusionError::PeerTrunkNotOnTrunkGroup(id));
            }
            if !seen.insert(id) {
                return Err(FusionError::Invalid(format!(
                    "peerTrunks/{i}/id: peer trunk {id} is listed twice"
                )));
            }
        }
        if let Some(pop) = e.pop_id
            && pops::find(pops, pop).is_none()
        {
            return Err(FusionError::UnknownPop(pop));
        }
    }
    // New peer trunks first, as the document's modify example lists them.
    let (changes, additions): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.id.is_some());
    let mut out = Vec::with_capacity(changes.len() + additions.len());
    for e in additions {
        let mut p = new_peer_trunk(take(next_id), cx.ids.uuid(), tg, e);
        p.mark_changed(cx.now_ms, cx.settings);
        out.push(p);
    }
    for e in changes {
        let id = e.id.unwrap_or_default();
        let Some(old) = tg.peer_trunks.iter().find(|p| p.id == id) else {
            return Err(FusionError::PeerTrunkNotOnTrunkGroup(id));
        };
        let mut p = old.clone();
        if let Some(v) = e.pop_id {
            p.pop_id = v;
        }
        if let Some(v) = e.inbound_calls {
            p.inbound_calls = v;
        }
        if let Some(v) = e.outbound_calls {
            p.outbound_calls = v;
        }
        if let Some(v) = e.billing_id {
            p.billing_id = v;
        }
        if let Some(v) = e.extra {
            p.extra = v;
        }
        p.region = tg.region.clone();
        p.mark_changed(cx.now_ms, cx.settings);
        out.push(p);
    }
    Ok(out)
}
