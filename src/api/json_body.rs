//! Reading a JSON body strictly: 415 when not UTF-8 JSON or encoded, 413 when too large, 408
//! when it does not arrive in time, 400 when malformed, 422 with a precise field path when
//! well-formed but not of the expected shape. Error texts name the field and what was
//! expected, never the value sent: a client bug can put a secret anywhere in a body.

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::error::Category;

use super::problem::Problem;
use crate::domain::{FieldError, object};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Deepest accepted nesting of arrays and objects; the API needs three.
pub const MAX_NESTING: usize = 16;

/// Reads and decodes a JSON body of type `T`; the whole body must arrive within `deadline`.
pub async fn read_json<T: DeserializeOwned>(
    request: &HttpRequest,
    payload: Payload,
    deadline: Duration,
) -> Result<T, Problem> {
    check_media_type(request)?;
    // A body that never finishes would otherwise hold its connection for ever.
    let bytes = tokio::time::timeout(deadline, read_limited(request, payload))
        .await
        .map_err(|_| Problem::body_timeout(deadline))??;
    if nesting_depth(&bytes) > MAX_NESTING {
        return Err(Problem::validation(vec![FieldError::new(
            "",
            format!("JSON is nested deeper than {MAX_NESTING} levels"),
        )]));
    }
    // A body that reads is read in one plain pass: tracking the path of every field on the way
    // (an allocation per key) is paid only by a body that fails, to name the field.
    if let Ok(Object(value)) = serde_json::from_slice::<Object<T>>(&bytes) {
        return Ok(value);
    }
    // Read again, its path tracked: a syntax error is a 400, a well-formed value of the wrong
    // shape a 422 naming the field (serde_json tells the two apart).
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let Object(value) = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        if error.inner().classify() != Category::Data {
            return malformed(error.inner());
        }
        let path = error.path().to_string();
        let message = error.inner().to_string();
        let field = field_name(&path, &message);
        Problem::validation(vec![FieldError::new(field, without_values(&message))])
    })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

/// A body: always a JSON object, never the array form serde's derive also reads.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object(deserializer).map(Object)
    }
}

fn malformed(error: &serde_json::Error) -> Problem {
    Problem::malformed_json(format!("Invalid JSON: {error}."))
}

/// JSON in UTF-8, sent as it is: a `charset` other than UTF-8 would be read wrongly, and an
/// encoded (compressed) body would escape the size limit's meaning.
fn check_media_type(request: &HttpRequest) -> Result<(), Problem> {
    if request.headers().contains_key(header::CONTENT_ENCODING) {
        return Err(Problem::unsupported_media_type(
            "Send the body without Content-Encoding.",
        ));
    }
    let text = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    let utf8 = parts
        .filter_map(|parameter| parameter.split_once('='))
        .filter(|(name, _)| name.trim() == "charset")
        .all(|(_, value)| matches!(value.trim().trim_matches('"'), "utf-8" | "utf8"));
    if is_json && utf8 {
        Ok(())
    } else {
        Err(Problem::unsupported_media_type(
            "Send the body as Content-Type: application/json (UTF-8).",
        ))
    }
}

async fn read_limited(request: &HttpRequest, mut payload: Payload) -> Result<Bytes, Problem> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(Problem::too_large(MAX_BODY_BYTES));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|error| Problem::malformed_json(format!("Unreadable body: {error}.")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Problem::too_large(MAX_BODY_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The deepest nesting of `[` and `{` outside strings; cheap, and done before parsing.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A serde error's message without the value it quotes: serde writes `invalid type: string
/// "<the value>", expected ...`, and echoes unknown variants and field names; only what was
/// expected is kept (names of our own fields and variants), and serde_json's position.
fn without_values(message: &str) -> String {
    let (message, position) = match message.rfind(" at line ") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let expected = message
        .split_once(", expected ")
        .map(|(_, expected)| expected);
    let text = if message.starts_with("missing field ") || message.starts_with("duplicate field ") {
        // The field's name is ours (it comes from the type), not the caller's.
        message.to_owned()
    } else if message.starts_with("unknown field ") {
        match expected {
            Some(expected) => format!("has an unknown field; expected {expected}"),
            None => "has an unknown field; this object takes none".to_owned(),
        }
    } else if message.starts_with("unknown variant ") {
        match expected {
            Some(expected) => format!("unknown value; expected {expected}"),
            None => "unknown value".to_owned(),
        }
    } else if let Some(expected) = expected {
        let kind = if message.starts_with("invalid type") {
            "wrong type"
        } else {
            "invalid value"
        };
        format!("{kind}; expected {expected}")
    } else {
        "is not of the expected shape".to_owned()
    };
    format!("{text}{position}")
}

/// The field a serde error is about. For a missing or repeated field the path names the
/// parent, so the field's (our own) name is appended; for an unknown field the path ends with
/// the caller's name, which is dropped, so the error names the object that has it.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    let parent = if message.starts_with("unknown field ") {
        parent.rsplit_once('.').map_or("", |(parent, _)| parent)
    } else {
        parent
    };
    let named = ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match named {
        Some(name) if parent.is_empty() => name.to_owned(),
        Some(name) => format!("{parent}.{name}"),
        None => parent.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_texts_keep_what_was_expected_and_drop_the_value() {
        let cases = [
            (
                r#"invalid type: string "{\"secret_access_key\": \"s3cr3t\"}", expected struct CredentialsBody at line 1 column 80"#,
                "wrong type; expected struct CredentialsBody at line 1 column 80",
            ),
            (
                "unknown variant `s3cr3t`, expected `security_auditing` or `security_configuration`",
                "unknown value; expected `security_auditing` or `security_configuration`",
            ),
            (
                "unknown field `s3cr3t`, expected one of `a`, `b`",
                "has an unknown field; expected one of `a`, `b`",
            ),
            (
                "invalid value: integer `7`, expected a boolean",
                "invalid value; expected a boolean",
            ),
            ("missing field `regions`", "missing field `regions`"),
            ("something s3cr3t", "is not of the expected shape"),
        ];
        for (message, expected) in cases {
            let text = without_values(message);
            assert_eq!(text, expected);
            assert!(!text.contains("s3cr3t"));
        }
    }

    #[test]
    fn nesting_ignores_brackets_in_strings() {
        assert_eq!(nesting_depth(br#"{"a": "[[[{{{", "b": [1, {"c": 2}]}"#), 3);
        assert_eq!(nesting_depth(br#"{"a": "\"[[["}"#), 1);
    }

    #[test]
    fn missing_and_repeated_fields_are_named_with_their_parent() {
        let message = "missing field `secret_access_key`";
        assert_eq!(
            field_name("credentials", message),
            "credentials.secret_access_key"
        );
        assert_eq!(
            field_name(".", "missing field `credentials`"),
            "credentials"
        );
        assert_eq!(field_name("regions[1]", "invalid type"), "regions[1]");
        assert_eq!(
            field_name("credentials.AKIAIOSFODNN7EXAMPLE", "unknown field `x`"),
            "credentials"
        );
        assert_eq!(field_name("AKIAIOSFODNN7EXAMPLE", "unknown field `x`"), "");
        assert_eq!(
            field_name(".", "duplicate field `regions` at line 1 column 40"),
            "regions"
        );
    }
}
