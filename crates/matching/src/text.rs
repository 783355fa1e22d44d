//! Normalisation and tokenisation: NFKC, case folding, diacritics folding,
//! punctuation, scripts.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

use crate::hash::FastMap;

/// The script a raw token was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Latin letters and digits.
    Latin,
    /// A run of Han characters (not yet segmented).
    Han,
    /// Cyrillic, Greek, Arabic, Georgian, Armenian or kana text given a
    /// Latin key from the tables.
    Translit,
    /// A run of Hangul syllables, given a Latin key from the tables (the
    /// written syllables are kept for segmenting organisation names).
    Hangul,
    /// Scripts without a table (Hebrew, Thai, Indic scripts...), kept as
    /// written.
    Other,
}

/// A token as cut from the text, before classification (a view into a
/// [`Cut`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTok<'a> {
    /// The folded form: lower-case ASCII for Latin and transliterated
    /// text, the characters themselves for Han and other scripts.
    pub norm: &'a str,
    /// The text as written (after NFKC).
    pub surface: &'a str,
    pub script: Script,
    /// True if the token came before the first comma of the name.
    pub before_comma: bool,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    norm: (u32, u32),
    surface: (u32, u32),
    script: Script,
    before_comma: bool,
}

/// The tokens of a text, their characters in one buffer.
///
/// The buffers come from a per-thread pool and go back to it when the cut
/// is dropped: cutting a name allocates nothing once the pool is warm.
#[derive(Debug, Default)]
pub(crate) struct Cut {
    buf: String,
    spans: Vec<Span>,
    /// Scratch strings of the cutter (the token being built, as folded and
    /// as written, and one folded character), pooled with the cut.
    scratch: [String; 3],
}

/// The buffers of a cut, as the pool keeps them.
#[derive(Default)]
struct Buffers {
    buf: String,
    spans: Vec<Span>,
    scratch: [String; 3],
}

/// Cut buffers kept per thread for reuse.
const CUT_POOL: usize = 4;

thread_local! {
    static POOL: std::cell::RefCell<Vec<Buffers>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Cut {
    /// An empty cut, with buffers from the pool when it has some.
    fn pooled() -> Cut {
        let b = POOL
            .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut c = Cut {
            buf: b.buf,
            spans: b.spans,
            scratch: b.scratch,
        };
        c.buf.clear();
        c.spans.clear();
        c
    }

    /// The tokens.
    pub fn toks(&self) -> Vec<RawTok<'_>> {
        let mut v = Vec::with_capacity(self.spans.len());
        self.toks_into(&mut v);
        v
    }

    /// The tokens, appended to `out` (a buffer of the caller's, so that
    /// nothing is allocated or copied on the way).
    pub fn toks_into<'a>(&'a self, out: &mut impl Extend<RawTok<'a>>) {
        out.extend(self.spans.iter().map(|s| RawTok {
            norm: &self.buf[s.norm.0 as usize..s.norm.1 as usize],
            surface: &self.buf[s.surface.0 as usize..s.surface.1 as usize],
            script: s.script,
            before_comma: s.before_comma,
        }));
    }

    fn push(&mut self, norm: &str, surface: &str, script: Script, before_comma: bool) {
        let a = self.buf.len() as u32;
        self.buf.push_str(norm);
        let b = self.buf.len() as u32;
        self.buf.push_str(surface);
        let c = self.buf.len() as u32;
        self.spans.push(Span {
            norm: (a, b),
            surface: (b, c),
            script,
            before_comma,
        });
    }
}

impl Drop for Cut {
    fn drop(&mut self) {
        // Very long names keep their buffers to themselves.
        if self.buf.capacity() > 4096 {
            return;
        }
        let c = Buffers {
            buf: std::mem::take(&mut self.buf),
            spans: std::mem::take(&mut self.spans),
            scratch: std::mem::take(&mut self.scratch),
        };
        let _ = POOL.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.len() < CUT_POOL {
                    p.push(c);
                }
            }
        });
    }
}

/// Characters to Latin keys (Cyrillic, Greek, Arabic, Georgian, Armenian,
/// kana, Hangul syllables), from the tables.
///
/// Words of Arabic script that letters alone render poorly (no short
/// vowels are written) have a whole-word romanisation beside.
#[derive(Debug, Default)]
pub(crate) struct ScriptMap {
    chars: FastMap<char, Box<str>>,
    arabic_words: std::collections::HashMap<Box<str>, Box<str>>,
}

