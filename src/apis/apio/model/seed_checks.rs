//! Checks on a seeded or restored state (the scenario's `state.apio`, or
//! `PUT /__admin/state`): its trunk groups, and its connectivity ranges and prefixes. Every
//! problem is reported with its JSON pointer.

use super::itc_kinds::number_key;
use super::{ApioState, Group};
use crate::engine::family::StateError;

/// Checks a group's seeded trunk groups: unique names and a pilot that is a user of the group.
/// Their settings were checked (names and types) and defaulted as they were read
/// ([`super::trunk_serde`]).
pub fn normalise_group(group: &mut Group, at: &str) -> Result<(), StateError> {
    let mut seen = std::collections::HashSet::new();
    for (i, tg) in group.trunk_groups.iter_mut().enumerate() {
        let here = format!("{at}/trunkGroups/{i}");
        if tg.name.is_empty() || !seen.insert(tg.name.clone()) {
            return Err(StateError::new(
                format!("{here}/name"),
                "empty or duplicate trunk group name",
            ));
        }
        if let Some(p) = &tg.pilot_user_id
            && !group.users.iter().any(|u| &u.user_id == p)
        {
            return Err(StateError::new(
                format!("{here}/pilotUserId"),
                format!("no user {p} in this group"),
            ));
        }
    }
    Ok(())
}

/// Checks what trunk groups point at across the state: devices and reroute trunk groups exist.
pub fn check_references(state: &ApioState) -> Result<(), StateError> {
    for (t, tenant) in &state.tenants {
        for (g, group) in &tenant.groups {
            for (i, tg) in group.trunk_groups.iter().enumerate() {
                let here = format!("/tenants/{t}/groups/{g}/trunkGroups/{i}");
                if let Some(d) = &tg.access_device
                    && !state.device_exists(t, g, d)
                {
                    return Err(StateError::new(
                        format!("{here}/accessDevice"),
                        "no such device",
                    ));
                }
            }
        }
    }
    for (holder, key, target) in state.reroute_references() {
        if !state.trunk_exists(&target) {
            return Err(StateError::new(
                format!("/tenants/{}/groups/{}", holder.tenant, holder.group),
                format!("trunk group {} {key}: no trunk group {target}", holder.name),
            ));
        }
    }
    Ok(())
}

fn is_phone(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or(n);
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a seeded state: phone numbers look like numbers, every range runs forward, and no
/// range or prefix of a tenant is in two places (its pool and a group, or two groups).
pub fn check_connectivity(state: &ApioState) -> Result<(), StateError> {
    for (t, tenant) in &state.tenants {
        let at = format!("/tenants/{t}");
        let pool = &tenant.immediate_trunking_connectivity;
        let mut ranges: Vec<(&str, &str, String)> = pool
            .available_numbers
            .iter()
            .map(|r| {
                (
                    r.min_phone_number.as_str(),
                    r.max_phone_number.as_str(),
                    format!("{at}/immediateTrunkingConnectivity"),
                )
            })
            .collect();
        let mut prefixes: Vec<(&str, String)> = pool
            .available_prefixes
            .iter()
            .map(|p| {
                (
                    p.prefix.as_str(),
                    format!("{at}/immediateTrunkingConnectivity"),
                )
            })
            .collect();
        for (g, group) in &tenant.groups {
            if let Some(s) = &group.immediate_trunking_connectivity {
                let here = format!("{at}/groups/{g}/immediateTrunkingConnectivity");
                ranges.extend(s.numbers.iter().map(|r| {
                    (
                        r.min_phone_number.as_str(),
                        r.max_phone_number.as_str(),
                        here.clone(),
                    )
                }));
                prefixes.extend(s.prefixes.iter().map(|p| (p.prefix.as_str(), here.clone())));
            }
        }
        for (min, max, here) in &ranges {
            if !is_phone(min) || !is_phone(max) || number_key(min) > number_key(max) {
                return Err(StateError::new(
                    here.clone(),
                    format!("{min}..{max} is not a valid number range"),
                ));
            }
        }
        for (i, (min, max, here)) in ranges.iter().enumerate() {
            if let Some((omin, omax, _)) = ranges[i + 1..].iter().find(|(a, b, _)| {
                number_key(a) <= number_key(max) && number_key(min) <= number_key(b)
            }) {
                return Err(StateError::new(
                    here.clone(),
                    format!("{min}..{max} overlaps {omin}..{omax}"),
                ));
            }
        }
        for (i, (p, here)) in prefixes.iter().enumerate() {
            if prefixes[i + 1..].iter().any(|(o, _)| o == p) {
                return Err(StateError::new(
                    here.clone(),
                    format!("prefix {p} is held twice"),
                ));
            }
        }
    }
    Ok(())
}
