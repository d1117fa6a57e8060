//! trunkmock: stateful, contract-driven fakes of five SIP-trunk provisioning REST APIs.
//!
//! The [`engine`] is API-agnostic: it routes requests with tables built from the OpenAPI
//! contracts in `contracts/`, validates them, keeps one isolated state per session and hands
//! each operation to its family's handler in [`apis`]. [`server`] puts it on a socket; the
//! admin API lives in [`admin`]. In a Rust test, start one with [`MockServer::start`].

pub mod admin;
pub mod apis;
pub mod config;
pub mod embedded;
pub mod engine;
pub mod logging;
pub mod metrics;
pub mod mock_server;
pub mod persist;
pub mod server;
pub mod watch;
pub mod webhooks;
pub mod wire;

pub use config::{Options, build_engine, check};
pub use engine::{Engine, EngineConfig};
pub use mock_server::{MockServer, MockServerBuilder, MockSession};
