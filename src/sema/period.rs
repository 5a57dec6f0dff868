//! Periods (points in time): `2027`, `2027-03`, `2027-03-31`, `2027-Q1`, each a real date.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Year(u16),
    Quarter(u16, u8),
    Month(u16, u8),
    Day(u16, u8, u8),
}

impl Period {
    /// Parses a period, or `None` when it is not one or is not a real date.
    pub fn parse(text: &str) -> Option<Period> {
        let mut parts = text.split('-');
        let year = parse_digits(parts.next()?, 4)?;
        let period = match (parts.next(), parts.next(), parts.next()) {
            (None, None, None) => Period::Year(year),
            (Some(q), None, None) if q.starts_with('Q') => {
                let quarter = u8::try_from(parse_digits(&q[1..], 1)?).ok()?;
                (1..=4).contains(&quarter).then_some(Period::Quarter(year, quarter))?
            }
            (Some(m), None, None) => {
                let month = u8::try_from(parse_digits(m, 2)?).ok()?;
                (1..=12).contains(&month).then_some(Period::Month(year, month))?
            }
            (Some(m), Some(d), None) => {
                let month = u8::try_from(parse_digits(m, 2)?).ok()?;
                let day = u8::try_from(parse_digits(d, 2)?).ok()?;
                let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
                valid.then_some(Period::Day(year, month, day))?
            }
            _ => return None,
        };
        Some(period)
    }

    /// The last day the period covers, as (year, month, day): "after" compares these.
    pub fn end(self) -> (u16, u8, u8) {
        match self {
            Period::Year(y) => (y, 12, 31),
            Period::Quarter(y, q) => (y, q * 3, days_in_month(y, q * 3)),
            Period::Month(y, m) => (y, m, days_in_month(y, m)),
            Period::Day(y, m, d) => (y, m, d),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Period::Day(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
        }
    }
}

fn parse_digits(text: &str, len: usize) -> Option<u16> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn real_dates_only() {
        assert_eq!(Period::parse("2027"), Some(Period::Year(2027)));
        assert_eq!(Period::parse("2027-Q1"), Some(Period::Quarter(2027, 1)));
        assert_eq!(Period::parse("2028-02-29"), Some(Period::Day(2028, 2, 29)));
        for bad in ["2027-02-30", "2027-13", "2027-Q5", "2027-1", "2100-02-29", "27", "2027-03-31-1"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        assert!(Period::Quarter(2026, 4).end() > Period::Month(2026, 6).end());
    }
}
