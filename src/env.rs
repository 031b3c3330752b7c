//! Environment lookups every stage uses. It sits below all of them (never in the flow), so
//! no module has to import the flow for a variable.

/// A variable's value, with empty treated as unset.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
