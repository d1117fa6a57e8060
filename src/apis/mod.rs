//! The API families trunkmock fakes. Each lives in its own folder with the same shape:
//! `mod.rs` (the family: name, paths, handler table, error rendering), `model.rs` (state and
//! business rules, no HTTP), `handlers.rs` (one function per operation) and `errors.rs`.

use std::sync::Arc;

use crate::engine::family::{DynFamily, FamilyAdapter};

pub mod apio;
pub mod fusion;
pub mod operator;
pub mod pbx;

/// Every family, in the order the engine holds them.
pub fn families() -> Vec<Arc<dyn DynFamily>> {
    vec![
        FamilyAdapter::new(pbx::Pbx),
        FamilyAdapter::new(fusion::Fusion),
        FamilyAdapter::new(apio::Apio),
        FamilyAdapter::new(operator::Operator),
    ]
}
