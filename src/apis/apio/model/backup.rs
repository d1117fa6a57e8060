//! The backup view of a trunk group (`.../trunk_groups/{name}/backup/`): the three
//! `unreachableDestination*` settings under the names `mode`, `destination` and `trunk`. Its
//! writes go through the trunk group's own update, so both views always agree.

use serde_json::{Map, Value};

use super::ApioState;
use super::trunk_groups::{WriteRules, find, trunk_not_found};
use crate::apis::apio::errors::ApioError;

impl ApioState {
    /// `GET .../trunk_groups/{name}/backup/`: the `unreachableDestination*` settings.
    pub fn backup(&self, t: &str, g: &str, name: &str) -> Result<Value, ApioError> {
        let group = self.group(t, g)?;
        let tg = &group.trunk_groups[find(group, name).ok_or_else(|| trunk_not_found(g, name))?];
        let s = &tg.settings;
        let mut o = Map::new();
        let mode = s
            .get("unreachableDestinationAction")
            .and_then(Value::as_str)
            .unwrap_or("");
        o.insert("mode".into(), Value::String(mode.into()));
        if let Some(d) = s
            .get("unreachableDestinationForwardAddress")
            .filter(|v| v.is_string())
        {
            o.insert("destination".into(), d.clone());
        }
        if let Some(k) = s
            .get("unreachableDestinationRerouteTrunkGroup")
            .filter(|v| v.is_object())
        {
            o.insert("trunk".into(), k.clone());
        }
        Ok(Value::Object(o))
    }

    /// `PUT .../trunk_groups/{name}/backup/`: the same write as an update of the three
    /// `unreachableDestination*` settings, so both views always agree.
    pub fn update_backup(
        &mut self,
        t: &str,
        g: &str,
        name: &str,
        body: &Map<String, Value>,
    ) -> Result<Value, ApioError> {
        let mut update = Map::new();
        for (from, to) in [
            ("mode", "unreachableDestinationAction"),
            ("destination", "unreachableDestinationForwardAddress"),
            ("trunk", "unreachableDestinationRerouteTrunkGroup"),
        ] {
            if let Some(v) = body.get(from) {
                update.insert(to.into(), v.clone());
            }
        }
        let rules = WriteRules {
            backward_limit_calls: false,
            teams_sbc_device: None,
        };
        self.update_trunk_group(t, g, name, &update, rules)?;
        self.backup(t, g, name)
    }
}
