//! The loaded catalogue: one entry per code in code order, and the table of AWS error codes.

use std::sync::LazyLock;

use serde::Deserialize;

use super::aws_errors::{AwsErrorTable, RawCodeGroup};
use super::entry::CatalogueEntry;
use super::validate::{self, CatalogueError};
use crate::domain::Code;

/// The built-in catalogue source.
const BUILTIN_TOML: &str = include_str!("catalogue.toml");

/// The built-in catalogue, parsed and validated on first use.
static BUILTIN: LazyLock<Catalogue> = LazyLock::new(|| {
    // A broken built-in file is a programming error, caught by tests/catalogue.rs before release.
    Catalogue::from_toml(BUILTIN_TOML)
        .expect("src/catalogue/catalogue.toml is invalid; run `cargo test --test catalogue`")
});

/// The catalogue file: a list of `[[entry]]` tables and the `[[aws_error]]` tables of AWS error
/// codes; serde refuses unknown keys, here, in every entry and every code group (the validator
/// those of the rules), so a typo cannot drop data silently.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    entry: Vec<CatalogueEntry>,
    aws_error: Vec<RawCodeGroup>,
}

/// The troubleshooting catalogue: exactly one entry per [`Code`], in [`Code::ALL`] order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Invariant (checked by [`Catalogue::from_toml`]): `entries[i].code == Code::ALL[i]`.
    entries: Vec<CatalogueEntry>,
    /// Which entry each AWS error code means; the entries' `aws_error_codes` are derived from it.
    aws_errors: AwsErrorTable,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> &'static Catalogue {
        &BUILTIN
    }

    /// Parses and validates a catalogue in the `catalogue.toml` format, and gives each entry the
    /// AWS error codes that the table says can mean it.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut entries = file.entry;
        let aws_errors = validate::check_file(&entries, file.aws_error)?;
        entries.sort_by_key(|entry| entry.code);
        for entry in &mut entries {
            entry.aws_error_codes = aws_errors.codes_of(entry.code);
        }
        Ok(Catalogue {
            entries,
            aws_errors,
        })
    }

    /// Re-checks the catalogue's content rules (see [`CatalogueError::Invalid`]).
    pub fn validate(&self) -> Result<(), CatalogueError> {
        validate::check(&self.entries, &self.aws_errors)
    }

    /// All entries, in [`Code::ALL`] order.
    pub fn entries(&self) -> &[CatalogueEntry] {
        &self.entries
    }

    /// The entry of a code; every code has one.
    pub fn get(&self, code: Code) -> &CatalogueEntry {
        // In range by the invariant on `entries`: one entry per code, sorted like `Code::ALL`.
        &self.entries[code as usize]
    }

    /// The entry whose wire code is `code` (case-insensitive), if any.
    pub fn find(&self, code: &str) -> Option<&CatalogueEntry> {
        code.parse::<Code>().ok().map(|code| self.get(code))
    }

    /// The table of AWS error codes.
    pub fn aws_errors(&self) -> &AwsErrorTable {
        &self.aws_errors
    }

    /// The codes whose entries list the AWS error code `aws_code` (case-insensitive), in catalogue order.
    pub fn by_aws_error_code(&self, aws_code: &str) -> Vec<Code> {
        let mut codes = self
            .aws_errors
            .get(aws_code)
            .map(|group| group.entries())
            .unwrap_or_default();
        codes.sort();
        codes
    }
}
