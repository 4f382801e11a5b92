//! "Did you mean" suggestions: the nearest candidate by edit distance, if it is close enough.

/// Returns the candidate nearest to `word` (Damerau-Levenshtein, ASCII case ignored), when the
/// distance is at most a third of the word's length (at least 1, at most 3).
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn suggests_close_names_only() {
        let kw = [
            "contain",
            "contain-all",
            "contain-any",
            "regexMatch",
            "isEmpty",
        ];
        assert_eq!(nearest("contains-all", kw), Some("contain-all"));
        assert_eq!(nearest("regexmatch", kw), Some("regexMatch"));
        assert_eq!(nearest("isempty", kw), Some("isEmpty"));
        assert_eq!(nearest("banana", kw), None);
    }
}
