//! One function per apio operation: read the call, ask the model, answer. Split like the
//! model: [`trunk_groups`] and [`connectivity`].

pub mod connectivity;
pub mod trunk_groups;
