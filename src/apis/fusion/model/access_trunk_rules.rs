//! Creating, modifying and deleting access trunks under a trunk group. Every write is checked
//! in full before the state changes, so a refusal leaves nothing half done.

use super::access_trunks::{AccessTrunk, AccessTrunkInput, check_rules};
use super::sync::Synced;
use super::trunk_group_rules::WriteContext;
use super::trunk_groups::TrunkGroup;
use super::{FusionState, ParentKey, Parents, pops, take};
use crate::apis::fusion::errors::FusionError;

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
        let most = cx.settings.max_access_trunks_per_trunk_group;
        if tg.access_trunks.len() + requested.len() > most {
            return Err(FusionError::AccessTrunkLimitReached(most));
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
        self.schedule_trunk_group(t, key.subscription, tg_id);
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
        let slot = tg.child_mut::<AccessTrunk>(id)?;
        let mut merged = slot.merged(input);
        check_name(&merged.name)?;
        if pops::find(pops, merged.pop.id).is_none() {
            return Err(FusionError::UnknownPop(merged.pop.id));
        }
        check_rules(&merged)?;
        merged.mark_changed(cx.now_ms, cx.settings);
        *slot = merged;
        tg.mark_changed(cx.now_ms, cx.settings);
        self.schedule_trunk_group(t, key.subscription, tg_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apis::fusion::model::trunk_groups::{TrunkGroup, TrunkType};
    use crate::apis::fusion::settings::FusionSettings;
    use crate::engine::ids::IdGen;

    const KEY: ParentKey<'static> = ParentKey {
        draas_instance: "draas_v1",
        tenant: "11111111-1111-4111-8111-111111111111",
        subscription: 1,
    };

    fn state_with(kind: TrunkType) -> FusionState {
        let mut state = FusionState::default();
        let (t, s) = state
            .locate_mut(KEY, Parents::Lenient, &FusionSettings::default())
            .unwrap();
        let mut tg = TrunkGroup::new(7, "u".into(), "TG".into());
        tg.kind = kind;
        state.tenants[t].subscriptions[s].add(tg).unwrap();
        state
    }

    fn input(v: serde_json::Value) -> AccessTrunkInput {
        AccessTrunkInput::from_json(&v).unwrap()
    }

    fn create(state: &mut FusionState, v: serde_json::Value) -> Result<Vec<i64>, FusionError> {
        let (mut ids, settings) = (IdGen::new(1), FusionSettings::default());
        let cx = WriteContext {
            now_ms: 0,
            ids: &mut ids,
            settings: &settings,
        };
        state.create_access_trunks(KEY, Parents::Lenient, 7, &input(v), cx)
    }

    #[test]
    fn each_pop_gets_an_access_trunk_with_the_next_id() {
        let mut state = state_with(TrunkType::Sip);
        let ids = create(
            &mut state,
            json!({"name": "a", "pops": [{"id": 1}, {"id": 2}], "ipWhitelist": "10.0.0.1"}),
        );
        assert_eq!(ids, Ok(vec![1, 2]));
        let again = create(
            &mut state,
            json!({"name": "b", "trunkingPopId": 1, "ipWhitelist": "10.0.0.1"}),
        );
        assert_eq!(again, Ok(vec![3]));
    }

    #[test]
    fn a_refused_create_leaves_nothing_behind() {
        let mut state = state_with(TrunkType::Sip);
        let r = create(
            &mut state,
            json!({"name": "a", "pops": [{"id": 1}, {"id": 9}], "ipWhitelist": "10.0.0.1"}),
        );
        assert_eq!(r, Err(FusionError::UnknownPop(9)));
        assert!(
            state
                .trunk_group(KEY, Parents::Lenient, 7)
                .unwrap()
                .access_trunks
                .is_empty()
        );
        assert_eq!(state.next_ids.access_trunk, 1);
    }

    #[test]
    fn peer_trunk_groups_have_no_access_trunks() {
        let mut state = state_with(TrunkType::Zoom);
        let r = create(
            &mut state,
            json!({"name": "a", "trunkingPopId": 1, "ipWhitelist": "10.0.0.1"}),
        );
        assert!(matches!(
            r,
            Err(FusionError::AccessTrunksNotAllowed { trunk_group: 7, .. })
        ));
    }

    #[test]
    fn a_refused_modify_leaves_the_access_trunk_as_it_was() {
        let mut state = state_with(TrunkType::Sip);
        create(
            &mut state,
            json!({"name": "a", "trunkingPopId": 1, "primaryPeerIp": "10.0.0.1"}),
        )
        .unwrap();
        let (mut ids, settings) = (IdGen::new(1), FusionSettings::default());
        let cx = WriteContext {
            now_ms: 0,
            ids: &mut ids,
            settings: &settings,
        };
        let r = state.modify_access_trunk(
            KEY,
            Parents::Lenient,
            7,
            1,
            &input(json!({"primaryPeerIp": null})),
            cx,
        );
        assert_eq!(r, Err(FusionError::AccessTrunkNeedsPeerAddress));
        let tg = state.trunk_group(KEY, Parents::Lenient, 7).unwrap();
        assert_eq!(
            tg.access_trunks[0].primary_peer_ip.as_deref(),
            Some("10.0.0.1")
        );
    }
}
