//! Access devices as trunk groups name them: a device lives in a group, in its tenant, or in
//! the system, and a trunk group may only use one that exists.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApioState, Device};
use crate::apis::apio::errors::ApioError;

/// Which access device a trunk group uses: its name and where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    pub name: String,
    pub level: DeviceLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceLevel {
    Group,
    Tenant,
    System,
}

impl DeviceLevel {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            DeviceLevel::Group => "Group",
            DeviceLevel::Tenant => "Tenant",
            DeviceLevel::System => "System",
        }
    }
}

impl ApioState {
    pub(super) fn device_exists(&self, t: &str, g: &str, key: &DeviceKey) -> bool {
        let has = |devices: &[Device]| devices.iter().any(|d| d.name == key.name);
        let Some(tenant) = self.tenants.get(t) else {
            return false;
        };
        match key.level {
            DeviceLevel::Group => tenant.groups.get(g).is_some_and(|g| has(&g.devices)),
            DeviceLevel::Tenant => has(&tenant.devices),
            DeviceLevel::System => has(&self.system_devices),
        }
    }

    pub(super) fn device_key(
        &self,
        t: &str,
        g: &str,
        value: &Value,
    ) -> Result<DeviceKey, ApioError> {
        let key = DeviceKey {
            name: value["name"].as_str().unwrap_or_default().to_string(),
            level: match value["level"].as_str() {
                Some("Tenant") => DeviceLevel::Tenant,
                Some("System") => DeviceLevel::System,
                _ => DeviceLevel::Group,
            },
        };
        if !self.device_exists(t, g, &key) {
            return Err(ApioError::bad(format!(
                "Access device {} ({} level) does not exist.",
                key.name,
                key.level.as_str()
            )));
        }
        Ok(key)
    }
}
