//! What a diagnosis is doing as it goes, for whoever watches: the command line shows it while
//! the service does not watch.

/// Told each step of a diagnosis as it begins.
pub trait Progress: Send + Sync {
    /// A step began, e.g. "Verifying the credentials with STS".
    fn step(&self, what: &str);
}

/// Nobody watches.
pub struct Unwatched;

impl Progress for Unwatched {
    fn step(&self, _what: &str) {}
}
