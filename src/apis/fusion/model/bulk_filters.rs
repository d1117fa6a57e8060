//! The `filters` query parameter of the bulk job histories. The document only says it is "an
//! object representing the conditions to filter out the results"; the fake accepts three
//! spellings, each repeatable (`filters=...&filters=...`, all conditions must hold):
//!
//! - a JSON object of equalities: `{"status":"success","kind":"trunk_groups"}` (an array value
//!   means any of: `{"status":["ongoing","failure"]}`);
//! - a JSON array of conditions: `[{"field":"success_count","operator":"lt","value":3}]` with
//!   `operator` one of eq (default), ne, contains, gt, gte, lt, lte, in;
//! - plain `field:value` pairs separated by commas: `status:success,kind:trunk_groups`.

use std::cmp::Ordering;

use serde_json::Value;

use super::bulk_jobs::BulkJob;

/// The fields a condition may name: the history entry's own, plus the subscription it ran for.
pub const FIELDS: &[&str] = &[
    "id",
    "job_id",
    "kind",
    "status",
    "title",
    "success_count",
    "total_count",
    "created_on",
    "updated_on",
    "subscription_id",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Eq,
    Ne,
    Contains,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
}

impl Operator {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" | "=" | "==" => Operator::Eq,
            "ne" | "!=" => Operator::Ne,
            "contains" | "like" => Operator::Contains,
            "gt" | ">" => Operator::Gt,
            "gte" | "ge" | ">=" => Operator::Gte,
            "lt" | "<" => Operator::Lt,
            "lte" | "le" | "<=" => Operator::Lte,
            "in" => Operator::In,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    field: String,
    op: Operator,
    value: Value,
}

/// Every condition given; an empty set matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters(Vec<Condition>);

impl Filters {
    /// Parses every `filters` value of a query. The error names the bad part.
    pub fn parse<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut out = Vec::new();
        for text in raw {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            if text.starts_with('{') || text.starts_with('[') {
                let v: Value = serde_json::from_str(text)
                    .map_err(|e| format!("filters is not valid JSON: {e}"))?;
                parse_json(&v, &mut out)?;
            } else {
                for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
                    let (f, v) = pair
                        .split_once(':')
                        .ok_or_else(|| format!("filters entry '{pair}' is not field:value"))?;
                    out.push(condition(
                        f.trim(),
                        Operator::Eq,
                        Value::String(v.trim().into()),
                    )?);
                }
            }
        }
        Ok(Filters(out))
    }

    pub fn matches(&self, job: &BulkJob) -> bool {
        self.0.iter().all(|c| {
            let actual = job.field(&c.field).unwrap_or(Value::Null);
            holds(&actual, c.op, &c.value)
        })
    }
}

fn parse_json(v: &Value, out: &mut Vec<Condition>) -> Result<(), String> {
    match v {
        Value::Object(map) => {
            for (field, value) in map {
                let op = if value.is_array() {
                    Operator::In
                } else {
                    Operator::Eq
                };
                out.push(condition(field, op, value.clone())?);
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                let Some(obj) = item.as_object() else {
                    return Err("each filters condition must be an object".into());
                };
                let Some(field) = obj.get("field").and_then(Value::as_str) else {
                    // An array of plain objects: `[{"status":"success"}]`.
                    parse_json(item, out)?;
                    continue;
                };
                let op = match obj.get("operator").or_else(|| obj.get("op")) {
                    None => Operator::Eq,
                    Some(Value::String(s)) => Operator::parse(s)
                        .ok_or_else(|| format!("filters operator '{s}' is unknown"))?,
                    Some(_) => return Err("filters operator must be a string".into()),
                };
                let value = obj.get("value").cloned().unwrap_or(Value::Null);
                out.push(condition(field, op, value)?);
            }
            Ok(())
        }
        _ => Err("filters must be a JSON object or array".into()),
    }
}

