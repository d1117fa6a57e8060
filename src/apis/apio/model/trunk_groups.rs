//! Group trunk groups (apio-group-trunk-groups.txt): create with defaults and conditional
//! requirements, read, partial update with rename, and delete with its cascade options.

use serde_json::{Map, Value};

use super::devices::{DeviceKey, DeviceLevel};
use super::reroutes::TrunkRef;
use super::trunk_fields::{TrunkSettings, backward_limit_calls};
use super::trunk_values::RedirectAction;
use super::{ApioState, Group, TenantKind, User, group_not_found};
use crate::apis::apio::errors::ApioError;
use crate::engine::ids::IdGen;

/// A trunk group as the state keeps it: the members the API handles on their own, then every
/// documented setting as a typed field. Its serde form is in [`super::trunk_serde`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkGroup {
    pub name: String,
    /// Kept as sent: the answer echoes the client's department object member for member.
    pub department: Option<Value>,
    pub access_device: Option<DeviceKey>,
    pub pilot_user_id: Option<String>,
    /// Write-only: kept for the admin state, never answered by the API.
    pub sip_authentication_password: Option<Box<str>>,
    pub template_name: Option<Box<str>>,
    pub settings: TrunkSettings,
}

impl TrunkGroup {
    /// `normal` unless set.
    pub fn trunking_mode(&self) -> &'static str {
        self.settings.trunking_mode.as_str()
    }
}

/// Which business rules apply to a write (from the scenario settings).
#[derive(Debug, Clone)]
pub struct WriteRules {
    /// `BACKWARD_TRUNKGROUP_LIMITCALLS`.
    pub backward_limit_calls: bool,
    /// `TEAMS_CONFIG.DR_SBC_DEVICE`: the system device a new teamsDR trunk group without a
    /// device of its own is put on (`None`: leave it without one).
    pub teams_sbc_device: Option<String>,
    /// How much one group may hold, so a client looping over create cannot grow a session
    /// without bound (BroadWorks has limits of its own; the defaults are generous).
    pub max_trunk_groups_per_group: usize,
    /// The same for each of a group's devices, users and numbers.
    pub max_items_per_group: usize,
}

/// What else a delete removes.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeleteOptions {
    pub on_cascade: bool,
    pub keep_device: bool,
    pub keep_numbers: bool,
}

pub(super) fn str_of<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

pub(super) fn trunk_not_found(g: &str, name: &str) -> ApioError {
    ApioError::NotFound(format!("Trunk group {name} not found in group {g}."))
}

pub(super) fn find<'a>(group: &'a Group, name: &str) -> Option<&'a TrunkGroup> {
    group.trunk_groups.get(name)
}

/// Copies the settings a request gives into `settings`; `null` unsets an optional one.
fn apply_settings(
    settings: &mut TrunkSettings,
    body: &Map<String, Value>,
) -> Result<(), ApioError> {
    settings
        .apply(body)
        .map_err(|name| ApioError::bad(format!("{name}: a value this setting cannot hold.")))
}

fn is_set(v: Option<&str>) -> bool {
    v.is_some_and(|s| !s.is_empty())
}

/// Refuses a create that would take a group past the limits of [`WriteRules`].
fn check_capacity(
    group: &Group,
    rules: &WriteRules,
    device: bool,
    user: bool,
    number: bool,
) -> Result<(), ApioError> {
    let full = |what: &str, max: usize| {
        Err(ApioError::bad(format!(
            "The group already holds {max} {what}, the most this fake keeps."
        )))
    };
    if group.trunk_groups.len() >= rules.max_trunk_groups_per_group {
        return full("trunk groups", rules.max_trunk_groups_per_group);
    }
    for (adds, len, what) in [
        (device, group.devices.len(), "devices"),
        (user, group.users.len(), "users"),
        (number, group.numbers.len(), "numbers"),
    ] {
        if adds && len >= rules.max_items_per_group {
            return full(what, rules.max_items_per_group);
        }
    }
    Ok(())
}

