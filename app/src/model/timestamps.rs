//! Times as the pages write them. Hand-rolled rather than through `time`'s format
//! descriptions: a queue page writes 200 of them, and the interpreter behind those
//! descriptions was 3 % of the server's CPU on that page (bench/RESULTS.md).

use time::{OffsetDateTime, UtcOffset};

/// `2026-11-22 04:03 UTC`: absolute and unambiguous across time zones.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let mut out = String::with_capacity(20);
    push_timestamp(&mut out, at);
    out
}

/// Appends `format_timestamp(at)` to `out`.
pub fn push_timestamp(out: &mut String, at: OffsetDateTime) {
    push_date_time(out, at, ' ', false);
    out.push_str(" UTC");
}

/// Appends `2026-11-22T04:03:59Z` (RFC 3339 in UTC, whole seconds: what a `datetime`
/// attribute or a reader needs) to `out`.
pub fn push_machine_time(out: &mut String, at: OffsetDateTime) {
    push_date_time(out, at, 'T', true);
    out.push('Z');
}

/// Appends `2026-11-22`, the day in UTC.
pub fn push_date(out: &mut String, at: OffsetDateTime) {
    let (year, month, day) = at.to_offset(UtcOffset::UTC).to_calendar_date();
    match four_digits(year) {
        Some(year) => {
            let mut text = *b"0000-00-00";
            text[..4].copy_from_slice(&year);
            text[5..7].copy_from_slice(&two_digits(u8::from(month)));
            text[8..].copy_from_slice(&two_digits(day));
            push_ascii(out, &text);
        }
        None => push_far_year(out, year, u8::from(month), day),
    }
}

fn push_date_time(out: &mut String, at: OffsetDateTime, separator: char, seconds: bool) {
    // Each field worked out once, the text written in one go: a queue page writes three
    // of these a row, and field-by-field pushes were 8 % of its instructions.
    let at = at.to_offset(UtcOffset::UTC);
    let (year, month, day) = at.to_calendar_date();
    let (hour, minute, second) = at.to_hms();
    let Some(year) = four_digits(year) else {
        push_far_year(out, year, u8::from(month), day);
        out.push(separator);
        out.push_str(&format!("{hour:02}:{minute:02}"));
        if seconds {
            out.push_str(&format!(":{second:02}"));
        }
        return;
    };
    let mut text = *b"0000-00-00T00:00:00";
    text[..4].copy_from_slice(&year);
    text[5..7].copy_from_slice(&two_digits(u8::from(month)));
    text[8..10].copy_from_slice(&two_digits(day));
    text[10] = separator as u8;
    text[11..13].copy_from_slice(&two_digits(hour));
    text[14..16].copy_from_slice(&two_digits(minute));
    text[17..].copy_from_slice(&two_digits(second));
    push_ascii(out, if seconds { &text } else { &text[..16] });
}

/// A year of four digits, as text; `None` outside 0–9999, where there is no fixed width.
fn four_digits(year: i32) -> Option<[u8; 4]> {
    let year = u16::try_from(year).ok().filter(|year| *year <= 9999)?;
    let [a, b] = two_digits((year / 100) as u8);
    let [c, d] = two_digits((year % 100) as u8);
    Some([a, b, c, d])
}

/// `n` (below 100) as two digits, zero-padded.
fn two_digits(n: u8) -> [u8; 2] {
    [b'0' + n / 10 % 10, b'0' + n % 10]
}

/// A date whose year has no four-digit form; said plainly.
fn push_far_year(out: &mut String, year: i32, month: u8, day: u8) {
    out.push_str(&format!("{year}-{month:02}-{day:02}"));
}

fn push_ascii(out: &mut String, text: &[u8]) {
    // Only ASCII digits and punctuation are ever written into `text`.
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn written_like_the_format_descriptions_would() {
        let at = datetime!(2026-03-04 05:06:07.891 +02:00);
        assert_eq!(format_timestamp(at), "2026-03-04 03:06 UTC");
        let mut machine = String::new();
        push_machine_time(&mut machine, at);
        assert_eq!(machine, "2026-03-04T03:06:07Z");
        let mut day = String::new();
        push_date(&mut day, datetime!(2026-03-04 23:30 -02:00));
        assert_eq!(day, "2026-03-05");
        let parsed =
            OffsetDateTime::parse(&machine, &time::format_description::well_known::Rfc3339);
        assert_eq!(parsed.ok(), Some(datetime!(2026-03-04 03:06:07 UTC)));
        assert_eq!(
            format_timestamp(datetime!(0987-12-31 23:59 UTC)),
            "0987-12-31 23:59 UTC"
        );
        let mut far = String::new();
        push_machine_time(&mut far, datetime!(-0005-06-07 08:09:10 UTC));
        assert_eq!(far, "-5-06-07T08:09:10Z");
    }
}
