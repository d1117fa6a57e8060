//! Points of presence: where access trunks and peer trunks connect to the platform. The list is
//! part of the state so a scenario can add POPs; without one, the document's two exist.

use serde::{Deserialize, Serialize};

/// A POP as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pop {
    pub id: i64,
    pub name: String,
}

/// The document's POPs: 1 Wakefield, 2 Northampton.
pub fn default_pops() -> Vec<Pop> {
    vec![
        Pop {
            id: 1,
            name: "Wakefield".into(),
        },
        Pop {
            id: 2,
            name: "Northampton".into(),
        },
    ]
}

/// Looks a POP up by id.
pub fn find(pops: &[Pop], id: i64) -> Option<&Pop> {
    pops.iter().find(|p| p.id == id)
}
