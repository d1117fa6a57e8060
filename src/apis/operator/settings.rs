//! The operator family's scenario settings (`"settings": {"operator": {...}}`).

use serde::{Deserialize, Serialize};

use super::model::DEFAULT_MAX_RESOURCES;
use super::model::incoming_trunks::{DEFAULT_DOMAIN_SUFFIX, check_codecs, default_codecs};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorSettings {
    /// Start of every `links` URL and `Location`; `None`: from the request's `Host`.
    pub base_url: Option<String>,
    /// Codecs of a trunk created without `codecs`.
    #[serde(deserialize_with = "codecs")]
    pub default_codecs: Vec<String>,
    /// Host part of generated trunk domains.
    #[serde(deserialize_with = "non_empty")]
    pub domain_suffix: String,
    /// Most customers and trunks a session holds (403 beyond).
    pub max_resources: usize,
    /// Sign-in checks: `off`, `optional` (bare requests served as the first scenario user,
    /// credentials checked when sent) or `required`; `--auth` overrides it.
    pub auth_mode: crate::engine::auth::AuthMode,
}

impl Default for OperatorSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            default_codecs: default_codecs(),
            domain_suffix: DEFAULT_DOMAIN_SUFFIX.to_string(),
            max_resources: DEFAULT_MAX_RESOURCES as usize,
            auth_mode: crate::engine::auth::AuthMode::Optional,
        }
    }
}

fn codecs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let codecs = Vec::<String>::deserialize(d)?;
    check_codecs(&codecs).map_err(serde::de::Error::custom)?;
    Ok(codecs)
}

fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(s)
}
