//! labday-server: the JSON API under `/api/v1` and the static host of the built app.
//! `main.rs` only parses flags and calls [`startup::start`]; tests do the same.

pub mod auth;
pub mod catalogue_cache;
pub mod client;
pub mod codes;
pub mod config;
pub mod connections;
pub mod csv;
pub mod deadline;
pub mod decoding;
pub mod embedding;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod headers;
pub mod keyed_hash;
pub mod messages;
pub mod phone_codes;
pub mod quality_report;
pub mod routes;
pub mod seed;
pub mod service_worker;
pub mod share;
pub mod sms;
pub mod spa;
pub mod startup;
pub mod state;
pub mod storage;
pub mod throttle;
pub mod upright;
pub mod users;
pub mod venue_clock;
pub mod writes;
