//! Immediate trunking connectivity (apio-immediate-trunking-connectivity.txt): number ranges
//! and prefixes a group takes from its tenant's pool. A range or prefix is a whole: it moves
//! from the tenant's available list to the group and back, never in parts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::itc_kinds::ItcKind;
use super::{ApioState, Tenant, TenantKind, group_not_found};
use crate::apis::apio::errors::{ApioError, SubCode, SubError};

fn yes() -> bool {
    true
}

/// What a tenant can still hand out to its groups.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItcPool {
    #[serde(default)]
    pub available_numbers: Vec<NumberRange>,
    #[serde(default)]
    pub available_prefixes: Vec<Prefix>,
}

/// The service as assigned to a group, with the ranges and prefixes the group holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItcAssignment {
    #[serde(default)]
    pub numbers: Vec<AssignedRange>,
    #[serde(default)]
    pub prefixes: Vec<AssignedPrefix>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NumberRange {
    pub min_phone_number: String,
    pub max_phone_number: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub extension_length: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Prefix {
    pub prefix: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub extension_range_start: String,
    #[serde(default)]
    pub extension_range_end: String,
}

/// A range held by a group, with the user it routes to (if any).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignedRange {
    pub min_phone_number: String,
    pub max_phone_number: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub extension_length: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<RangeUser>,
}

/// A prefix held by a group, with the user it routes to (if any).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignedPrefix {
    pub prefix: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub extension_range_start: String,
    #[serde(default)]
    pub extension_range_end: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<RangeUser>,
}

/// The user fields the lists show for an assigned range or prefix ("" when unset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangeUser {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub phone_number: String,
    #[serde(default)]
    pub extension: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Value>,
    #[serde(default)]
    pub email_address: String,
    #[serde(default)]
    pub enterprise_trunk: String,
}

impl ApioState {
    /// The tenant and the group's service, refusing in the order a client meets the errors:
    /// unknown tenant or group (404), Enterprise tenant (46), service not assigned (404).
    fn itc(&self, t: &str, g: &str) -> Result<(&Tenant, &ItcAssignment), ApioError> {
        let tenant = self.tenant(t)?;
        let group = tenant.groups.get(g).ok_or_else(|| group_not_found(t, g))?;
        if tenant.kind == TenantKind::Enterprise {
            return Err(ApioError::sub(
                SubCode::NotAvailableInEnterpriseMode,
                Some(format!("tenant {t} is an Enterprise")),
            ));
        }
        let service = group
            .immediate_trunking_connectivity
            .as_ref()
            .ok_or_else(|| {
                ApioError::NotFound(format!(
                    "The Immediate Trunking Connectivity service is not assigned to group {g}."
                ))
            })?;
        Ok((tenant, service))
    }

    /// Both halves for a write, after the same checks as [`Self::itc`].
    fn itc_mut(
        &mut self,
        t: &str,
        g: &str,
    ) -> Result<(&mut ItcPool, &mut ItcAssignment), ApioError> {
        self.itc(t, g)?;
        let tenant = self.tenants.get_mut(t).expect("checked");
        let group = tenant.groups.get_mut(g).expect("checked");
        let service = group
            .immediate_trunking_connectivity
            .as_mut()
            .expect("checked");
        Ok((&mut tenant.immediate_trunking_connectivity, service))
    }

    /// What the group holds.
    pub fn itc_held<K: ItcKind>(&self, t: &str, g: &str) -> Result<&[K::Held], ApioError> {
        let (_, service) = self.itc(t, g)?;
        Ok(K::held(service))
    }

