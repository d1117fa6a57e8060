//! The pbx family's scenario settings (`"settings": {"pbx": {...}}`); any other key is a typo
//! and refused.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PbxSettings {
    /// Most providers one session holds; a create past it answers 400
    /// `PROVIDER_LIMIT_REACHED`. Bounds a session's memory (~0.5 KB a provider).
    pub max_providers: usize,
    /// Sign-in checks: `off`, `optional` (bare requests served as the first scenario user,
    /// credentials checked when sent) or `required`; `--auth` overrides it.
    pub auth_mode: crate::engine::auth::AuthMode,
    /// Seconds of virtual time an access token lives (its refresh token twice as long).
    pub token_lifetime_secs: u64,
}

impl Default for PbxSettings {
    fn default() -> Self {
        Self {
            max_providers: 10_000,
            auth_mode: crate::engine::auth::AuthMode::Optional,
            token_lifetime_secs: 3600,
        }
    }
}
