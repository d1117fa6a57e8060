//! Reroute trunk groups: the `...RerouteTrunkGroup` settings name another trunk group by a
//! Trunk Group Key. The target must exist and must not be the trunk group itself; a rename
//! carries the keys along; a target cannot be deleted while a key names it.

use super::ApioState;
use super::trunk_groups::{TrunkGroup, find};
use super::trunk_values::TrunkKey;
use crate::apis::apio::errors::ApioError;

/// A trunk group named by a Trunk Group Key, its tenant and group filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkRef {
    pub tenant: String,
    pub group: String,
    pub name: String,
}

impl TrunkRef {
    pub(super) fn new(tenant: &str, group: &str, name: &str) -> Self {
        Self {
            tenant: tenant.into(),
            group: group.into(),
            name: name.into(),
        }
    }

    /// Resolves a stored key; a missing tenant or group is the one of the trunk group holding
    /// the key.
    pub(super) fn from_key(key: &TrunkKey, tenant: &str, group: &str) -> Self {
        Self {
            tenant: key.tenant_id.as_deref().unwrap_or(tenant).to_string(),
            group: key.group_id.as_deref().unwrap_or(group).to_string(),
            name: key.name.to_string(),
        }
    }
}

impl std::fmt::Display for TrunkRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (tenant {}, group {})",
            self.name, self.tenant, self.group
        )
    }
}

impl ApioState {
    pub(super) fn trunk_exists(&self, r: &TrunkRef) -> bool {
        self.tenants
            .get(&r.tenant)
            .and_then(|t| t.groups.get(&r.group))
            .is_some_and(|g| find(g, &r.name).is_some())
    }

    /// Every reroute key of every trunk group, resolved: `(holder, setting, target)`.
    pub(super) fn reroute_references(&self) -> Vec<(TrunkRef, &'static str, TrunkRef)> {
        let mut out = Vec::new();
        for (t, tenant) in &self.tenants {
            for (g, group) in &tenant.groups {
                for tg in &group.trunk_groups {
                    for r in tg.settings.redirects() {
                        if let Some(key) = r.trunk {
                            let target = TrunkRef::from_key(key, t, g);
                            out.push((TrunkRef::new(t, g, &tg.name), r.trunk_name, target));
                        }
                    }
                }
            }
        }
        out
    }

    /// Every reroute trunk group the trunk group names must exist and must not be itself.
    pub(super) fn check_reroutes(
        &self,
        t: &str,
        g: &str,
        tg: &TrunkGroup,
        old_name: &str,
    ) -> Result<(), ApioError> {
        for r in tg.settings.redirects() {
            let Some(target) = r.trunk.map(|k| TrunkRef::from_key(k, t, g)) else {
                continue;
            };
            let key = r.trunk_name;
            if target.tenant == t
                && target.group == g
                && (target.name == tg.name || target.name == old_name)
            {
                return Err(ApioError::bad(format!(
                    "{key}: a trunk group cannot reroute to itself."
                )));
            }
            if !self.trunk_exists(&target) {
                return Err(ApioError::bad(format!(
                    "{key}: trunk group {target} does not exist."
                )));
            }
        }
        Ok(())
    }

    /// Points every reroute key that named `old` at its new name.
    pub(super) fn rename_references(&mut self, old: &TrunkRef, new_name: &str) {
        for (t, tenant) in self.tenants.iter_mut() {
            for (g, group) in tenant.groups.iter_mut() {
                for tg in group.trunk_groups.iter_mut() {
                    for key in tg.settings.reroutes_mut().into_iter().flatten() {
                        if TrunkRef::from_key(key, t, g) == *old {
                            key.name = new_name.into();
                        }
                    }
                }
            }
        }
    }
}
