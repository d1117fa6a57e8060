//! A new trunk group's pilot user: `pilotUser` (full control) wins over `pilotUserInfo` (built
//! from a phone number). The pilot becomes a trunk user of the trunk group, and its number is
//! created in the group when missing (the document's "auto_create" mode).

use serde_json::{Map, Value};

use super::{ApioState, User};
use crate::apis::apio::errors::ApioError;
use crate::engine::ids::IdGen;

/// The pilot to create, and the group number to create with it (if the group lacks it).
pub(super) struct NewPilot {
    pub user: User,
    pub new_number: Option<String>,
}

impl ApioState {
    fn user_owner(&self, user_id: &str) -> Option<(&str, &str)> {
        self.tenants.iter().find_map(|(t, tenant)| {
            tenant.groups.iter().find_map(|(g, group)| {
                group
                    .users
                    .iter()
                    .any(|u| u.user_id == user_id)
                    .then_some((t.as_str(), g.as_str()))
            })
        })
    }

    fn number_owner(&self, number: &str) -> Option<(&str, &str)> {
        self.tenants.iter().find_map(|(t, tenant)| {
            tenant.groups.iter().find_map(|(g, group)| {
                group
                    .numbers
                    .iter()
                    .any(|n| n == number)
                    .then_some((t.as_str(), g.as_str()))
            })
        })
    }

    /// Builds the pilot a create asks for and checks it can be created.
    pub(super) fn new_pilot(
        &self,
        t: &str,
        g: &str,
        trunk_name: &str,
        body: &Map<String, Value>,
        ids: &mut IdGen,
    ) -> Result<Option<NewPilot>, ApioError> {
        let user = if let Some(p) = body.get("pilotUser") {
            let text = |f: &str| p[f].as_str().map(String::from);
            User {
                user_id: text("userId").unwrap_or_default(),
                last_name: text("lastName").unwrap_or_default(),
                first_name: text("firstName").unwrap_or_default(),
                phone_number: text("phoneNumber"),
                extension: text("extension"),
                department: p.get("department").cloned(),
                line_port: text("linePort"),
                password: text("password"),
                trunk_group: Some(trunk_name.to_string()),
            }
        } else if let Some(p) = body.get("pilotUserInfo") {
            let number = p["phoneNumber"].as_str().unwrap_or_default().to_string();
            let digits: String = number.chars().filter(char::is_ascii_digit).collect();
            User {
                user_id: p["userId"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| format!("{digits}_pilot")),
                last_name: "Pilot".into(),
                first_name: trunk_name.to_string(),
                phone_number: Some(number),
                password: Some(
                    p["password"]
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| ids.hex(16)),
                ),
                trunk_group: Some(trunk_name.to_string()),
                ..User::default()
            }
        } else {
            return Ok(None);
        };
        // User ids are unique in the whole system, as on BroadWorks.
        if let Some((ot, og)) = self.user_owner(&user.user_id) {
            return Err(ApioError::bad(format!(
                "User {} already exists (tenant {ot}, group {og}).",
                user.user_id
            )));
        }
        let group = self.group(t, g)?;
        let mut new_number = None;
        if let Some(number) = &user.phone_number {
            if let Some(holder) = group
                .users
                .iter()
                .find(|u| u.phone_number.as_ref() == Some(number))
            {
                return Err(ApioError::bad(format!(
                    "Phone number {number} is already used by user {}.",
                    holder.user_id
                )));
            }
            if !group.numbers.contains(number) {
                // A number lives in one group only, system-wide.
                if let Some((ot, og)) = self.number_owner(number) {
                    return Err(ApioError::bad(format!(
                        "Phone number {number} belongs to group {og} of tenant {ot}."
                    )));
                }
                new_number = Some(number.clone());
            }
        }
        Ok(Some(NewPilot { user, new_number }))
    }
}
