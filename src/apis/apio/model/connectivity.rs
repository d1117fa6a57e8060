//! Immediate trunking connectivity (apio-immediate-trunking-connectivity.txt): number ranges
//! and prefixes a group takes from its tenant's pool. A range or prefix is a whole: it moves
//! from the tenant's available list to the group and back, never in parts.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{ApioState, Tenant, TenantKind, group_not_found};
use crate::apis::apio::errors::{ApioError, SubCode, SubError};
use crate::engine::family::StateError;

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

/// A number range a request names: its start, and its end when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRequest {
    pub min: String,
    pub max: Option<String>,
}

impl RangeRequest {
    fn matches(&self, min: &str, max: &str) -> bool {
        self.min == min && self.max.as_deref().is_none_or(|m| m == max)
    }

    fn describe(&self) -> String {
        match &self.max {
            Some(max) => format!("{}..{}", self.min, max),
            None => self.min.clone(),
        }
    }
}

/// Orders phone numbers as numbers (a shorter one first), whatever their `+`.
fn number_key(n: &str) -> (usize, String) {
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    (digits.len(), digits)
}

fn user_fields(o: &mut Map<String, Value>, group: &str, user: Option<&RangeUser>) {
    let empty = RangeUser::default();
    let u = user.unwrap_or(&empty);
    let s = |v: &String| Value::String(v.clone());
    o.insert("groupId".into(), Value::String(group.into()));
    o.insert("userId".into(), s(&u.user_id));
    o.insert("lastName".into(), s(&u.last_name));
    o.insert("firstName".into(), s(&u.first_name));
    o.insert("phoneNumber".into(), s(&u.phone_number));
    o.insert("extension".into(), s(&u.extension));
    if let Some(d) = &u.department {
        o.insert("department".into(), d.clone());
    }
    o.insert("emailAddress".into(), s(&u.email_address));
    o.insert("enterpriseTrunk".into(), s(&u.enterprise_trunk));
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

    pub fn itc_numbers(&self, t: &str, g: &str) -> Result<Value, ApioError> {
        let (_, service) = self.itc(t, g)?;
        let numbers: Vec<Value> = service
            .numbers
            .iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert(
                    "minPhoneNumber".into(),
                    Value::String(r.min_phone_number.clone()),
                );
                o.insert(
                    "maxPhoneNumber".into(),
                    Value::String(r.max_phone_number.clone()),
                );
                user_fields(&mut o, g, r.user.as_ref());
                o.insert("active".into(), Value::Bool(r.active));
                o.insert(
                    "extensionLength".into(),
                    Value::String(r.extension_length.clone()),
                );
                Value::Object(o)
            })
            .collect();
        Ok(json!({ "numbers": numbers }))
    }

    pub fn itc_available_numbers(&self, t: &str, g: &str) -> Result<Value, ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        Ok(json!({ "available_numbers": tenant.immediate_trunking_connectivity.available_numbers }))
    }

    pub fn itc_prefixes(&self, t: &str, g: &str) -> Result<Value, ApioError> {
        let (_, service) = self.itc(t, g)?;
        let prefixes: Vec<Value> = service
            .prefixes
            .iter()
            .map(|p| {
                let mut o = Map::new();
                o.insert("prefix".into(), Value::String(p.prefix.clone()));
                user_fields(&mut o, g, p.user.as_ref());
                o.insert("active".into(), Value::Bool(p.active));
                o.insert(
                    "extensionRangeStart".into(),
                    Value::String(p.extension_range_start.clone()),
                );
                o.insert(
                    "extensionRangeEnd".into(),
                    Value::String(p.extension_range_end.clone()),
                );
                Value::Object(o)
            })
            .collect();
        Ok(json!({ "prefixes": prefixes }))
    }

    pub fn itc_available_prefixes(&self, t: &str, g: &str) -> Result<Value, ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        Ok(
            json!({ "available_prefixes": tenant.immediate_trunking_connectivity.available_prefixes }),
        )
    }

    /// Moves whole ranges from the tenant's pool to the group; all or nothing.
    pub fn assign_itc_numbers(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[RangeRequest],
    ) -> Result<(), ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        let pool = &tenant.immediate_trunking_connectivity.available_numbers;
        let picked = pick(wanted, pool.len(), |req, i| {
            req.matches(&pool[i].min_phone_number, &pool[i].max_phone_number)
        })
        .map_err(|bad| {
            refused(SubCode::NumberRangeNotAvailable, bad, |r| {
                format!(
                    "{} is not one of the ranges available to the groups of tenant {t}",
                    r.describe()
                )
            })
        })?;
        let (pool, service) = self.itc_mut(t, g)?;
        for i in picked {
            let r = pool.available_numbers.remove(i);
            service.numbers.push(AssignedRange {
                min_phone_number: r.min_phone_number,
                max_phone_number: r.max_phone_number,
                active: r.active,
                extension_length: r.extension_length,
                user: None,
            });
        }
        service
            .numbers
            .sort_by_key(|r| number_key(&r.min_phone_number));
        Ok(())
    }

    /// Moves whole ranges from the group back to the tenant's pool; all or nothing.
    pub fn remove_itc_numbers(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[RangeRequest],
    ) -> Result<(), ApioError> {
        let (_, service) = self.itc(t, g)?;
        let held = &service.numbers;
        let picked = pick(wanted, held.len(), |req, i| {
            req.matches(&held[i].min_phone_number, &held[i].max_phone_number)
        })
        .map_err(|bad| {
            refused(SubCode::NumberRangeNotAvailable, bad, |r| {
                format!("{} is not one of the ranges of group {g}", r.describe())
            })
        })?;
        let (pool, service) = self.itc_mut(t, g)?;
        for i in picked {
            let r = service.numbers.remove(i);
            pool.available_numbers.push(NumberRange {
                min_phone_number: r.min_phone_number,
                max_phone_number: r.max_phone_number,
                active: r.active,
                extension_length: r.extension_length,
            });
        }
        pool.available_numbers
            .sort_by_key(|r| number_key(&r.min_phone_number));
        Ok(())
    }

    pub fn assign_itc_prefixes(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[String],
    ) -> Result<(), ApioError> {
        let (tenant, _) = self.itc(t, g)?;
        let pool = &tenant.immediate_trunking_connectivity.available_prefixes;
        let picked = pick(wanted, pool.len(), |p, i| pool[i].prefix == *p).map_err(|bad| {
            refused(SubCode::PrefixNotAvailable, bad, |p| {
                format!("{p} is not one of the prefixes available to the groups of tenant {t}")
            })
        })?;
        let (pool, service) = self.itc_mut(t, g)?;
        for i in picked {
            let p = pool.available_prefixes.remove(i);
            service.prefixes.push(AssignedPrefix {
                prefix: p.prefix,
                active: p.active,
                extension_range_start: p.extension_range_start,
                extension_range_end: p.extension_range_end,
                user: None,
            });
        }
        service.prefixes.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        Ok(())
    }

    pub fn remove_itc_prefixes(
        &mut self,
        t: &str,
        g: &str,
        wanted: &[String],
    ) -> Result<(), ApioError> {
        let (_, service) = self.itc(t, g)?;
        let held = &service.prefixes;
        let picked = pick(wanted, held.len(), |p, i| held[i].prefix == *p).map_err(|bad| {
            refused(SubCode::PrefixNotAvailable, bad, |p| {
                format!("{p} is not one of the prefixes of group {g}")
            })
        })?;
        let (pool, service) = self.itc_mut(t, g)?;
        for i in picked {
            let p = service.prefixes.remove(i);
            pool.available_prefixes.push(Prefix {
                prefix: p.prefix,
                active: p.active,
                extension_range_start: p.extension_range_start,
                extension_range_end: p.extension_range_end,
            });
        }
        pool.available_prefixes
            .sort_by(|a, b| a.prefix.cmp(&b.prefix));
        Ok(())
    }
}

