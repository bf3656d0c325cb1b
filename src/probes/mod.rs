//! The probe engine: diagnostic probes against AWS and the runner that orchestrates them into
//! an examination. Imports neither the cache nor the configuration: it takes its own settings.

mod aws_rates;
mod budget;
mod call_load;
mod cloudtrail_record;
mod confirmations;
mod context;
mod executor;
mod explain;
mod identity;
mod limits;
mod observation;
mod organization;
mod permissions;
mod progress;
mod quarantine;
mod region_plan;
mod regional;
mod regions;
mod report;
mod runner;
mod service_reads;
mod settings;
mod timeouts;

pub use budget::{CallBudget, Rate};
pub use call_load::CallLoad;
pub use confirmations::{CellRead, Confirmations, NoConfirmations, Recalled};
pub use executor::Executor;
pub use identity::principal_type;
pub use progress::Progress;
pub use runner::{EngineFailed, ProbeEngine};
pub use settings::ProbeSettings;
