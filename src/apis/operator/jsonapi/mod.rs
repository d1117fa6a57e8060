//! The JSON:API 1.0 machinery the operator family needs, independent of any one resource:
//! reading the query ([`query`]), selecting a page of a collection ([`select`]), and writing
//! resource objects and documents with their links ([`document`]).

pub mod document;
pub mod query;
pub mod select;

use serde_json::Value;

pub use document::Writer;
pub use query::{Query, QuerySpec};
pub use select::{compare_ids, select};

/// The JSON:API media type, for requests and responses alike.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Where the family's resources live.
pub const API_ROOT: &str = "/api/rest/public/operator";
/// `page[size]` when the client gives none (the document's links show 50).
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// A to-one relationship's target: `(type, id)`.
pub type Identifier = (&'static str, String);

/// One resource type as JSON:API sees it.
pub trait Resource {
    /// The `type` member, which is also the collection's path segment.
    const TYPE: &'static str;
    /// Attribute names in the order the vendor writes them.
    const ATTRIBUTES: &'static [&'static str];
    /// Relationship names (to-one only in this API).
    const RELATIONSHIPS: &'static [&'static str];
    /// Attributes `sort` may name, besides `id`.
    const SORTABLE: &'static [&'static str];

    fn id(&self) -> &str;
    fn attribute(&self, name: &str) -> Value;
    fn relationship(&self, name: &str) -> Option<Identifier>;
    /// The text a `filter[NAME]` value is compared with (`None`: the filter does not apply).
    fn filter_key(&self, filter: &str) -> Option<String>;
}
