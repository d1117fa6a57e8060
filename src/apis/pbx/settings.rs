//! The pbx family's scenario settings (`"settings": {"pbx": {...}}`): none yet, so any key is
//! a typo and refused.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PbxSettings {}
