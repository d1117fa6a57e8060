//! The pbx family's scenario settings (`"settings": {"pbx": {...}}`); any other key is a typo
//! and refused.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PbxSettings {
    /// Most providers one session holds; a create past it answers 400
    /// `PROVIDER_LIMIT_REACHED`. Bounds a session's memory (~0.5 KB a provider).
    pub max_providers: usize,
}

impl Default for PbxSettings {
    fn default() -> Self {
        Self {
            max_providers: 10_000,
        }
    }
}