impl ScriptMap {
    pub fn get(&self, c: &char) -> Option<&str> {
        self.chars.get(c).map(|s| &**s)
    }

    #[cfg(test)]
    pub fn contains_key(&self, c: &char) -> bool {
        self.chars.contains_key(c)
    }

    pub fn insert(&mut self, c: char, latin: Box<str>) {
        self.chars.insert(c, latin);
    }

    /// Adds the romanisation of an Arabic-script word.
    pub fn insert_arabic_word(&mut self, word: &str, latin: &str) {
        self.arabic_words
            .insert(arabic_key(word).into(), latin.into());
    }

    /// The romanisation of an Arabic-script word, with the article when it
    /// is written with one ("الوطنية" -> "al wataniya").
    fn arabic_word(&self, word: &str) -> Option<std::borrow::Cow<'_, str>> {
        if self.arabic_words.is_empty() {
            return None;
        }
        let key = arabic_key(word);
        if let Some(l) = self.arabic_words.get(key.as_str()) {
            return Some(std::borrow::Cow::Borrowed(l));
        }
        for (article, latin) in [("ال", "al"), ("لل", "lil")] {
            if let Some(rest) = key.strip_prefix(article) {
                if rest.chars().count() >= 2 {
                    if let Some(l) = self.arabic_words.get(rest) {
                        return Some(std::borrow::Cow::Owned(format!("{latin} {l}")));
                    }
                }
            }
        }
        None
    }
}

/// An Arabic-script word as the word table keys it: hamza-carrying alifs as
/// plain alif, Persian yeh and alif maqsura as yeh, Persian kaf as kaf.
fn arabic_key(word: &str) -> String {
    word.chars()
        .filter_map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ی' | 'ى' => Some('ي'),
            'ک' => Some('ك'),
            'ۀ' => Some('ه'),
            '\u{0640}' => None,
            c => Some(c),
        })
        .collect()
}

/// True for letters of the Arabic script blocks.
pub(crate) fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x3007)
}

/// True for precomposed Hangul syllables.
pub(crate) fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ' | 'ʻ' | '´' | 'ʿ' | 'ʾ')
}

/// Folds one lower-case Latin character to ASCII, appending to `out`.
/// Returns false if the character is not a Latin letter or digit.
fn fold_latin(c: char, out: &mut String) -> bool {
    if c.is_ascii_alphanumeric() {
        out.push(c.to_ascii_lowercase());
        return true;
    }
    let special = match c {
        'ß' => Some("ss"),
        'æ' => Some("ae"),
        'œ' => Some("oe"),
        'ø' => Some("o"),
        'ł' => Some("l"),
        'đ' | 'ð' => Some("d"),
        'þ' => Some("th"),
        'ı' => Some("i"),
        'ŀ' => Some("l"),
        'ħ' => Some("h"),
        _ => None,
    };
    if let Some(s) = special {
        out.push_str(s);
        return true;
    }
    let mut pushed = false;
    decompose_canonical(c, |d| {
        if d.is_ascii_alphanumeric() {
            out.push(d.to_ascii_lowercase());
            pushed = true;
        }
    });
    pushed
}

struct Cutter<'a> {
    map: &'a ScriptMap,
    out: Cut,
    norm: String,
    surface: String,
    script: Script,
    before_comma: bool,
    /// The current token was built from dotted single letters ("s.a").
    dotted: bool,
    /// Scratch space for folding one character.
    tmp: String,
}

impl Cutter<'_> {
    /// The cut, its scratch strings handed back for the pool.
    fn finish(mut self) -> Cut {
        self.out.scratch = [
            std::mem::take(&mut self.norm),
            std::mem::take(&mut self.surface),
            std::mem::take(&mut self.tmp),
        ];
        self.out
    }
}

