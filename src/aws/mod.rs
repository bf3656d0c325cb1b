//! Talking to AWS: the client factory and structured errors.

mod clients;
mod error;

pub use clients::{AwsClientFactory, AwsSession};
pub use error::{AwsError, AwsErrorKind, scrub};
