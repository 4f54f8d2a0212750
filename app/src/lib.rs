//! The Debrief app: domain logic, database layer (server only), server functions,
//! pages and components. Compiled twice: with `ssr` for the server and with
//! `hydrate` for the browser.

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, shell};
