//! Highlighting of the query's words in a matched name.

use maud::{html, Markup};

/// Folds a word for comparison: lower case, letters and digits only.
fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits `name` into (text, highlighted) runs: a Latin word is
/// highlighted when it starts with a query word of two letters or more (or
/// equals a shorter one); a Han character when the query contains it.
pub fn runs(name: &str, query: &str) -> Vec<(String, bool)> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric() || is_han(c))
        .map(fold)
        .filter(|w| !w.is_empty())
        .collect();
    let han: Vec<char> = query.chars().filter(|c| is_han(*c)).collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut push = |text: &str, hit: bool| match out.last_mut() {
        Some((t, h)) if *h == hit => t.push_str(text),
        _ => out.push((text.to_string(), hit)),
    };
    let mut word = String::new();
    let flush = |word: &mut String, push: &mut dyn FnMut(&str, bool)| {
        if word.is_empty() {
            return;
        }
        let f = fold(word);
        let hit = !f.is_empty()
            && words
                .iter()
                .any(|q| f == *q || (q.chars().count() >= 2 && f.starts_with(q.as_str())));
        push(word, hit);
        word.clear();
    };
    for c in name.chars() {
        if is_han(c) {
            flush(&mut word, &mut push);
            let mut buf = [0u8; 4];
            push(c.encode_utf8(&mut buf), han.contains(&c));
        } else if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut push);
            let mut buf = [0u8; 4];
            push(c.encode_utf8(&mut buf), false);
        }
    }
    flush(&mut word, &mut push);
    out
}

/// `name` with the query's words wrapped in `<mark>`.
pub fn highlight(name: &str, query: &str) -> Markup {
    html! {
        @for (text, hit) in runs(name, query) {
            @if hit { mark { (text) } } @else { (text) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_words_and_prefixes() {
        let h = highlight("XIAOMI CORPORATION", "xiaomi corp").into_string();
        assert_eq!(h, "<mark>XIAOMI</mark> <mark>CORPORATION</mark>");
        let h = highlight("Hangzhou Hikvision Digital Technology", "hikvision").into_string();
        assert_eq!(h, "Hangzhou <mark>Hikvision</mark> Digital Technology");
    }

    #[test]
    fn marks_han_characters() {
        let h = highlight("杭州海康威视数字技术股份有限公司", "海康威视").into_string();
        assert_eq!(h, "杭州<mark>海康威视</mark>数字技术股份有限公司");
    }

    #[test]
    fn escapes_and_ignores_one_letter_prefixes() {
        let h = highlight("A&B <Co>", "a").into_string();
        assert_eq!(h, "<mark>A</mark>&amp;B &lt;Co&gt;");
        let h = highlight("Apple", "a").into_string();
        assert_eq!(h, "Apple");
    }
}
