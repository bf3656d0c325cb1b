//! Secrets out of the texts that are kept (AWS error messages, CloudTrail's messages): a secret is
//! replaced by `[redacted]` in every form AWS or a client could quote it back in. Each of its
//! letters and digits stands for itself in either case (some services upper- or lower-case what
//! they echo); each other character may appear as itself, percent-encoded (`%2F` or `%2f`: the
//! form that encodes every byte but letters and digits, RFC 3986's that keeps `-._~`, and any
//! mix), JSON-escaped (`\u002F`, and `\/` for a slash). Written by hand rather than as a regular
//! expression per secret, which would be compiled again for every message of every AWS error.
//!
//! A secret shorter than four characters (AWS allows external ids of two) is replaced only where
//! it stands as a whole token, with no letter or digit against either side: anywhere else it would
//! mangle ordinary words, and there it is not the secret.

/// The replacement of every secret.
const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are scrubbed only as whole tokens.
const SHORT: usize = 4;

/// `text` with every form of every secret in `secrets` replaced by `[redacted]`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        // A one-character value is no secret the service takes, and would match anywhere.
        .filter(|secret| secret.len() >= 2)
        .fold(text.to_owned(), |text, secret| scrub_one(&text, secret))
}

fn scrub_one(text: &str, secret: &str) -> String {
    let bytes = text.as_bytes();
    let whole_token_only = secret.len() < SHORT;
    let mut clean = String::with_capacity(text.len());
    let mut kept = 0;
    let mut at = 0;
    while at < bytes.len() {
        let found = form_at(&bytes[at..], secret.as_bytes())
            .filter(|&len| !whole_token_only || stands_alone(bytes, at, at + len));
        match found {
            Some(len) => {
                clean.push_str(&text[kept..at]);
                clean.push_str(REDACTED);
                at += len;
                kept = at;
            }
            None => at += 1,
        }
    }
    clean.push_str(&text[kept..]);
    clean
}

/// The length of a form of `secret` that `text` starts with, if it starts with one.
fn form_at(text: &[u8], secret: &[u8]) -> Option<usize> {
    let mut at = 0;
    for &wanted in secret {
        let rest = &text[at..];
        let first = *rest.first()?;
        if wanted.is_ascii_alphanumeric() {
            if !first.eq_ignore_ascii_case(&wanted) {
                return None;
            }
            at += 1;
        } else if first == wanted {
            at += 1;
        } else if let Some(len) = escape_of(rest, wanted) {
            at += len;
        } else {
            return None;
        }
    }
    // Never ends inside a character of `text` (a secret's last byte is a whole character).
    Some(at)
}

/// The length of an escape of byte `wanted` that `text` starts with: `%2F`, `\u002F` (hex digits
/// in either case) or, for a slash, `\/`.
fn escape_of(text: &[u8], wanted: u8) -> Option<usize> {
    let hex = |digits: &[u8]| -> Option<u8> {
        let text = std::str::from_utf8(digits).ok()?;
        u8::from_str_radix(text, 16).ok()
    };
    match text {
        [b'%', high, low, ..] if hex(&[*high, *low]) == Some(wanted) => Some(3),
        [b'\\', b'u', b'0', b'0', high, low, ..] if hex(&[*high, *low]) == Some(wanted) => Some(6),
        [b'\\', b'/', ..] if wanted == b'/' => Some(2),
        _ => None,
    }
}

/// Whether `text[start..end]` has no letter or digit against either side. An escape before it
/// (`%3D`, `\u003D`) is a boundary, not the letters and digits it is written with; one after it
/// starts with `%` or `\` anyway.
fn stands_alone(text: &[u8], start: usize, end: usize) -> bool {
    let before = &text[..start];
    let clear_before = match before.last() {
        Some(byte) if byte.is_ascii_alphanumeric() => ends_with_escape(before),
        _ => true,
    };
    let clear_after = text
        .get(end)
        .is_none_or(|byte| !byte.is_ascii_alphanumeric());
    clear_before && clear_after
}

/// Whether `text` ends with `%HH` or `\uHHHH`.
fn ends_with_escape(text: &[u8]) -> bool {
    let ends_with = |prefix: &[u8], digits: usize| {
        let len = prefix.len() + digits;
        text.len() >= len && {
            let tail = &text[text.len() - len..];
            tail.starts_with(prefix) && tail[prefix.len()..].iter().all(u8::is_ascii_hexdigit)
        }
    };
    ends_with(b"%", 2) || ends_with(b"\\u", 4)
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn every_occurrence_of_every_secret_goes() {
        let text = "key AKIAIOSFODNN7EXAMPLE and secret abcdSECRET twice abcdSECRET";
        let clean = scrub(text, &["abcdSECRET", "AKIAIOSFODNN7EXAMPLE"]);
        assert_eq!(
            clean,
            "key [redacted] and secret [redacted] twice [redacted]"
        );
    }

    #[test]
    fn encoded_and_case_folded_forms_go() {
        let secret = "wJalr/K7MDENG+bPxR";
        let text = "a wjalr/k7mdeng+bpxr b wJalr%2FK7MDENG%2BbPxR c WJALR%2fK7MDENG%2bBPXR d é";
        assert_eq!(
            scrub(text, &[secret]),
            "a [redacted] b [redacted] c [redacted] d é"
        );
    }

    /// Every character class AWS allows in an external id, in each form it can come back in.
    #[test]
    fn an_external_id_goes_in_every_encoding() {
        let id = "Ab9+=,.@:/_-Z";
        let forms = [
            // Raw.
            "Ab9+=,.@:/_-Z",
            // Every byte but letters and digits percent-encoded.
            "Ab9%2B%3D%2C%2E%40%3A%2F%5F%2DZ",
            // RFC 3986: `-._~` kept.
            "Ab9%2B%3D%2C.%40%3A%2F_-Z",
            // Lower-case hex.
            "Ab9%2b%3d%2c.%40%3a%2f_-Z",
            // JSON with an escaped slash, and with every symbol escaped.
            "Ab9+=,.@:\\/_-Z",
            "Ab9\\u002B\\u003D\\u002C\\u002E\\u0040\\u003A\\u002F\\u005F\\u002DZ",
        ];
        for form in forms {
            let text = format!("User is not authorized (ExternalId={form}).");
            assert_eq!(
                scrub(&text, &[id]),
                "User is not authorized (ExternalId=[redacted]).",
                "{form}"
            );
        }
    }

    #[test]
    fn short_secrets_go_only_where_they_stand_alone() {
        let text = "ab: the table about ab, abc and xab; id=ab&x, ExternalId%3Dab%26, [ab]";
        assert_eq!(
            scrub(text, &["ab"]),
            "[redacted]: the table about [redacted], abc and xab; id=[redacted]&x, \
             ExternalId%3D[redacted]%26, [[redacted]]"
        );
        assert_eq!(
            scrub("a+ or a%2B, not a+b", &["a+"]),
            "[redacted] or [redacted], not a+b"
        );
        assert_eq!(scrub("x", &["x"]), "x", "one character is no secret");
    }

    #[test]
    fn text_that_is_not_ascii_survives() {
        assert_eq!(scrub("é secret ü", &["secret"]), "é [redacted] ü");
        assert_eq!(scrub("ééé", &["%C3%A9"]), "ééé");
    }
}
