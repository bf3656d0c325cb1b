//! Date values for the `Date*` condition operators.
//!
//! IAM accepts ISO 8601 dates and times (`2024-06-30`, `2024-06-30T12:00:00Z`,
//! with optional fractional seconds and a `Z` or `±hh:mm` offset) and epoch
//! seconds (`1719748800`). Both are turned into an instant on one UTC time
//! line so they compare with each other. The crate has no date library, so
//! the civil-to-days conversion is done here (Howard Hinnant's algorithm).

/// An instant: seconds since the Unix epoch plus nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timestamp {
    seconds: i64,
    nanos: u32,
}

/// Parses an ISO 8601 date/date-time or epoch seconds; `None` if neither.
pub(crate) fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Timestamp {
            seconds: text.parse().ok()?,
            nanos: 0,
        });
    }
    parse_iso8601(text.as_bytes())
}

/// A forward-only reader over ASCII bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Exactly `count` decimal digits.
    fn number(&mut self, count: usize) -> Option<i64> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0i64;
        for b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

fn parse_iso8601(bytes: &[u8]) -> Option<Timestamp> {
    let mut c = Cursor { bytes, pos: 0 };
    let year = c.number(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.number(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.number(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    let mut nanos = 0u32;
    if c.done() {
        return Some(Timestamp { seconds, nanos });
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.number(2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.number(2)?;
    let mut second = 0;
    if c.eat(b':') {
        second = c.number(2)?;
        if c.eat(b'.') || c.eat(b',') {
            let mut scale = 100_000_000u32;
            let mut any = false;
            while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                nanos += u32::from(b - b'0') * scale;
                scale /= 10;
                any = true;
                c.pos += 1;
            }
            if !any {
                return None;
            }
        }
    }
    // 60 allows a leap second to parse; it then counts as the next minute.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3_600 + minute * 60 + second;
    // No zone designator means UTC, which is what IAM's own values use.
    match c.peek() {
        None => {}
        Some(b'Z' | b'z') => c.pos += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let off_hours = c.number(2)?;
            let off_minutes = if c.done() {
                0
            } else {
                c.eat(b':');
                c.number(2)?
            };
            if off_hours > 23 || off_minutes > 59 {
                return None;
            }
            let offset = off_hours * 3_600 + off_minutes * 60;
            // Local time = UTC + offset, so UTC = local - offset.
            seconds += if sign == b'+' { -offset } else { offset };
        }
        Some(_) => return None,
    }
    c.done().then_some(Timestamp { seconds, nanos })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> Option<i64> {
        parse_timestamp(text).map(|t| t.seconds)
    }

    #[test]
    fn known_instants() {
        assert_eq!(secs("1970-01-01"), Some(0));
        assert_eq!(secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(secs("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(secs("2024-06-30T12:00:00Z"), Some(1_719_748_800));
        assert_eq!(secs("2024-06-30T14:00:00+02:00"), Some(1_719_748_800));
        assert_eq!(secs("2024-06-30T07:00:00-0500"), Some(1_719_748_800));
        assert_eq!(secs("1719748800"), Some(1_719_748_800));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn fractions_order_correctly() {
        let a = parse_timestamp("2024-01-01T00:00:00.5Z");
        let b = parse_timestamp("2024-01-01T00:00:00.25Z");
        assert!(a > b);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00Q",
            "2024-01-01T00:00:00.Z",
            "yesterday",
            "-",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(parse_timestamp("2024-02-29").is_some());
    }
}