/// The document's conditional requirements, checked on the trunk group as it would be after
/// the write (so a field set earlier satisfies them).
fn check_conditionals(tg: &TrunkGroup) -> Result<(), ApioError> {
    let s = &tg.settings;
    if s.require_authentication
        && (!is_set(s.sip_authentication_user_name.as_deref())
            || !is_set(tg.sip_authentication_password.as_deref()))
    {
        return Err(ApioError::bad(
            "sipAuthenticationUserName and sipAuthenticationPassword are required when requireAuthentication is true.",
        ));
    }
    if s.enable_bursting && s.bursting_max_active_calls.is_none() {
        return Err(ApioError::bad(
            "burstingMaxActiveCalls is required when enableBursting is true.",
        ));
    }
    for r in s.redirects() {
        let (action, address, trunk) = (r.action_name, r.address_name, r.trunk_name);
        match r.action {
            Some(RedirectAction::Forward) if !is_set(r.address) => {
                return Err(ApioError::bad(format!(
                    "{address} is required when {action} is 'Forward'."
                )));
            }
            Some(RedirectAction::Reroute) if r.trunk.is_none() => {
                return Err(ApioError::bad(format!(
                    "{trunk} is required when {action} is 'Reroute'."
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

impl ApioState {
    /// `GET .../trunk_groups/`: the group's trunk groups (or the whole enterprise's), each
    /// with the id of its group, filtered on `trunkingMode` when given.
    pub fn list_trunk_groups(
        &self,
        t: &str,
        g: &str,
        mode: Option<&str>,
        whole_enterprise: bool,
    ) -> Result<Vec<(&str, &TrunkGroup)>, ApioError> {
        let tenant = self.tenant(t)?;
        if !tenant.groups.contains_key(g) {
            return Err(group_not_found(t, g));
        }
        if whole_enterprise && tenant.kind != TenantKind::Enterprise {
            return Err(ApioError::bad(format!(
                "includeEnterpriseTrunkGroups is only accepted for a Tenant of type Enterprise; {t} is not one."
            )));
        }
        Ok(tenant
            .groups
            .iter()
            .filter(|(id, _)| whole_enterprise || id.as_str() == g)
            .flat_map(|(gid, group)| group.trunk_groups.iter().map(move |tg| (gid.as_str(), tg)))
            .filter(|(_, tg)| mode.is_none_or(|m| m == tg.trunking_mode()))
            .collect())
    }

    /// `GET .../trunk_groups/{name}/`: the trunk group with the group it lives in (whose users its answer lists).
    pub fn trunk_group(
        &self,
        t: &str,
        g: &str,
        name: &str,
    ) -> Result<(&Group, &TrunkGroup), ApioError> {
        let group = self.group(t, g)?;
        let tg = find(group, name).ok_or_else(|| trunk_not_found(g, name))?;
        Ok((group, tg))
    }

    /// `POST .../trunk_groups/`: checks everything first, then creates the trunk group, and
    /// the device, pilot user and pilot number it asks for, in one go.
    pub fn create_trunk_group(
        &mut self,
        t: &str,
        g: &str,
        body: &Map<String, Value>,
        rules: WriteRules,
        ids: &mut IdGen,
    ) -> Result<(&Group, &TrunkGroup), ApioError> {
        let group = self.group(t, g)?;
        let name = str_of(body, "name").unwrap_or_default().to_string();
        if find(group, &name).is_some() {
            return Err(ApioError::bad(format!(
                "A trunk group named {name} already exists in group {g}."
            )));
        }
        let mut tg = TrunkGroup {
            name: name.clone(),
            department: body.get("department").cloned(),
            access_device: None,
            pilot_user_id: None,
            sip_authentication_password: str_of(body, "sipAuthenticationPassword").map(Into::into),
            template_name: str_of(body, "templateName").map(Into::into),
            settings: TrunkSettings::default(),
        };
        apply_settings(&mut tg.settings, body)?;
        if rules.backward_limit_calls {
            backward_limit_calls(body, &mut tg.settings);
        }

        let mode = Some(tg.trunking_mode());
        let (device, new_device) =
            self.trunk_device(t, g, &name, mode, body, rules.teams_sbc_device.as_deref())?;
        tg.access_device = device;
        let pilot = self.new_pilot(t, g, &name, body, ids)?;
        tg.pilot_user_id = pilot.as_ref().map(|p| p.user.user_id.clone());
        let new_number = pilot.as_ref().and_then(|p| p.new_number.clone());
        let pilot = pilot.map(|p| p.user);

        check_conditionals(&tg)?;
        self.check_reroutes(t, g, &tg, &name)?;
        check_capacity(
            group,
            &rules,
            new_device.is_some(),
            pilot.is_some(),
            new_number.is_some(),
        )?;

        let group = self.group_mut(t, g)?;
        group.devices.extend(new_device);
        group.numbers.extend(new_number);
        group.users.extend(pilot);
        // The name was checked free above, under the same lock: never refused.
        if group.trunk_groups.push(tg).is_err() {
            return Err(ApioError::bad(format!(
                "A trunk group named {name} already exists in group {g}."
            )));
        }
        self.trunk_group(t, g, &name)
    }

    /// `PUT .../trunk_groups/{name}/`: a partial update, a rename through `name`.
    pub fn update_trunk_group(
        &mut self,
        t: &str,
        g: &str,
        name: &str,
        body: &Map<String, Value>,
        rules: WriteRules,
    ) -> Result<(&Group, &TrunkGroup), ApioError> {
        let group = self.group(t, g)?;
        let mut tg = find(group, name)
            .ok_or_else(|| trunk_not_found(g, name))?
            .clone();
        if let Some(new_name) = str_of(body, "name").filter(|n| *n != name) {
            if find(group, new_name).is_some() {
                return Err(ApioError::bad(format!(
                    "A trunk group named {new_name} already exists in group {g}."
                )));
            }
            tg.name = new_name.to_string();
        }
        apply_settings(&mut tg.settings, body)?;
        if rules.backward_limit_calls {
            backward_limit_calls(body, &mut tg.settings);
        }
        if let Some(p) = str_of(body, "sipAuthenticationPassword") {
            tg.sip_authentication_password = Some(p.into());
        }
        if let Some(d) = body.get("department") {
            tg.department = Some(d.clone());
        }
        if let Some(d) = body.get("accessDevice") {
            tg.access_device = Some(self.device_key(t, g, d)?);
        }
        if let Some(pilot) = str_of(body, "pilotUserId") {
            let is_trunk_user = group
                .users
                .iter()
                .any(|u| u.user_id == pilot && u.trunk_group.as_deref() == Some(name));
            if !is_trunk_user {
                return Err(ApioError::bad(format!(
                    "pilotUserId: {pilot} is not a user of trunk group {name}."
                )));
            }
            tg.pilot_user_id = Some(pilot.to_string());
        }
        check_conditionals(&tg)?;
        self.check_reroutes(t, g, &tg, name)?;

        let new_name = tg.name.clone();
        let group = self.group_mut(t, g)?;
        // Both names were checked above, under the same lock: never refused.
        if group.trunk_groups.replace(name, tg).is_err() {
            return Err(trunk_not_found(g, name));
        }
        if new_name != name {
            for u in group
                .users
                .iter_mut()
                .filter(|u| u.trunk_group.as_deref() == Some(name))
            {
                u.trunk_group = Some(new_name.clone());
            }
            self.rename_references(&TrunkRef::new(t, g, name), &new_name);
        }
        self.trunk_group(t, g, &new_name)
    }

    /// `DELETE .../trunk_groups/{name}/`. Without `on_cascade` the trunk users stay (no longer
    /// linked to a trunk group) and so do the device and numbers.
    pub fn delete_trunk_group(
        &mut self,
        t: &str,
        g: &str,
        name: &str,
        opts: DeleteOptions,
    ) -> Result<(), ApioError> {
        let group = self.group(t, g)?;
        find(group, name).ok_or_else(|| trunk_not_found(g, name))?;
        let me = TrunkRef::new(t, g, name);
        if let Some((holder, key, _)) = self
            .reroute_references()
            .into_iter()
            .find(|(holder, _, target)| *target == me && *holder != me)
        {
            return Err(ApioError::bad(format!(
                "Trunk group {name} is still used by trunk group {holder} as {key}."
            )));
        }
        let group = self.group_mut(t, g)?;
        let tg = group
            .trunk_groups
            .remove(name)
            .ok_or_else(|| trunk_not_found(g, name))?;
        if opts.on_cascade {
            let (gone, kept): (Vec<User>, Vec<User>) = std::mem::take(&mut group.users)
                .into_iter()
                .partition(|u| u.trunk_group.as_deref() == Some(name));
            group.users = kept;
            if !opts.keep_numbers {
                let numbers: Vec<&String> = gone
                    .iter()
                    .filter_map(|u| u.phone_number.as_ref())
                    .collect();
                group.numbers.retain(|n| !numbers.contains(&n));
            }
            // Only a group device can go, and only when no other trunk group still uses it.
            if let Some(device) = tg.access_device.filter(|d| d.level == DeviceLevel::Group)
                && !opts.keep_device
                && !group
                    .trunk_groups
                    .iter()
                    .any(|o| o.access_device.as_ref() == Some(&device))
            {
                group.devices.retain(|d| d.name != device.name);
            }
        } else {
            for u in group
                .users
                .iter_mut()
                .filter(|u| u.trunk_group.as_deref() == Some(name))
            {
                u.trunk_group = None;
            }
        }
        Ok(())
    }
}
