//! The permission probe against moto and the scripted fake.
