//! End-to-end tests of the HTTP API: the server on a random local port, over real HTTP, with a
//! temporary SQLite database loaded with the demo dataset.

mod support;

mod cache;
mod errors;
mod fixtures;
mod health;
mod limits;
mod oauth;
mod openapi;
mod pac;
mod properties;
mod rate_limits;
mod restart;
mod security;
mod users;
