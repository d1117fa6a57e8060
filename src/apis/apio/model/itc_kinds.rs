//! What immediate trunking connectivity number ranges and prefixes differ in ([`ItcKind`]),
//! so that their rules (in [`super::connectivity`]) and their answers are written once: the
//! request entry naming one, the move between a tenant's pool and a group, and the order.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::connectivity::{
    AssignedPrefix, AssignedRange, ItcAssignment, ItcPool, NumberRange, Prefix,
};
use crate::apis::apio::errors::SubCode;

/// A number range a request names (`{"minPhoneNumber", "maxPhoneNumber"?}`): its start, and
/// its end when given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RangeRequest {
    #[serde(rename = "minPhoneNumber")]
    pub min: String,
    #[serde(rename = "maxPhoneNumber", default)]
    pub max: Option<String>,
}

/// A prefix a request names (`{"prefix"}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PrefixRequest {
    pub prefix: String,
}

/// Orders phone numbers as numbers (a shorter one first), whatever their `+`.
pub(super) fn number_key(n: &str) -> (usize, String) {
    let digits: String = n.chars().filter(char::is_ascii_digit).collect();
    (digits.len(), digits)
}

impl From<NumberRange> for AssignedRange {
    fn from(r: NumberRange) -> Self {
        Self {
            min_phone_number: r.min_phone_number,
            max_phone_number: r.max_phone_number,
            active: r.active,
            extension_length: r.extension_length,
            user: None,
        }
    }
}

/// Back to the pool: the user it routed to is forgotten.
impl From<AssignedRange> for NumberRange {
    fn from(r: AssignedRange) -> Self {
        Self {
            min_phone_number: r.min_phone_number,
            max_phone_number: r.max_phone_number,
            active: r.active,
            extension_length: r.extension_length,
        }
    }
}

impl From<Prefix> for AssignedPrefix {
    fn from(p: Prefix) -> Self {
        Self {
            prefix: p.prefix,
            active: p.active,
            extension_range_start: p.extension_range_start,
            extension_range_end: p.extension_range_end,
            user: None,
        }
    }
}

/// Back to the pool: the user it routed to is forgotten.
impl From<AssignedPrefix> for Prefix {
    fn from(p: AssignedPrefix) -> Self {
        Self {
            prefix: p.prefix,
            active: p.active,
            extension_range_start: p.extension_range_start,
            extension_range_end: p.extension_range_end,
        }
    }
}

/// What number ranges and prefixes differ in. Everything else (whole entries move between the
/// tenant's pool and a group, all or nothing, each refused entry reported) is written once, in
/// [`super::connectivity`], for either kind.
pub trait ItcKind {
    /// An entry as the tenant's pool keeps it.
    type Free: Serialize + From<Self::Held>;
    /// An entry as a group holds it, with the user it routes to.
    type Held: From<Self::Free>;
    /// An entry as an assign or remove request names it.
    type Wanted: serde::de::DeserializeOwned + std::fmt::Debug;
    /// The API's word for the entries: the key of request bodies and list answers.
    const KEY: &'static str;
    /// The sub-error for an entry that is not where the request expects it.
    const REFUSED: SubCode;
    /// The plural noun of a refusal's detail.
    const NOUN: &'static str;

    fn free(pool: &ItcPool) -> &Vec<Self::Free>;
    fn free_mut(pool: &mut ItcPool) -> &mut Vec<Self::Free>;
    fn held(service: &ItcAssignment) -> &Vec<Self::Held>;
    fn held_mut(service: &mut ItcAssignment) -> &mut Vec<Self::Held>;
    /// An entry's first and last number (a prefix is both).
    fn free_ends(free: &Self::Free) -> (&str, &str);
    fn held_ends(held: &Self::Held) -> (&str, &str);
    /// Whether a request's entry names the entry with these ends.
    fn names(wanted: &Self::Wanted, ends: (&str, &str)) -> bool;
    /// A request's entry in a refusal's detail.
    fn describe(wanted: &Self::Wanted) -> String;
    /// The order lists keep, by first number.
    fn order(a: &str, b: &str) -> Ordering;
}

