//! Filtering, sorting and paging a collection of resources.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Query, Resource};

/// Compares ids the way a database would order them: numeric ids numerically, others as text.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// Orders two attribute values; nulls sort last ascending (and first descending), as
/// PostgreSQL does by default.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Filters, sorts and pages a collection; answers the number of matches and the page.
pub fn select<'a, R: Resource + 'a>(
    items: impl IntoIterator<Item = &'a R>,
    q: &Query,
) -> (usize, Vec<&'a R>) {
    let mut hits: Vec<&R> = items
        .into_iter()
        .filter(|r| {
            q.filters
                .iter()
                .all(|(name, values)| r.filter_key(name).is_some_and(|key| values.contains(&key)))
        })
        .collect();
    hits.sort_by(|a, b| {
        for (field, desc) in &q.sort {
            let ord = if field == "id" {
                compare_ids(a.id(), b.id())
            } else {
                compare_values(&a.attribute(field), &b.attribute(field))
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        // Without a sort (and among equals) the vendor's lists come ordered by id.
        compare_ids(a.id(), b.id())
    });
    let total = hits.len();
    let page = hits
        .into_iter()
        .skip((q.page_number - 1).saturating_mul(q.page_size))
        .take(q.page_size)
        .collect();
    (total, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_sort_numerically() {
        assert_eq!(compare_ids("9", "123"), Ordering::Less);
        assert_eq!(compare_ids("abc", "abd"), Ordering::Less);
    }
}
