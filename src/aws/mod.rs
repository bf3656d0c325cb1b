//! Talking to AWS: the client factory and structured errors.

mod clients;
mod error;
mod scrub;
mod service;
mod settings;

pub use clients::{AwsClientFactory, AwsSession, in_region};
pub use error::{AwsError, AwsErrorKind};
pub use scrub::scrub;
pub use service::{AwsService, Endpoint};
pub use settings::AwsSettings;