impl Cutter<'_> {
    fn flush(&mut self) {
        if self.script == Script::Translit
            && !self.norm.is_empty()
            && self.surface.chars().next().is_some_and(is_arabic)
        {
            if let Some(latin) = self.map.arabic_word(&self.surface) {
                for w in latin.split(' ').filter(|w| !w.is_empty()) {
                    self.out
                        .push(w, &self.surface, Script::Translit, self.before_comma);
                }
                self.norm.clear();
                self.surface.clear();
                self.dotted = false;
                return;
            }
        }
        if !self.norm.is_empty() {
            self.out
                .push(&self.norm, &self.surface, self.script, self.before_comma);
        }
        self.norm.clear();
        self.surface.clear();
        self.dotted = false;
    }

    fn switch(&mut self, script: Script) {
        if self.script != script && !self.norm.is_empty() {
            let both_latinish = matches!(self.script, Script::Latin | Script::Translit)
                && matches!(script, Script::Latin | Script::Translit);
            if !both_latinish {
                self.flush();
            }
        }
        if self.norm.is_empty() || self.script == Script::Latin {
            self.script = script;
        }
    }
}

/// Cuts a name into raw tokens.
pub(crate) fn tokenize(text: &str, map: &ScriptMap) -> Cut {
    cut(text, map, text.is_ascii())
}

/// [`tokenize`], by the ASCII path (`ascii`, for ASCII text only) or the
/// general one.
fn cut(text: &str, map: &ScriptMap, ascii: bool) -> Cut {
    let mut out = Cut::pooled();
    out.buf.reserve(text.len() * 2 + 8);
    let [mut norm, mut surface, mut tmp] = std::mem::take(&mut out.scratch);
    norm.clear();
    surface.clear();
    tmp.clear();
    let mut c = Cutter {
        map,
        out,
        norm,
        surface,
        script: Script::Latin,
        before_comma: true,
        dotted: false,
        tmp,
    };
    if ascii {
        cut_ascii(&mut c, text);
    } else {
        cut_chars(&mut c, text);
    }
    c.flush();
    c.finish()
}

/// The ASCII path of [`tokenize`]: runs of letters and digits are copied
/// whole; it cuts exactly as [`cut_chars`] does.
fn cut_ascii(c: &mut Cutter<'_>, text: &str) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x.is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let from = c.norm.len();
            c.norm.push_str(&text[start..i]);
            c.norm[from..].make_ascii_lowercase();
            c.surface.push_str(&text[start..i]);
            continue;
        }
        i += 1;
        match x {
            b'\'' | b'`' => {}
            b'&' | b'+' => {
                c.flush();
                let sym = if x == b'&' { "&" } else { "+" };
                c.out.push("and", sym, Script::Latin, c.before_comma);
            }
            b'.' => {
                let next_letter = b.get(i).is_some_and(u8::is_ascii_alphabetic);
                let next_single =
                    next_letter && b.get(i + 1).is_none_or(|n| !n.is_ascii_alphanumeric());
                if next_single && (c.norm.len() == 1 || c.dotted) {
                    c.dotted = true;
                    c.surface.push('.');
                } else {
                    c.flush();
                }
            }
            b',' => {
                c.flush();
                c.before_comma = false;
            }
            _ => c.flush(),
        }
    }
}

