//! Access devices as trunk groups name them: a device lives in a group, in its tenant, or in
//! the system, and a trunk group may only use one that exists.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    pub fn as_str(self) -> &'static str {
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

    /// The device a new trunk group uses: `accessDevice` (an existing device) wins over
    /// `accessDeviceInfo` (a new group device, answered as the second value); a `teamsDR`
    /// trunk group without either rides on the Teams SBC's system device when one is configured.
    pub(super) fn trunk_device(
        &self,
        t: &str,
        g: &str,
        trunk_name: &str,
        trunking_mode: Option<&str>,
        body: &Map<String, Value>,
        teams_sbc: Option<&str>,
    ) -> Result<(Option<DeviceKey>, Option<Device>), ApioError> {
        if let Some(existing) = body.get("accessDevice") {
            return Ok((Some(self.device_key(t, g, existing)?), None));
        }
        if let Some(info) = body.get("accessDeviceInfo") {
            let name = info["deviceName"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("{trunk_name}_device"));
            if self.group(t, g)?.devices.iter().any(|d| d.name == name) {
                return Err(ApioError::bad(format!(
                    "Access device {name} already exists in group {g}."
                )));
            }
            let device = Device {
                name: name.clone(),
                device_type: info["deviceType"].as_str().unwrap_or_default().to_string(),
                mac_address: info["macAddress"].as_str().map(String::from),
            };
            let key = DeviceKey {
                name,
                level: DeviceLevel::Group,
            };
            return Ok((Some(key), Some(device)));
        }
        match teams_sbc {
            Some(sbc) if trunking_mode == Some("teamsDR") => {
                let key = DeviceKey {
                    name: sbc.to_string(),
                    level: DeviceLevel::System,
                };
                if !self.device_exists(t, g, &key) {
                    return Err(ApioError::bad(format!(
                        "TEAMS_CONFIG DR_SBC_DEVICE {sbc} is not a System access device."
                    )));
                }
                Ok((Some(key), None))
            }
            _ => Ok((None, None)),
        }
    }
}
