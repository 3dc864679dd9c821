//! What the product accepts as text: anything but control characters.
//!
//! PostgreSQL refuses NUL in text outright (a request carrying one used to end in a
//! 500), and the other control characters have no place in a title, a comment or a
//! search: they are invisible, and some terminals and CSV readers act on them. Tab,
//! line feed and carriage return are text (browsers send a text area's line breaks as
//! CR LF).

use super::AppError;

/// The first character of `text` the product refuses, if any: a Unicode control
/// character (C0, DEL, C1) other than tab, line feed and carriage return.
pub fn refused_control(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// `Ok` if `text` may be stored and shown; otherwise a 422 naming `field` and the
/// character (never echoing the text itself).
pub fn check_text(field: &str, text: &str) -> Result<(), AppError> {
    match refused_control(text) {
        None => Ok(()),
        Some(c) => Err(AppError::invalid(
            field,
            format!(
                "contains a control character (U+{:04X}), which is not allowed in text",
                u32::from(c)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_every_control_character_but_tab_and_line_breaks() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            if matches!(c, '\t' | '\n' | '\r') {
                assert_eq!(refused_control(&text), None, "U+{:04X}", u32::from(c));
            } else {
                assert_eq!(refused_control(&text), Some(c), "U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn accepts_ordinary_text_in_any_script() {
        for text in [
            "",
            "Plain title",
            "café — naïve",
            "第一行\r\n第二行\tend",
            "🙂 <b>&",
        ] {
            assert_eq!(check_text("title", text), Ok(()));
        }
    }

    #[test]
    fn the_error_names_the_field_and_the_character_but_not_the_text() {
        let error = check_text("customer_name", &format!("secret{}", '\0')).err();
        let Some(AppError::Invalid { field, message }) = error else {
            panic!("expected Invalid, got {error:?}");
        };
        assert_eq!(field, "customer_name");
        assert!(message.contains("U+0000"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }
}
