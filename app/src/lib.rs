//! The Debrief app: domain logic, database layer (server only), server functions,
//! pages and components. Compiled twice: with `ssr` for the server and with
//! `hydrate` for the browser.

// The views' types nest deeply; the release build of the browser bundle
// computes their layout past rustc's default depth of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod routes;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod flows;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, shell};
pub use error::AppError;
