//! The client against the real zoom-pac server over HTTP on 127.0.0.1. A hand-written stub
//! stands in for the responses that the server cannot send on demand: a 429 whose
//! `Retry-After` is one second ahead, a non-JSON 502, and Zoom's data quirks.

mod decoding;
mod errors;
mod listing;
mod retries;
mod support;
mod tokens;
mod users;
