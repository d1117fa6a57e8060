//! Creating, modifying and deleting access trunks under a trunk group. Every write is checked
//! in full before the state changes, so a refusal leaves nothing half done.

use super::access_trunks::{AccessTrunk, AccessTrunkInput, check_rules};
use super::sync::Synced;
use super::trunk_group_rules::WriteContext;
use super::trunk_groups::TrunkGroup;
use super::{FusionState, ParentKey, Parents, pops, take};
use crate::apis::fusion::errors::FusionError;

/// The most access trunks one trunk group holds (keeps a session's memory bounded).
pub const MAX_ACCESS_TRUNKS_PER_TRUNK_GROUP: usize = 100;

/// Access trunks connect a PBX: only a `sip` trunk group has them.
fn check_sip(tg: &TrunkGroup) -> Result<(), FusionError> {
    if tg.kind.is_peer() {
        return Err(FusionError::AccessTrunksNotAllowed {
            trunk_group: tg.id,
            kind: tg.kind.as_str().to_string(),
        });
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), FusionError> {
    if name.trim().is_empty() {
        return Err(FusionError::Invalid("name must not be blank".into()));
    }
    Ok(())
}

impl FusionState {
    /// Creates one access trunk per requested POP on trunk group `tg_id`; returns their ids.
    pub fn create_access_trunks(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        input: &AccessTrunkInput,
        cx: WriteContext<'_>,
    ) -> Result<Vec<i64>, FusionError> {
        check_name(input.name.as_deref().unwrap_or_default())?;
        let requested = input.requested_pops()?;
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let pops = &self.pops;
        let tg = self.tenants[t].subscriptions[s].trunk_group(tg_id)?;
        check_sip(tg)?;
        for p in &requested {
            let id = p.id.or(p.pop_id).unwrap_or_default();
            if pops::find(pops, id).is_none() {
                return Err(FusionError::UnknownPop(id));
            }
        }
        if tg.access_trunks.len() + requested.len() > MAX_ACCESS_TRUNKS_PER_TRUNK_GROUP {
            return Err(FusionError::AccessTrunkLimitReached(
                MAX_ACCESS_TRUNKS_PER_TRUNK_GROUP,
            ));
        }
        let mut created: Vec<AccessTrunk> = requested
            .iter()
            .map(|p| AccessTrunk::create(0, String::new(), input, p))
            .collect();
        for t in &created {
            check_rules(t)?;
        }
        for at in &mut created {
            at.id = take(&mut self.next_ids.access_trunk);
            at.uuid = cx.ids.uuid();
            at.mark_changed(cx.now_ms, cx.settings);
        }
        let ids = created.iter().map(|a| a.id).collect();
        let tg = self.tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        tg.access_trunks.extend(created);
        // The trunk group's status follows its access trunks: it is pending while they are.
        tg.mark_changed(cx.now_ms, cx.settings);
        Ok(ids)
    }

    /// Modifies access trunk `id` of trunk group `tg_id`; the business rule is checked on the
    /// old data merged with the new.
    pub fn modify_access_trunk(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        id: i64,
        input: &AccessTrunkInput,
        cx: WriteContext<'_>,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let pops = &self.pops;
        let tg = self.tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        let slot = tg.access_trunks.iter_mut().find(|a| a.id == id).ok_or(
            FusionError::AccessTrunkNotFound {
                trunk_group: tg_id,
                id,
            },
        )?;
        let mut merged = slot.merged(input);
        check_name(&merged.name)?;
        if pops::find(pops, merged.pop.id).is_none() {
            return Err(FusionError::UnknownPop(merged.pop.id));
        }
        check_rules(&merged)?;
        merged.mark_changed(cx.now_ms, cx.settings);
        *slot = merged;
        tg.mark_changed(cx.now_ms, cx.settings);
        Ok(())
    }

    /// Deletes access trunk `id` of trunk group `tg_id`.
    pub fn delete_access_trunk(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        id: i64,
        cx: WriteContext<'_>,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let tg = self.tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        let before = tg.access_trunks.len();
        tg.access_trunks.retain(|a| a.id != id);
        if tg.access_trunks.len() == before {
            return Err(FusionError::AccessTrunkNotFound {
                trunk_group: tg_id,
                id,
            });
        }
        tg.mark_changed(cx.now_ms, cx.settings);
        Ok(())
    }
}
