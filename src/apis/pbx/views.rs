//! The pbx answer shapes: a provider as retrieve and export show it (every field but the
//! password) and as the list shows it (the summary fields), serialised without copying.

use serde::Serialize;

use super::model::SUMMARY;
use super::model::provider::{Field, Provider};

/// The list's answer: `{"count","items"}`, `count` being the matches before paging.
#[derive(Serialize)]
pub struct Page<'a> {
    pub count: usize,
    pub items: Vec<SummaryView<'a>>,
}

/// A provider as retrieve shows it (no password), serialised without copying.
pub struct PublicView<'a>(pub &'a Provider);

impl Serialize for PublicView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = Field::ALL.iter().copied().filter(|f| *f != Field::Password);
        self.0.serialize_fields(s, fields, Field::ALL.len() - 1)
    }
}

/// A provider as the list shows it: the summary fields only.
pub struct SummaryView<'a>(pub &'a Provider);

impl Serialize for SummaryView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_fields(s, SUMMARY.iter().copied(), SUMMARY.len())
    }
}
