//! connector-doctor: tells a security portal, in seconds and precisely, why an AWS connector works or not, and how to fix it.

pub mod api;
pub mod aws;
pub mod cache;
pub mod catalogue;
pub mod config;
pub mod domain;
pub mod policy;
pub mod probes;
pub mod requirements;
pub mod startup;
pub mod telemetry;
