//! The contract's word for an enum value, as serde writes it (`not_enabled`, `security_hub`):
//! one spelling for responses, summaries and metric labels.

/// The wire word of `value`; empty for a value that does not serialize as a string.
pub fn wire_word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}