    /// What the tenant's pool still offers the group.
    pub fn itc_available<K: ItcKind>(&self, t: &str, g: &str) -> Result<&[K::Free], ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        Ok(K::free(&tenant.immediate_trunking_connectivity))
    }

    /// Moves whole entries from the tenant's pool to the group; all or nothing.
    pub fn assign_itc<K: ItcKind>(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[K::Wanted],
    ) -> Result<(), ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        let pool = K::free(&tenant.immediate_trunking_connectivity);
        let whence = format!("available to the groups of tenant {t}");
        let picked = pick_whole::<K, _>(wanted, pool, K::free_ends, &whence)?;
        let (pool, service) = self.itc_mut(t, g)?;
        shift::<K, _, _>(
            K::free_mut(pool),
            K::held_mut(service),
            picked,
            K::held_ends,
        );
        Ok(())
    }

    /// Moves whole entries from the group back to the tenant's pool; all or nothing.
    pub fn remove_itc<K: ItcKind>(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[K::Wanted],
    ) -> Result<(), ApioError> {
        let (_, service) = self.itc(t, g)?;
        let held = K::held(service);
        let picked = pick_whole::<K, _>(wanted, held, K::held_ends, &format!("of group {g}"))?;
        let (pool, service) = self.itc_mut(t, g)?;
        shift::<K, _, _>(
            K::held_mut(service),
            K::free_mut(pool),
            picked,
            K::free_ends,
        );
        Ok(())
    }
}

/// The indexes of the `entries` the request names (see [`pick`]), or sub-errors for every
/// wanted entry that is not among them ("... is not one of the ranges `whence`").
fn pick_whole<K: ItcKind, E>(
    wanted: &[K::Wanted],
    entries: &[E],
    ends: fn(&E) -> (&str, &str),
    whence: &str,
) -> Result<Vec<usize>, ApioError> {
    pick(wanted, entries.len(), |w, i| K::names(w, ends(&entries[i]))).map_err(|bad| {
        refused(K::REFUSED, bad, |&(w, twice)| {
            if twice {
                format!("{} is given twice in this request", K::describe(w))
            } else {
                format!("{} is not one of the {} {whence}", K::describe(w), K::NOUN)
            }
        })
    })
}

/// Moves the picked entries (indexes in descending order) from one list to the other, which
/// stays in the kind's order.
fn shift<K: ItcKind, A, B: From<A>>(
    from: &mut Vec<A>,
    to: &mut Vec<B>,
    picked: Vec<usize>,
    ends: fn(&B) -> (&str, &str),
) {
    to.extend(picked.into_iter().map(|i| B::from(from.remove(i))));
    to.sort_by(|a, b| K::order(ends(a).0, ends(b).0));
}

/// Finds, for every wanted entry, a distinct candidate index (`matches(entry, index)`).
/// Answers the indexes in descending order (safe to remove one by one), or every entry that
/// found none, in request order, each flagged when it did match a candidate an earlier entry
/// of the same request took (the entry is given twice, not unavailable).
fn pick<W>(
    wanted: &[W],
    candidates: usize,
    matches: impl Fn(&W, usize) -> bool,
) -> Result<Vec<usize>, Vec<(&W, bool)>> {
    let mut picked = Vec::new();
    let mut bad = Vec::new();
    for w in wanted {
        match (0..candidates).find(|&i| !picked.contains(&i) && matches(w, i)) {
            Some(i) => picked.push(i),
            None => bad.push((w, (0..candidates).any(|i| matches(w, i)))),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    picked.sort_unstable_by(|a, b| b.cmp(a));
    Ok(picked)
}

fn refused<W>(code: SubCode, bad: Vec<W>, detail: impl Fn(&W) -> String) -> ApioError {
    ApioError::Sub(
        bad.into_iter()
            .map(|w| SubError {
                code,
                detail: Some(detail(&w)),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_takes_each_candidate_once_and_reports_the_rest() {
        let pool = ["a", "b"];
        let wanted = ["b".to_string(), "b".to_string(), "c".to_string()];
        let bad = pick(&wanted, pool.len(), |w, i| pool[i] == w).unwrap_err();
        assert_eq!(bad, vec![(&wanted[1], true), (&wanted[2], false)]);
        assert_eq!(pick(&wanted[..1], 2, |w, i| pool[i] == w).unwrap(), vec![1]);
    }
}
