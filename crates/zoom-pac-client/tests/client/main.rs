//! The client against the real zoom-pac server over HTTP on 127.0.0.1, and against a
//! hand-written stub for the responses that the server never sends (429 with
//! `Retry-After`, a non-JSON 502, and Zoom's data quirks).

mod decoding;
mod errors;
mod listing;
mod retries;
mod support;
mod tokens;
