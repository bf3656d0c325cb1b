//! The request context: what the caller knows about the request's condition keys.
//!
//! IAM condition key names are case-insensitive (`aws:SourceIp` and
//! `AWS:sourceip` are the same key), so keys are stored lower-cased once on
//! insertion; the evaluator looks them up with keys it lower-cased at parse
//! time, and no lookup allocates.
//!
//! A key that is absent here is *unknown* to the evaluator, not known to be
//! absent from the real request: only `Null` and `...IfExists` conditions,
//! which are about absence, treat it as absent. Everything else that needs
//! it becomes undecidable. A key the caller *knows* the request lacks (calls
//! signed with long-term access keys never carry `aws:MultiFactorAuthPresent`)
//! is recorded with [`Context::absent`], and then every condition on it is
//! decided as IAM decides a missing key.
//!
//! A key is *multivalued* when AWS documents it so ([`MULTIVALUED_KEYS`]), when
//! the caller gives it as a list ([`Context::set`]), or when it has several
//! values; the condition operators treat such keys apart.

use std::collections::{BTreeMap, BTreeSet};

/// The global condition keys AWS documents as multivalued ("Value type:
/// Multivalued" in "AWS global condition context keys"), lower-cased.
pub(crate) const MULTIVALUED_KEYS: [&str; 4] = [
    "aws:tagkeys",
    "aws:calledvia",
    "aws:principalservicenameslist",
    "aws:principalorgpaths",
];

/// Condition key values known for a request, keyed case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
    /// Lower-cased keys the caller gave as a list, whatever its length.
    lists: BTreeSet<String>,
    /// Lower-cased keys known to be missing from the request.
    absent: BTreeSet<String>,
}

impl Context {
    /// An empty context: every condition that needs a key is undecidable.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder form of [`Context::insert`].
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Builder: records that the request is known not to carry `key`.
    #[must_use]
    pub fn absent(mut self, key: &str) -> Self {
        let key = key.to_lowercase();
        self.values.remove(&key);
        self.lists.remove(&key);
        self.absent.insert(key);
        self
    }

    /// Whether the (lower-cased) `key`, whose values here are `values`, is
    /// multivalued: several values, given as a list, or documented so.
    pub(crate) fn is_multivalued(&self, key: &str, values: &[String]) -> bool {
        values.len() > 1 || self.lists.contains(key) || MULTIVALUED_KEYS.contains(&key)
    }

    /// Whether the (lower-cased) `key` is known to be missing from the request.
    pub(crate) fn is_absent_lowercase(&self, key: &str) -> bool {
        self.absent.contains(key)
    }

    /// Adds one value for `key` (a key may hold several values, e.g. `aws:TagKeys`).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        let key = key.to_lowercase();
        self.absent.remove(&key);
        self.values.entry(key).or_default().push(value.into());
    }

    /// Replaces all values of `key`, given as a list: the key is multivalued
    /// even with one value. An empty list records a key that is present with no
    /// values, which `ForAllValues` treats as vacuously true.
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        let key = key.to_lowercase();
        self.absent.remove(&key);
        self.lists.insert(key.clone());
        self.values.insert(key, values);
    }

    /// The values of `key` (any case), if the key is known.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lowercase(&key.to_lowercase())
    }

    /// Lookup with a key that is already lower-cased (the evaluator's path).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.values.get(key).map(Vec::as_slice)
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no key is known.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Keys (lower-cased) and their values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for Context {
    /// Collects `(key, value)` pairs; repeated keys accumulate values.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut context = Context::new();
        for (key, value) in iter {
            context.insert(key.as_ref(), value);
        }
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_accumulate() {
        let ctx = Context::new()
            .with("aws:TagKeys", "a")
            .with("AWS:tagkeys", "b");
        assert_eq!(
            ctx.get("aws:tagKeys"),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(ctx.len(), 1);
        assert!(ctx.get("aws:username").is_none());
        let ctx = ctx.absent("aws:MultiFactorAuthPresent");
        assert!(ctx.is_absent_lowercase("aws:multifactorauthpresent"));
        assert!(ctx.get("aws:MultiFactorAuthPresent").is_none());
    }
}
