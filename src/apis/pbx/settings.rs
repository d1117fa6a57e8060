//! The pbx family's scenario settings (`"settings": {"pbx": {...}}`): none yet, so any key is
//! a typo and refused.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PbxSettings {}
