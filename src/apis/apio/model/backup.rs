//! The backup view of a trunk group (`.../trunk_groups/{name}/backup/`): the three
//! `unreachableDestination*` settings under the names `mode`, `destination` and `trunk`. Its
//! writes go through the trunk group's own update, so both views always agree.

use serde_json::{Map, Value};

use super::ApioState;
use super::trunk_groups::{TrunkGroup, WriteRules};
use crate::apis::apio::errors::ApioError;

impl ApioState {
    /// `GET .../trunk_groups/{name}/backup/`: the trunk group the view shows.
    pub fn backup(&self, t: &str, g: &str, name: &str) -> Result<&TrunkGroup, ApioError> {
        self.trunk_group(t, g, name).map(|(_, tg)| tg)
    }

    /// `PUT .../trunk_groups/{name}/backup/`: the same write as an update of the three
    /// `unreachableDestination*` settings, so both views always agree.
    pub fn update_backup(
        &mut self,
        t: &str,
        g: &str,
        name: &str,
        body: &Map<String, Value>,
        rules: WriteRules,
    ) -> Result<&TrunkGroup, ApioError> {
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
        // Only the three settings change: the limit-calls rule has nothing to derive from.
        let rules = WriteRules {
            backward_limit_calls: false,
            ..rules
        };
        self.update_trunk_group(t, g, name, &update, rules)
            .map_err(in_view_terms)?;
        self.backup(t, g, name)
    }
}

/// A refusal of the underlying update, worded with the view's own field names (`mode`,
/// `destination`, `trunk`): a client of this view never sent the trunk group's names.
fn in_view_terms(e: ApioError) -> ApioError {
    match e {
        ApioError::BadRequest(m) => ApioError::BadRequest(
            m.replace("unreachableDestinationForwardAddress", "destination")
                .replace("unreachableDestinationRerouteTrunkGroup", "trunk")
                .replace("unreachableDestinationAction", "mode"),
        ),
        other => other,
    }
}
