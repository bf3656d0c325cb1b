//! Setting up IAM identities and policies in moto for the permission tests.
