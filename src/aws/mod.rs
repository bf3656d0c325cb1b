//! Talking to AWS: the client factory and structured errors.

mod clients;
mod error;

pub use clients::{AwsClientFactory, AwsSession, in_region};
pub use error::{AwsError, AwsErrorKind, scrub};
