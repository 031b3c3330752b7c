//! Integration tests: one binary (autotests = false).
