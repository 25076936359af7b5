//! bouncex: explains SMTP bounces — status codes, replies, mail-log lines and bounce
//! messages — from an embedded knowledge base.
//!
//! Data flows one way: input text → [`recognize`] (statuses) → [`explain`] (findings,
//! looked up in the [`kb`]) → [`render`] (text or JSON). [`cli`] is the command line.

pub mod classify;
pub mod cli;
pub mod code;
pub mod explain;
pub mod kb;
pub mod recognize;
pub mod render;
pub mod scan;