/// Finds, for every wanted entry, a distinct candidate index (`matches(entry, index)`).
/// Answers the indexes in descending order (safe to remove one by one), or every entry that
/// found none, in request order.
fn pick<W>(
    wanted: &[W],
    candidates: usize,
    matches: impl Fn(&W, usize) -> bool,
) -> Result<Vec<usize>, Vec<&W>> {
    let mut picked = Vec::new();
    let mut bad = Vec::new();
    for w in wanted {
        match (0..candidates).find(|&i| !picked.contains(&i) && matches(w, i)) {
            Some(i) => picked.push(i),
            None => bad.push(w),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    picked.sort_unstable_by(|a, b| b.cmp(a));
    Ok(picked)
}

fn refused<W>(code: SubCode, bad: Vec<&W>, detail: impl Fn(&W) -> String) -> ApioError {
    ApioError::Sub(
        bad.into_iter()
            .map(|w| SubError {
                code,
                detail: Some(detail(w)),
            })
            .collect(),
    )
}

fn is_phone(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or(n);
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a seeded state: phone numbers look like numbers, every range runs forward, and no
/// range or prefix of a tenant is in two places (its pool and a group, or two groups).
pub fn check_state(state: &ApioState) -> Result<(), StateError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_takes_each_candidate_once_and_reports_the_rest() {
        let pool = ["a", "b"];
        let wanted = ["b".to_string(), "b".to_string(), "c".to_string()];
        let bad = pick(&wanted, pool.len(), |w, i| pool[i] == w).unwrap_err();
        assert_eq!(bad, vec![&wanted[1], &wanted[2]]);
        assert_eq!(pick(&wanted[..1], 2, |w, i| pool[i] == w).unwrap(), vec![1]);
    }

    #[test]
    fn numbers_order_as_numbers() {
        assert!(number_key("+999") < number_key("+1000"));
    }
}
