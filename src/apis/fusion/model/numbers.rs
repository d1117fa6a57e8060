//! Phone numbers (DIDs) attached to trunk groups. Each attachment has the number's `id` and a
//! `connectionId` linking it to the trunk; the connection id is what the pilot and the removal
//! call name. A number is attached to at most one trunk group of a tenant.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{FusionState, ParentKey, Parents, Tenant, take};
use crate::apis::fusion::errors::FusionError;

/// A number attached to a trunk group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhoneNumber {
    pub id: i64,
    pub connection_id: i64,
    pub full_number: String,
    /// The disaster recovery number calls go to while the trunk group's disaster recovery
    /// is on; set through `PUT .../disaster_recovery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disaster_recovery_number: Option<String>,
}

/// E.164: a `+`, a non-zero first digit, at most 15 digits in all.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// What became of one number of an add request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    Added(PhoneNumber),
    Refused { number: String, reason: String },
}

impl FusionState {
    /// Attaches numbers to a trunk group, one by one: a number that is not E.164, is listed
    /// twice, or is already attached to a trunk group of the tenant is refused with its reason
    /// and the others are added (the document allows a partial result). When none can be
    /// added the call is refused as a whole.
    pub fn add_numbers(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        trunk_group: i64,
        requested: &[String],
        most: usize,
    ) -> Result<Vec<AddOutcome>, FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, trunk_group)?;
        let FusionState {
            tenants, next_ids, ..
        } = self;
        let tenant = &mut tenants[t];
        tenant.subscriptions[s].trunk_group(trunk_group)?;
        // Where each number of the tenant is attached now.
        let attached = &tenant.number_owner;
        let mut seen = HashSet::new();
        let mut outcomes = Vec::with_capacity(requested.len());
        let mut to_add = Vec::new();
        for number in requested {
            let refuse = |reason: String| AddOutcome::Refused {
                number: number.clone(),
                reason,
            };
            let outcome = if !is_e164(number) {
                refuse("not a number in E.164 format (+ and up to 15 digits)".into())
            } else if !seen.insert(number.as_str()) {
                refuse("listed more than once in this request".into())
            } else if let Some(&owner) = attached.get(number.as_str()) {
                if owner == trunk_group {
                    refuse("already attached to this trunk group".into())
                } else {
                    refuse(format!(
                        "already attached to trunk group {owner} of this tenant"
                    ))
                }
            } else {
                to_add.push(outcomes.len());
                AddOutcome::Added(PhoneNumber {
                    id: 0,
                    connection_id: 0,
                    full_number: number.clone(),
                    disaster_recovery_number: None,
                })
            };
            outcomes.push(outcome);
        }
        let Tenant {
            subscriptions,
            number_owner,
            ..
        } = tenant;
        let tg = subscriptions[s].trunk_group_mut(trunk_group)?;
        if to_add.is_empty() {
            let refused = outcomes
                .into_iter()
                .filter_map(|o| match o {
                    AddOutcome::Refused { number, reason } => Some((number, reason)),
                    AddOutcome::Added(_) => None,
                })
                .collect();
            return Err(FusionError::NoNumbersAdded(refused));
        }
        if tg.numbers.len() + to_add.len() > most {
            return Err(FusionError::NumberLimitReached(most));
        }
        for i in to_add {
            if let AddOutcome::Added(n) = &mut outcomes[i] {
                n.id = take(&mut next_ids.number);
                n.connection_id = take(&mut next_ids.connection);
                number_owner.insert(n.full_number.clone(), trunk_group);
                tg.numbers.push(n.clone());
            }
        }
        Ok(outcomes)
    }

    /// Detaches the numbers linked by `connection_ids`; ids not linked to this trunk group are
    /// ignored (the document allows a partial removal), but at least one must be. Removing the
    /// pilot's number clears the pilot. Returns the connection ids removed.
    pub fn remove_numbers(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        trunk_group: i64,
        connection_ids: &[i64],
    ) -> Result<Vec<i64>, FusionError> {
        let (t, s) = self.locate_trunk_group(key, parents, trunk_group)?;
        let Tenant {
            subscriptions,
            number_owner,
            ..
        } = &mut self.tenants[t];
        let tg = subscriptions[s].trunk_group_mut(trunk_group)?;
        let wanted: HashSet<i64> = connection_ids.iter().copied().collect();
        let removed: Vec<i64> = tg
            .numbers
            .iter()
            .map(|n| n.connection_id)
            .filter(|c| wanted.contains(c))
            .collect();
        if removed.is_empty() {
            return Err(FusionError::NoNumbersRemoved(connection_ids.to_vec()));
        }
        tg.numbers.retain(|n| {
            let keep = !wanted.contains(&n.connection_id);
            if !keep {
                number_owner.remove(&n.full_number);
            }
            keep
        });
        if tg.pilot.is_some_and(|p| wanted.contains(&p)) {
            tg.pilot = None;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apis::fusion::model::trunk_groups::TrunkGroup;

    fn key(subscription: i64) -> ParentKey<'static> {
        ParentKey {
            draas_instance: "d",
            tenant: "T",
            subscription,
        }
    }

    /// One trunk group in each of two subscriptions of one tenant.
    fn two_subscriptions() -> FusionState {
        let mut state = FusionState::default();
        let settings = crate::apis::fusion::settings::FusionSettings::default();
        for (sub, id) in [(1, 10), (2, 20)] {
            let (t, s) = state
                .locate_mut(key(sub), Parents::Lenient, &settings)
                .unwrap();
            let tg = TrunkGroup::new(id, format!("u{id}"), format!("tg{id}"));
            state.tenants[t].subscriptions[s]
                .trunk_groups
                .push(tg)
                .unwrap();
        }
        state
    }

    #[test]
    fn the_tenant_number_index_follows_adds_removes_and_loads() {
        let mut state = two_subscriptions();
        let n = vec!["+3226260100".to_string()];
        let added = state
            .add_numbers(key(1), Parents::Lenient, 10, &n, 10)
            .unwrap();
        let AddOutcome::Added(first) = &added[0] else {
            panic!("{added:?}")
        };
        // Another subscription of the same tenant: refused, naming the owner.
        let err = state
            .add_numbers(key(2), Parents::Lenient, 20, &n, 10)
            .unwrap_err();
        assert!(format!("{err:?}").contains("trunk group 10"), "{err:?}");
        // A reloaded state rebuilds the index and refuses the same way.
        let json = serde_json::to_value(&state).unwrap();
        let mut loaded = crate::engine::family::deserialize_state::<FusionState>(&json)
            .unwrap()
            .normalise()
            .unwrap();
        assert!(
            loaded
                .add_numbers(key(2), Parents::Lenient, 20, &n, 10)
                .is_err()
        );
        // Once removed, the number is free for the other trunk group.
        loaded
            .remove_numbers(key(1), Parents::Lenient, 10, &[first.connection_id])
            .unwrap();
        assert!(
            loaded
                .add_numbers(key(2), Parents::Lenient, 20, &n, 10)
                .is_ok()
        );
    }

    #[test]
    fn e164_needs_a_plus_a_non_zero_first_digit_and_at_most_fifteen_digits() {
        assert!(is_e164("+3225405220"));
        assert!(is_e164("+123456789012345"));
        assert!(!is_e164("+1234567890123456"));
        assert!(!is_e164("3225405220"));
        assert!(!is_e164("+0225405220"));
        assert!(!is_e164("+32 2540"));
        assert!(!is_e164("+"));
    }
}
