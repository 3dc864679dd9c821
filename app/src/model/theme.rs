//! The colour theme a person picked. `System` follows the OS (`prefers-color-scheme`).
//!
//! The choice lives in a cookie so the server renders `<html data-theme=…>` itself: no
//! flash of the wrong theme, and no inline script (which a strict CSP would refuse).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const COOKIE: &'static str = "theme";

    /// What the toggle switches to next: system → light → dark → system.
    pub fn next(self) -> Self {
        match self {
            Self::System => Self::Light,
            Self::Light => Self::Dark,
            Self::Dark => Self::System,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Theme: follow system",
            Self::Light => "Theme: light",
            Self::Dark => "Theme: dark",
        }
    }

    /// Parses the cookie value; anything unknown means "follow the system".
    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }

    /// Finds the theme cookie in a `Cookie:` header value.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| name.trim() == Self::COOKIE)
            .map(|(_, value)| Self::parse(value))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_through_all_three() {
        let mut theme = Theme::System;
        let mut seen = vec![];
        for _ in 0..3 {
            theme = theme.next();
            seen.push(theme);
        }
        assert_eq!(seen, [Theme::Light, Theme::Dark, Theme::System]);
    }

    #[test]
    fn reads_the_cookie_among_others_and_ignores_garbage() {
        assert_eq!(
            Theme::from_cookie_header("id=abc; theme=dark; other=1"),
            Theme::Dark
        );
        assert_eq!(Theme::from_cookie_header("theme=light"), Theme::Light);
        assert_eq!(Theme::from_cookie_header("theme=<script>"), Theme::System);
        assert_eq!(Theme::from_cookie_header("mytheme=dark"), Theme::System);
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
    }
}