fn condition(field: &str, op: Operator, value: Value) -> Result<Condition, String> {
    if !FIELDS.contains(&field) {
        return Err(format!(
            "filters field '{field}' is unknown; use one of {}",
            FIELDS.join(", ")
        ));
    }
    if op == Operator::In && !value.is_array() {
        return Err(format!(
            "filters operator 'in' on '{field}' needs an array value"
        ));
    }
    Ok(Condition {
        field: field.to_string(),
        op,
        value,
    })
}

/// Compares numbers as numbers (also when the client wrote `"3"`), everything else as text,
/// case-insensitively.
fn compare(actual: &Value, wanted: &Value) -> Option<Ordering> {
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    if actual.is_number()
        && let (Some(a), Some(b)) = (num(actual), num(wanted))
    {
        return a.partial_cmp(&b);
    }
    Some(text(actual).cmp(&text(wanted)))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string().to_lowercase(),
    }
}

fn holds(actual: &Value, op: Operator, wanted: &Value) -> bool {
    let cmp = || compare(actual, wanted);
    match op {
        Operator::Eq => cmp() == Some(Ordering::Equal),
        Operator::Ne => cmp() != Some(Ordering::Equal),
        Operator::Contains => text(actual).contains(&text(wanted)),
        Operator::Gt => cmp() == Some(Ordering::Greater),
        Operator::Gte => matches!(cmp(), Some(Ordering::Greater | Ordering::Equal)),
        Operator::Lt => cmp() == Some(Ordering::Less),
        Operator::Lte => matches!(cmp(), Some(Ordering::Less | Ordering::Equal)),
        Operator::In => wanted.as_array().is_some_and(|vs| {
            vs.iter()
                .any(|w| compare(actual, w) == Some(Ordering::Equal))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apis::fusion::model::bulk_jobs::{BulkJob, BulkKind, ItemError, NewJob};
    use serde_json::json;

    fn job(id: u64, failures: usize) -> BulkJob {
        let mut j = BulkJob::start(
            id,
            NewJob {
                kind: BulkKind::TrunkGroups,
                title: "Create trunk group",
                subscription_id: 1,
                items: vec![json!({}); 3],
                now_ms: 0,
                duration_ms: 0,
                id_seed: 1,
            },
        );
        let errors = (0..failures)
            .map(|i| ItemError {
                index: i,
                code: 1,
                reason: "x".into(),
            })
            .collect();
        j.finish(errors);
        j
    }

    #[test]
    fn object_shorthand_means_equality() {
        let f = Filters::parse([r#"{"status":"SUCCESS"}"#]).unwrap();
        assert!(f.matches(&job(1, 0)));
        assert!(!f.matches(&job(2, 1)));
    }

    #[test]
    fn conditions_compare_numbers_as_numbers() {
        let f =
            Filters::parse([r#"[{"field":"success_count","operator":"lt","value":"3"}]"#]).unwrap();
        assert!(!f.matches(&job(1, 0)));
        assert!(f.matches(&job(2, 2)));
    }

    #[test]
    fn pairs_and_repeats_all_must_hold() {
        let f = Filters::parse(["status:failure", "subscription_id:1"]).unwrap();
        assert!(f.matches(&job(1, 1)));
        let g = Filters::parse(["status:failure,subscription_id:2"]).unwrap();
        assert!(!g.matches(&job(1, 1)));
    }

    #[test]
    fn in_takes_any_of_a_list() {
        let f = Filters::parse([r#"{"status":["ongoing","failure"]}"#]).unwrap();
        assert!(f.matches(&job(1, 3)));
        assert!(!f.matches(&job(2, 0)));
    }

    #[test]
    fn unknown_fields_operators_and_bad_json_are_refused() {
        assert!(
            Filters::parse([r#"{"colour":"red"}"#])
                .unwrap_err()
                .contains("colour")
        );
        assert!(Filters::parse([r#"[{"field":"id","operator":"near","value":1}]"#]).is_err());
        assert!(Filters::parse(["{not json"]).is_err());
        assert!(Filters::parse(["status"]).is_err());
        assert!(Filters::parse([r#"[{"field":"id","operator":"in","value":1}]"#]).is_err());
    }
}
