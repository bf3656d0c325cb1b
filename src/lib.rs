//! connector-doctor: tells a security portal, in seconds and precisely, why an AWS connector works or not, and how to fix it.

// `AwsError` keeps AWS's whole answer (code, message, status, request id, clock) until the
// catalogue maps it, by design; at ~128 bytes it is small next to the AWS call that made it.
#![allow(clippy::result_large_err)]

pub mod allocator;
pub mod api;
pub mod aws;
pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod domain;
pub mod metrics;
pub mod policy;
pub mod probes;
pub mod requirements;
pub mod security;
pub mod service;
pub mod setting_values;
pub mod startup;
pub mod telemetry;
