//! The nearest known name to a mistyped one ("did you mean pass?"), for messages about a
//! backend, a scheme or a profile that does not exist. Below every stage, like `env`.

/// The candidate closest to `typed` by edit distance, when it is close: at most one edit
/// for short names, two for longer ones. Ties go to the first candidate.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if typed.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (distance(&typed.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, with a swap of two neighbours counting as one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_name_is_suggested_and_a_far_one_is_not() {
        let backends = ["gopass", "keyring", "lpass", "op", "pass", "ykman"];
        assert_eq!(nearest("pas", backends), Some("pass"));
        assert_eq!(nearest("psas", backends), Some("pass"));
        assert_eq!(nearest("keyrign", backends), Some("keyring"));
        assert_eq!(nearest("Gopas", backends), Some("gopass"));
        assert_eq!(nearest("bitwarden", backends), None);
        assert_eq!(nearest("vault", backends), None);
        assert_eq!(nearest("pass", backends), Some("pass"));
        assert_eq!(nearest("x", []), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
