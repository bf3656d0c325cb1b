//! Diagnostic probes against AWS and the runner that orchestrates them.

mod finding;
mod identity;
mod report;
mod runner;

pub use identity::principal_type;
pub use runner::Diagnoser;
