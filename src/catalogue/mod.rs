//! The troubleshooting catalogue: every known connector failure with its cause, fix and documentation.
//!
//! The data lives in `catalogue.toml`, compiled into the binary and checked by [`Catalogue::validate`]:
//! the entries, and the table of AWS error codes ([`AwsErrorTable`]) that says which entry each
//! wire code means. [`aws_mapping`] reads AWS errors through that table for the probes;
//! [`match_message`] finds the entries that explain a raw error text. The codes themselves are
//! domain words (`domain::Code`); the catalogue describes them.

mod aws_errors;
pub mod aws_mapping;
mod entry;
mod index;
mod matcher;
mod text;
mod validate;

pub use aws_errors::{AwsCodeGroup, AwsErrorTable, Rule, Seen};
pub use entry::{CatalogueEntry, MessagePattern};
pub use index::Catalogue;
pub use matcher::{MAX_MATCHES, MIN_SCORE, Match, match_message};
pub use validate::CatalogueError;