/// The general path of [`tokenize`], character by character after NFKC.
fn cut_chars(c: &mut Cutter<'_>, text: &str) {
    // ASCII text is its own NFKC form; short names stay on the stack.
    let mut stack = ['\0'; 128];
    let heap: Vec<char>;
    let chars: &[char] = if text.is_ascii() && text.len() <= stack.len() {
        for (slot, b) in stack.iter_mut().zip(text.bytes()) {
            *slot = b as char;
        }
        &stack[..text.len()]
    } else if text.is_ascii() {
        heap = text.chars().collect();
        &heap
    } else {
        heap = text.nfkc().collect();
        &heap
    };
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if ch.is_ascii_alphanumeric() {
            c.switch(Script::Latin);
            c.norm.push(ch.to_ascii_lowercase());
            c.surface.push(ch);
            continue;
        }
        if is_han(ch) {
            c.switch(Script::Han);
            c.norm.push(ch);
            c.surface.push(ch);
            continue;
        }
        if is_hangul(ch) {
            c.switch(Script::Hangul);
            if let Some(lat) = c.map.get(&ch) {
                c.norm.push_str(lat);
            }
            c.surface.push(ch);
            continue;
        }
        if is_apostrophe(ch) || is_combining_mark(ch) || ch == '\u{200b}' || ch == '\u{ad}' {
            continue;
        }
        if ch == '&' || ch == '+' {
            c.flush();
            let mut sym = [0u8; 4];
            c.out.push(
                "and",
                ch.encode_utf8(&mut sym),
                Script::Latin,
                c.before_comma,
            );
            continue;
        }
        if ch == '.' {
            // "s.a." -> "sa", "l.l.c." -> "llc"; otherwise a separator.
            let cur_len = c.norm.chars().count();
            let next_letter = chars.get(i).is_some_and(|n| n.is_alphabetic());
            let next_single = next_letter && chars.get(i + 1).is_none_or(|n| !n.is_alphanumeric());
            if c.script != Script::Han && next_single && (cur_len == 1 || c.dotted) {
                c.dotted = true;
                c.surface.push(ch);
                continue;
            }
            c.flush();
            continue;
        }
        if ch == ',' {
            c.flush();
            c.before_comma = false;
            continue;
        }
        let mut handled = false;
        for l in ch.to_lowercase() {
            if let Some(lat) = c.map.get(&l) {
                c.switch(Script::Translit);
                c.norm.push_str(lat);
                handled = true;
            } else if l.is_alphanumeric() {
                let before = c.norm.len();
                c.tmp.clear();
                if fold_latin(l, &mut c.tmp) {
                    c.switch(Script::Latin);
                    c.norm.push_str(&c.tmp);
                } else {
                    c.switch(Script::Other);
                    c.norm.push(l);
                }
                handled = handled || c.norm.len() > before;
            }
        }
        if handled {
            c.surface.push(ch);
        } else {
            // Whitespace, punctuation, symbols and marks without a mapping
            // (e.g. Arabic vowel signs) separate or vanish.
            if ch.is_whitespace() || ch.is_ascii_punctuation() || !ch.is_alphanumeric() {
                let is_mark = matches!(ch as u32, 0x064B..=0x065F | 0x0670 | 0x0640);
                if !is_mark {
                    c.flush();
                }
            }
        }
    }
}

/// Folds a text to lower-case ASCII words joined by single spaces, the form
/// of the tables' Latin sides.
pub(crate) fn fold_words(text: &str, map: &ScriptMap) -> String {
    let cut = tokenize(text, map);
    let mut s = String::with_capacity(text.len());
    for t in cut.toks() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(t.norm);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(s: &str) -> Vec<String> {
        let map = ScriptMap::default();
        tokenize(s, &map)
            .toks()
            .into_iter()
            .map(|t| t.norm.to_string())
            .collect()
    }

    fn spans(c: &Cut) -> Vec<(String, String, Script, bool)> {
        c.toks()
            .iter()
            .map(|t| (t.norm.into(), t.surface.into(), t.script, t.before_comma))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn ascii_path_cuts_as_the_general_one(text in "[a-zA-Z0-9 .,&+'`()/\\-]{0,40}") {
            let map = ScriptMap::default();
            let fast = spans(&cut(&text, &map, true));
            let general = spans(&cut(&text, &map, false));
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(
            norms("Société Générale, S.A."),
            ["societe", "generale", "sa"]
        );
        assert_eq!(
            norms("HUAWEI TECHNOLOGIES CO., LTD."),
            ["huawei", "technologies", "co", "ltd"]
        );
        assert_eq!(norms("INT'L L.L.C."), ["intl", "llc"]);
        assert_eq!(
            norms("J & E S. DE R.L. DE C.V."),
            ["j", "and", "e", "s", "de", "rl", "de", "cv"]
        );
        assert_eq!(norms("Straße Łódź"), ["strasse", "lodz"]);
        assert_eq!(norms("11420 CORP."), ["11420", "corp"]);
        assert_eq!(norms("AL-HUDA"), ["al", "huda"]);
    }

    #[test]
    fn fullwidth_and_han_runs() {
        assert_eq!(norms("ＡＢＣ１２"), ["abc12"]);
        assert_eq!(
            norms("中微半导体设备（上海）股份有限公司"),
            ["中微半导体设备", "上海", "股份有限公司"]
        );
        assert_eq!(norms("华为Huawei"), ["华为", "huawei"]);
    }

    #[test]
    fn comma_marks_tokens() {
        let map = ScriptMap::default();
        let cut = tokenize("BARAKAT, Assad", &map);
        let t = cut.toks();
        assert!(t[0].before_comma);
        assert!(!t[1].before_comma);
    }
}
