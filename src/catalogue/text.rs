//! Text normalisation shared by validation and matching: lower-case words, punctuation dropped.

/// A text reduced to its lower-case alphanumeric words, for whole-word phrase search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Words {
    /// The words joined by single spaces, with one space before and after (" a b c ").
    padded: String,
}

impl Words {
    /// Splits `text` on every non-alphanumeric character and lower-cases the words.
    pub(crate) fn new(text: &str) -> Words {
        let mut padded = String::with_capacity(text.len() + 2);
        padded.push(' ');
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            padded.extend(word.chars().flat_map(char::to_lowercase));
            padded.push(' ');
        }
        Words { padded }
    }

    /// True when the text has no word at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.padded.len() <= 1
    }

    /// True when `phrase` (itself normalised) occurs as a sequence of whole words.
    pub(crate) fn contains(&self, phrase: &Words) -> bool {
        self.position(phrase).is_some()
    }

    /// True when `phrase` (itself normalised) occurs as a sequence of words whose last may go on
    /// (`quarantine` is found in "...quarantinev2"): the words of a pattern ending in `*`.
    pub(crate) fn contains_prefix(&self, phrase: &Words) -> bool {
        !phrase.is_empty() && self.padded.contains(phrase.padded.trim_end())
    }

    /// Where `phrase` (itself normalised) first occurs as a sequence of whole words: an offset
    /// that orders occurrences in this text, nothing more.
    pub(crate) fn position(&self, phrase: &Words) -> Option<usize> {
        if phrase.is_empty() {
            return None;
        }
        self.padded.find(phrase.padded.as_str())
    }
}
