//! The loaded catalogue: one entry per code in code order, indexed by AWS error code.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

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

/// The catalogue file: a list of `[[entry]]` tables; serde refuses unknown keys, here and in
/// every entry, so a typo cannot drop data silently.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    entry: Vec<CatalogueEntry>,
}

/// The troubleshooting catalogue: exactly one entry per [`Code`], in [`Code::ALL`] order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Invariant (checked by [`Catalogue::from_toml`]): `entries[i].code == Code::ALL[i]`.
    entries: Vec<CatalogueEntry>,
    /// Lower-cased AWS error code to the codes whose entries list it, in catalogue order.
    by_aws_code: HashMap<String, Vec<Code>>,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> &'static Catalogue {
        &BUILTIN
    }

    /// Parses and validates a catalogue in the `catalogue.toml` format.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut entries = file.entry;
        validate::check_entries(&entries)?;
        entries.sort_by_key(|entry| entry.code);
        let mut by_aws_code: HashMap<String, Vec<Code>> = HashMap::new();
        for entry in &entries {
            for aws_code in &entry.aws_error_codes {
                by_aws_code
                    .entry(aws_code.to_ascii_lowercase())
                    .or_default()
                    .push(entry.code);
            }
        }
        Ok(Catalogue {
            entries,
            by_aws_code,
        })
    }

    /// Re-checks the catalogue's content rules (see [`CatalogueError::Invalid`]).
    pub fn validate(&self) -> Result<(), CatalogueError> {
        validate::check_entries(&self.entries)
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

    /// The codes whose entries list the AWS error code `aws_code` (case-insensitive), in catalogue order.
    pub fn by_aws_error_code(&self, aws_code: &str) -> Vec<Code> {
        self.by_aws_code
            .get(&aws_code.trim().to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}
