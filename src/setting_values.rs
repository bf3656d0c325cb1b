//! How setting values are written: durations (`250ms`, `5s`, `2m`, `1h`, a bare number is
//! seconds), positive counts, and URLs of a known scheme. Each part's settings name these as
//! their parsers, so a flag, a variable and a file key are all read and checked alike.

use std::time::Duration;

use crate::domain::Secret;

/// A duration such as `500ms`, `5s`, `2m` or `1h`; a bare number means seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 500ms, 5s, 2m or 1h"))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(value)),
        "" | "s" => Ok(Duration::from_secs(value)),
        "m" => Ok(Duration::from_secs(value * 60)),
        "h" => Ok(Duration::from_secs(value * 3600)),
        other => Err(format!("unknown duration unit `{other}` in `{text}`")),
    }
}

/// A duration longer than zero.
pub fn positive_duration(text: &str) -> Result<Duration, String> {
    duration(text).and_then(|value| match value.is_zero() {
        true => Err("must be longer than zero".to_owned()),
        false => Ok(value),
    })
}

/// A count of at least one.
pub fn positive(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(value) => Ok(value),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// A URL starting with `http://` or `https://`.
pub fn http_url(text: &str) -> Result<String, String> {
    match text.starts_with("http://") || text.starts_with("https://") {
        true => Ok(text.to_owned()),
        false => Err("must start with http:// or https://".to_owned()),
    }
}

/// A Redis URL (`redis://` or `rediss://`); it may hold a password, so it is kept as a secret.
pub fn redis_url(text: &str) -> Result<Secret, String> {
    match text.starts_with("redis://") || text.starts_with("rediss://") {
        true => Ok(Secret::new(text)),
        // The value is not repeated: it may hold a password.
        false => Err("must start with redis:// or rediss://".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("7"), Ok(Duration::from_secs(7)));
        assert!(duration("5 parsecs").is_err());
        assert!(duration("").is_err());
        assert!(positive_duration("0s").is_err());
    }

    #[test]
    fn counts_and_urls_are_checked() {
        assert_eq!(positive("3"), Ok(3));
        assert!(positive("0").is_err());
        assert!(http_url("ftp://x").is_err());
        assert!(redis_url("http://x").is_err());
        assert!(redis_url("rediss://:pw@h:6380").is_ok());
    }
}
