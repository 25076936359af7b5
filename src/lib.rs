//! bouncex: explains SMTP bounces — status codes, replies, mail-log lines and bounce
//! messages — from an embedded knowledge base.
//!
//! Data flows one way: input text → [`recognize`] (statuses) → [`explain`] (findings,
//! looked up in the [`kb`]) → [`render`] (text or JSON). [`scan`] summarises whole logs;
//! [`classify`] gives one compact row per line. The command line lives in the binary
//! (`src/main.rs`, `src/cli.rs`): the library never reads the environment or asks whether
//! a stream is a terminal.

pub mod classify;
pub use bouncex_kb_core::code;
pub mod explain;
pub mod kb;
pub mod recognize;
pub mod render;
pub mod scan;
