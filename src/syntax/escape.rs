//! String escapes (spec §3): one decoder for both parsers, so that they cannot disagree
//! on a string's value.

use super::ast::Text;

/// An escape that is not one of the language's, by byte range within the raw body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadEscape {
    /// `\u` not followed by `{`, 1 to 6 hex digits of a Unicode scalar value, and `}`.
    Unicode { start: usize, end: usize },
    /// `\q`: kept as the character after the backslash.
    Unknown { start: usize, end: usize, ch: char },
}

/// Decodes the body of a string literal (the text between its quotes), calling `bad` for
/// every escape that is not `\"`, `\\`, `\n`, `\t` or `\u{...}`.
pub fn unescape(raw: &str, mut bad: impl FnMut(BadEscape)) -> Text {
    if !raw.contains('\\') {
        return Text::from(raw);
    }
    let mut out = Text::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else { break };
        chars.next();
        match next {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'u' => match unicode_escape(&raw[i..]) {
                Some((ch, len)) => {
                    out.push(ch);
                    // Skip the rest of `\u{...}` (ASCII only): `\u` is consumed already.
                    for _ in 0..len - 2 {
                        chars.next();
                    }
                }
                None => {
                    let end = raw[i..].find('}').map_or(i + 2, |e| i + e + 1).min(raw.len());
                    bad(BadEscape::Unicode { start: i, end });
                }
            },
            other => {
                bad(BadEscape::Unknown { start: i, end: i + 1 + other.len_utf8(), ch: other });
                out.push(other);
            }
        }
    }
    out
}

/// Decodes `\u{XXXX}` at the start of `raw`: the character and the escape's byte length.
fn unicode_escape(raw: &str) -> Option<(char, usize)> {
    let rest = raw.strip_prefix("\\u{")?;
    let end = rest.find('}')?;
    let hex = &rest[..end];
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch, 3 + end + 1))
}
