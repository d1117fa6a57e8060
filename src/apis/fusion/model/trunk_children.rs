//! What access trunks and peer trunks share as records kept inside a trunk group: they are
//! found by id within their trunk group, deleted the same way, and a missing one answers a 404
//! naming both ids. Only these three facts differ between the two kinds, so they are the
//! whole of [`TrunkGroupChild`]; everything else here is written once.

use super::access_trunks::AccessTrunk;
use super::peer_trunks::PeerTrunk;
use super::sync::Synced;
use super::trunk_group_rules::WriteContext;
use super::trunk_groups::TrunkGroup;
use super::{FusionState, ParentKey, Parents};
use crate::apis::fusion::errors::FusionError;

/// A kind of record that lives in a list of its trunk group.
pub trait TrunkGroupChild: Sized {
    /// The trunk group's list of this kind.
    fn list(tg: &TrunkGroup) -> &Vec<Self>;
    fn list_mut(tg: &mut TrunkGroup) -> &mut Vec<Self>;
    fn id(&self) -> i64;
    /// The refusal for an id the trunk group does not hold.
    fn not_found(trunk_group: i64, id: i64) -> FusionError;
    /// The refusal for deleting the last one, when the trunk group must keep at least one.
    fn last_one(_trunk_group: i64, _id: i64) -> Option<FusionError> {
        None
    }
}

impl TrunkGroupChild for AccessTrunk {
    fn list(tg: &TrunkGroup) -> &Vec<Self> {
        &tg.access_trunks
    }
    fn list_mut(tg: &mut TrunkGroup) -> &mut Vec<Self> {
        &mut tg.access_trunks
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn not_found(trunk_group: i64, id: i64) -> FusionError {
        FusionError::AccessTrunkNotFound { trunk_group, id }
    }
    /// "A trunk group must have at least 1 but can have multiple access trunk".
    fn last_one(trunk_group: i64, id: i64) -> Option<FusionError> {
        Some(FusionError::LastAccessTrunk { trunk_group, id })
    }
}

impl TrunkGroupChild for PeerTrunk {
    fn list(tg: &TrunkGroup) -> &Vec<Self> {
        &tg.peer_trunks
    }
    fn list_mut(tg: &mut TrunkGroup) -> &mut Vec<Self> {
        &mut tg.peer_trunks
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn not_found(trunk_group: i64, id: i64) -> FusionError {
        FusionError::PeerTrunkNotFound { trunk_group, id }
    }
}

impl TrunkGroup {
    /// Record `id` of kind `C` in this trunk group.
    pub fn child<C: TrunkGroupChild>(&self, id: i64) -> Result<&C, FusionError> {
        C::list(self)
            .iter()
            .find(|c| c.id() == id)
            .ok_or(C::not_found(self.id, id))
    }

    pub fn child_mut<C: TrunkGroupChild>(&mut self, id: i64) -> Result<&mut C, FusionError> {
        let tg_id = self.id;
        C::list_mut(self)
            .iter_mut()
            .find(|c| c.id() == id)
            .ok_or(C::not_found(tg_id, id))
    }
}

impl FusionState {
    /// Deletes record `id` of kind `C` from trunk group `tg_id`; the trunk group starts a new
    /// synchronisation, as it does for any change to what it holds.
    pub fn delete_child<C: TrunkGroupChild>(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        tg_id: i64,
        id: i64,
        cx: WriteContext<'_>,
    ) -> Result<(), FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, tg_id)?;
        let tg = self.tenants[t].subscriptions[s].trunk_group_mut(tg_id)?;
        let list = C::list_mut(tg);
        if !list.iter().any(|c| c.id() == id) {
            return Err(C::not_found(tg_id, id));
        }
        if list.len() == 1
            && let Some(refusal) = C::last_one(tg_id, id)
        {
            return Err(refusal);
        }
        list.retain(|c| c.id() != id);
        tg.mark_changed(cx.now_ms, cx.settings);
        self.schedule_trunk_group(t, key.subscription, tg_id);
        Ok(())
    }
}