/// Number ranges (`.../numbers/`): named by their start, matched on their end when given, in
/// numeric order.
pub struct Numbers;

impl ItcKind for Numbers {
    type Free = NumberRange;
    type Held = AssignedRange;
    type Wanted = RangeRequest;
    const KEY: &'static str = "numbers";
    const REFUSED: SubCode = SubCode::NumberRangeNotAvailable;
    const NOUN: &'static str = "ranges";

    fn free(pool: &ItcPool) -> &Vec<NumberRange> {
        &pool.available_numbers
    }
    fn free_mut(pool: &mut ItcPool) -> &mut Vec<NumberRange> {
        &mut pool.available_numbers
    }
    fn held(service: &ItcAssignment) -> &Vec<AssignedRange> {
        &service.numbers
    }
    fn held_mut(service: &mut ItcAssignment) -> &mut Vec<AssignedRange> {
        &mut service.numbers
    }
    fn free_ends(r: &NumberRange) -> (&str, &str) {
        (&r.min_phone_number, &r.max_phone_number)
    }
    fn held_ends(r: &AssignedRange) -> (&str, &str) {
        (&r.min_phone_number, &r.max_phone_number)
    }
    fn names(wanted: &RangeRequest, (min, max): (&str, &str)) -> bool {
        wanted.min == min && wanted.max.as_deref().is_none_or(|m| m == max)
    }
    fn describe(wanted: &RangeRequest) -> String {
        match &wanted.max {
            Some(max) => format!("{}..{}", wanted.min, max),
            None => wanted.min.clone(),
        }
    }
    fn order(a: &str, b: &str) -> Ordering {
        number_key(a).cmp(&number_key(b))
    }
}

/// Prefixes (`.../prefixes/`): named by their text, in text order.
pub struct Prefixes;

impl ItcKind for Prefixes {
    type Free = Prefix;
    type Held = AssignedPrefix;
    type Wanted = PrefixRequest;
    const KEY: &'static str = "prefixes";
    const REFUSED: SubCode = SubCode::PrefixNotAvailable;
    const NOUN: &'static str = "prefixes";

    fn free(pool: &ItcPool) -> &Vec<Prefix> {
        &pool.available_prefixes
    }
    fn free_mut(pool: &mut ItcPool) -> &mut Vec<Prefix> {
        &mut pool.available_prefixes
    }
    fn held(service: &ItcAssignment) -> &Vec<AssignedPrefix> {
        &service.prefixes
    }
    fn held_mut(service: &mut ItcAssignment) -> &mut Vec<AssignedPrefix> {
        &mut service.prefixes
    }
    fn free_ends(p: &Prefix) -> (&str, &str) {
        (&p.prefix, &p.prefix)
    }
    fn held_ends(p: &AssignedPrefix) -> (&str, &str) {
        (&p.prefix, &p.prefix)
    }
    fn names(wanted: &PrefixRequest, (prefix, _): (&str, &str)) -> bool {
        wanted.prefix == prefix
    }
    fn describe(wanted: &PrefixRequest) -> String {
        wanted.prefix.clone()
    }
    fn order(a: &str, b: &str) -> Ordering {
        a.cmp(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_order_as_numbers() {
        assert!(number_key("+999") < number_key("+1000"));
        assert_eq!(Numbers::order("+999", "+1000"), Ordering::Less);
        assert_eq!(Prefixes::order("+32-10", "+32-9"), Ordering::Less);
    }

    #[test]
    fn a_range_is_named_by_its_start_and_its_end_when_given() {
        let start = RangeRequest {
            min: "+1".into(),
            max: None,
        };
        let both = RangeRequest {
            min: "+1".into(),
            max: Some("+9".into()),
        };
        assert!(Numbers::names(&start, ("+1", "+5")));
        assert!(!Numbers::names(&both, ("+1", "+5")));
        assert!(Numbers::names(&both, ("+1", "+9")));
    }
}
