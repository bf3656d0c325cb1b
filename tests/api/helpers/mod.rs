//! Helpers shared by the API tests: the app on port 0 and its real peers (moto, a scripted fake AWS),
//! the one request builder ([`RequestBody`]) and the one fake identity ([`FakeIdentity`]).

pub mod app;
pub mod binary;
pub mod chromium;
pub mod fake_aws;
pub mod fake_cloudtrail;
pub mod fake_organization;
pub mod fake_regions;
pub mod haproxy;
pub mod iam_setup;
pub mod moto;
pub mod process;
pub mod prometheus;
pub mod redis;
pub mod request;

pub use app::TestApp;
pub use fake_aws::{FakeAws, FakeIdentity};
pub use moto::Moto;
pub use request::RequestBody;

/// The documented AWS example key id (never a real key).
pub const EXAMPLE_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// The documented AWS example secret key (never a real key).
pub const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A value that exists only in this test run: `prefix` then upper-case hex up to `len`.
pub fn generated(prefix: &str, len: usize) -> String {
    let mut value = prefix.to_owned();
    while value.len() < len {
        value.push_str(&uuid::Uuid::new_v4().simple().to_string().to_uppercase());
    }
    value.truncate(len);
    value
}
