//! Talking to AWS: the client factory, structured errors, and AWS's words read in any casing.

mod clients;
mod endpoints;
mod error;
mod scrub;
mod service;
mod settings;
mod words;

pub use clients::{AwsClientFactory, AwsSession, in_region};
pub use endpoints::EndpointVariables;
pub use error::{AwsError, AwsErrorKind};
pub use scrub::scrub;
pub use service::{AwsService, Endpoint};
pub use settings::AwsSettings;
pub use words::same_word;
