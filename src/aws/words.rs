//! AWS's enum and status words as AWS spells them, in whichever casing. The wire form
//! (`FAILURE`, `NOT_APPLICABLE`, `ENABLED_BY_DEFAULT`) is not always the SDK model's (`Failure`,
//! `Not_Applicable`, `NotApplicable`), and an SDK turns a word it does not know into its unknown
//! variant: a `match` on the SDK's variants, or `==` on the text, misses the failure it was
//! written for. So every enum or status word read from AWS is compared with [`same_word`].

/// Whether `said` (as AWS or its SDK wrote it) is the word `word`, ignoring case and `_`:
/// `SUCCESS`, `Success` and `success` are one word, as are `NOT_APPLICABLE`, `Not_Applicable`
/// and `NotApplicable`.
pub fn same_word(said: &str, word: &str) -> bool {
    let letters = |text: &str| {
        text.bytes()
            .filter(|&byte| byte != b'_')
            .map(|byte| byte.to_ascii_lowercase())
            .collect::<Vec<u8>>()
    };
    letters(said) == letters(word)
}

#[cfg(test)]
mod tests {
    use super::same_word;

    #[test]
    fn a_word_is_the_same_in_every_casing_aws_writes_it() {
        for (said, word) in [
            ("FAILURE", "Failure"),
            ("failure", "FAILURE"),
            ("NOT_APPLICABLE", "NotApplicable"),
            ("Not_Applicable", "NOT_APPLICABLE"),
            ("ENABLED_BY_DEFAULT", "EnabledByDefault"),
            ("explicitDeny", "EXPLICIT_DENY"),
        ] {
            assert!(same_word(said, word), "{said} / {word}");
        }
        for (said, word) in [
            ("FAILURE", "FAILED"),
            ("ENABLED", "ENABLED_BY_DEFAULT"),
            ("", "SUCCESS"),
            ("NOT APPLICABLE", "NOT_APPLICABLE"),
        ] {
            assert!(!same_word(said, word), "{said} / {word}");
        }
    }
}
