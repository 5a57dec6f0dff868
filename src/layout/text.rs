//! Text measured, not guessed: the advance widths of Helvetica (regular and bold, from
//! Adobe's AFM files; Arial and Liberation Sans share them) for printable ASCII, so a
//! box is as wide as its words. Other characters take a width by class: none for marks
//! and joiners, a full em for wide (East Asian, emoji) ones, and an average lowercase
//! width for the rest.

use crate::export::{char_width, is_extender};

/// Advance widths in thousandths of an em of `' '..='~'`, Helvetica regular.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'..'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // 'A'..'Z'
    278, 278, 278, 469, 556, 333, // '['..'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, // 'a'..'z'
    334, 260, 334, 584, // '{'..'~'
];

/// The same for Helvetica bold.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'..'9'
    333, 333, 584, 584, 584, 611, 975, // ':'..'@'
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // 'A'..'Z'
    333, 278, 333, 584, 556, 333, // '['..'`'
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
    556, 556, 500, // 'a'..'z'
    389, 280, 389, 584, // '{'..'~'
];

/// The width of `c` in thousandths of an em.
fn advance(c: char, bold: bool) -> u32 {
    let table = if bold { &BOLD } else { &REGULAR };
    match c {
        ' '..='~' => u32::from(table[c as usize - 0x20]),
        _ if is_extender(c) => 0,
        _ if char_width(c) == 2 => 1000,
        // Latin-1 letters and most other scripts: about a lowercase letter.
        _ => {
            if bold {
                611
            } else {
                556
            }
        }
    }
}

/// The width of `text` in pixels at `size` pixels per em.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    let thousandths: u64 = text.chars().map(|c| u64::from(advance(c, bold))).sum();
    thousandths as f64 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font() {
        // "Profit": P 667 + r 333 + o 556 + f 278 + i 222 + t 278 = 2334.
        assert!((width("Profit", 10.0, false) - 23.34).abs() < 1e-9);
        assert!(width("Profit", 10.0, true) > width("Profit", 10.0, false));
        assert!(width("WWW", 11.0, false) > width("iii", 11.0, false) * 3.0);
        assert_eq!(width("", 11.0, false), 0.0);
        // A wide character takes an em, a combining mark nothing.
        assert!((width("顧", 10.0, false) - 10.0).abs() < 1e-9);
        assert!((width("e\u{301}", 10.0, false) - 5.56).abs() < 1e-9);
    }
}
