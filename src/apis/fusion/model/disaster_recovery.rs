//! Disaster recovery: per attached number, the number calls go to while the trunk group's
//! disaster recovery is on; and the trunk group's on/off status.

use serde::Deserialize;

use super::numbers::is_e164;
use super::{FusionState, ParentKey, Parents};
use crate::apis::fusion::errors::FusionError;

/// One plan of `PUT .../disaster_recovery`: `disasterRecoveryNumber: null` clears it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub number: String,
    pub disaster_recovery_number: Option<String>,
}

/// The result of one plan, in the Disaster Recovery Plan Result Object's form.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanResult {
    pub number: String,
    /// The number's disaster recovery number after the call (unchanged on error).
    pub disaster_recovery_number: Option<String>,
    pub error: Option<String>,
}

impl FusionState {
    /// Applies each plan on its own: a plan for a number that is not on this trunk group, or
    /// with a disaster recovery number that is not E.164 (or is the number itself), fails with
    /// its message while the others apply.
    pub fn set_disaster_recovery_plans(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        trunk_group: i64,
        plans: Vec<Plan>,
    ) -> Result<Vec<PlanResult>, FusionError> {
        let tg = self
            .trunk_group_parts_mut(key, parents, trunk_group)?
            .trunk_group;
        let results = plans
            .into_iter()
            .map(|plan| {
                let Some(n) = tg.numbers.iter_mut().find(|n| n.full_number == plan.number) else {
                    return PlanResult {
                        number: plan.number.clone(),
                        disaster_recovery_number: None,
                        error: Some(format!(
                            "An error occurred while setting the disaster recovery number to your SIP trunk: {} is not attached to trunk group {trunk_group}",
                            plan.number
                        )),
                    };
                };
                let error = match &plan.disaster_recovery_number {
                    Some(d) if !is_e164(d) => Some(format!(
                        "An error occurred while setting the disaster recovery number to your SIP trunk: {d} is not a number in E.164 format"
                    )),
                    Some(d) if *d == n.full_number => Some(
                        "An error occurred while setting the disaster recovery number to your SIP trunk: a number cannot be its own disaster recovery number".to_string(),
                    ),
                    _ => None,
                };
                if error.is_none() {
                    n.disaster_recovery_number = plan.disaster_recovery_number;
                }
                PlanResult {
                    number: plan.number,
                    disaster_recovery_number: n.disaster_recovery_number.clone(),
                    error,
                }
            })
            .collect();
        Ok(results)
    }

    /// Sets the trunk group's disaster recovery status (`None`: flips it); returns the new one.
    pub fn set_disaster_recovery_status(
        &mut self,
        key: ParentKey<'_>,
        parents: Parents,
        trunk_group: i64,
        status: Option<bool>,
    ) -> Result<bool, FusionError> {
        let tg = self
            .trunk_group_parts_mut(key, parents, trunk_group)?
            .trunk_group;
        tg.disaster_recovery_status = status.unwrap_or(!tg.disaster_recovery_status);
        Ok(tg.disaster_recovery_status)
    }
}
