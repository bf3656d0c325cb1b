//! Diagnostic probes against AWS and the runner that orchestrates them.

mod context;
mod executor;
mod finding;
mod identity;
mod limits;
mod observation;
mod permissions;
mod regional;
mod report;
mod runner;

pub use executor::Executor;
pub use identity::principal_type;
pub use runner::{Diagnoser, DiagnosisFailed};
