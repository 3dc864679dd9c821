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

fn push_date_time(out: &mut String, at: OffsetDateTime, separator: char, seconds: bool) {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        // Outside four digits there is no fixed width to keep; say it plainly.
        out.push_str(&year.to_string());
    } else {
        push_digits(out, year as u32, 4);
    }
    out.push('-');
    push_digits(out, u32::from(u8::from(at.month())), 2);
    out.push('-');
    push_digits(out, u32::from(at.day()), 2);
    out.push(separator);
    push_digits(out, u32::from(at.hour()), 2);
    out.push(':');
    push_digits(out, u32::from(at.minute()), 2);
    if seconds {
        out.push(':');
        push_digits(out, u32::from(at.second()), 2);
    }
}

/// The last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
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
        let parsed =
            OffsetDateTime::parse(&machine, &time::format_description::well_known::Rfc3339);
        assert_eq!(parsed.ok(), Some(datetime!(2026-03-04 03:06:07 UTC)));
        assert_eq!(
            format_timestamp(datetime!(0987-12-31 23:59 UTC)),
            "0987-12-31 23:59 UTC"
        );
    }
}
