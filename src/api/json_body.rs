//! Reading a JSON body strictly: 415 when not JSON, 413 when too large, 400 when malformed,
//! 422 with a precise field path when well-formed but not of the expected shape.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Payload};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::problem::Problem;
use crate::domain::FieldError;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Deepest accepted nesting of arrays and objects; the API needs three.
pub const MAX_NESTING: usize = 16;

/// Reads and decodes a JSON body of type `T`.
pub async fn read_json<T: DeserializeOwned>(
    request: &HttpRequest,
    payload: Payload,
) -> Result<T, Problem> {
    if !is_json(request) {
        return Err(Problem::unsupported_media_type());
    }
    let bytes = read_limited(request, payload).await?;
    if nesting_depth(&bytes) > MAX_NESTING {
        return Err(Problem::validation(vec![FieldError::new(
            "",
            format!("JSON is nested deeper than {MAX_NESTING} levels"),
        )]));
    }
    // One pass over the bytes: a syntax error is a 400, a well-formed value of the wrong shape
    // a 422 naming the field (serde_json tells the two apart).
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        if error.inner().classify() != Category::Data {
            return malformed(error.inner());
        }
        let path = error.path().to_string();
        let message = error.inner().to_string();
        Problem::validation(vec![FieldError::new(field_name(&path, &message), message)])
    })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> Problem {
    Problem::malformed_json(format!("Invalid JSON: {error}."))
}

fn is_json(request: &HttpRequest) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
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

/// The field a serde error is about. For an unknown field the path already ends with it;
/// for a missing or repeated one it names the parent, so the field's name is appended.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
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
            field_name(".", "duplicate field `regions` at line 1 column 40"),
            "regions"
        );
    }
}
