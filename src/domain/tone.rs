//! How good the news a contract word carries is, for the pages and terminals that show it: a
//! colour goes with it, never instead of it.

/// Good, a warning, bad, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Works: `healthy`, `pass`, `enabled`, `recording`, `logging`, `allowed`.
    Good,
    /// Works partly, or not set up: `degraded`, `not_enabled`, `unknown`, ...
    Warn,
    /// Does not work: `unhealthy`, `fail`, `error`, `implicit_deny`, `explicit_deny`.
    Bad,
    /// Says nothing good or bad: `skipped`, `info`.
    Neutral,
}

impl Tone {
    /// The tone of a contract word (`wire_word` of a status, state, decision or severity).
    pub fn of(word: &str) -> Self {
        match word {
            "healthy" | "pass" | "enabled" | "recording" | "logging" | "allowed" => Tone::Good,
            "unhealthy" | "fail" | "error" | "implicit_deny" | "explicit_deny" => Tone::Bad,
            "skipped" | "info" => Tone::Neutral,
            _ => Tone::Warn,
        }
    }

    /// Its name, e.g. as a CSS class: `good`, `warn`, `bad`, `neutral`.
    pub fn name(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Neutral => "neutral",
        }
    }
}
