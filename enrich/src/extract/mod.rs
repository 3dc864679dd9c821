//! Readable text from a fetched HTML page.
//!
//! [`extract`] parses the page with `scraper` (html5ever, the browsers' algorithm, so any
//! byte soup parses) and walks the tree without recursion, so deep nesting cannot
//! overflow the stack. It keeps:
//!
//! - the content as [`Block`]s (one per paragraph, heading, list item, quote, …), and the
//!   same as [`Document::text`], one block a line with whitespace collapsed;
//! - the title, the meta / Open Graph description and the `generator` meta;
//! - every `http(s)` link, resolved against the page URL, with its text (also the links
//!   of the navigation and the footer, where social profiles usually are);
//! - the images of the content (customer logos), the `<time>` values and the external
//!   script URLs (technology hints).
//!
//! Dropped from the text: `script`, `style`, `noscript`, `svg`, `template`, `iframe` and
//! other non-text elements, anything `hidden`; and boilerplate where it is recognisable:
//! `nav`, `footer`, the site `header` (one without an `h1` outside `main`/`article`/
//! `section`), ARIA `navigation`/`contentinfo`/`banner`/`search` landmarks and elements
//! whose class or id says navigation, menu, footer, breadcrumb, cookie or consent banner.

mod nesting;
mod walker;

use scraper::{Html, Node};
use url::Url;

use crate::fetch::Page;
pub use nesting::MAX_DEPTH;
use nesting::limit_nesting;
use walker::Walker;

/// What was read from one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The page's URL (after redirects).
    pub url: Url,
    /// `<title>`, or `og:title` when there is none.
    pub title: Option<String>,
    /// `<meta name="description">`, or `og:description` when there is none.
    pub description: Option<String>,
    /// The text of the `h1`–`h6` headings of the content, in document order.
    pub headings: Vec<String>,
    /// The readable text: the blocks' texts, one block a line.
    pub text: String,
    /// The content, block by block, in document order.
    pub blocks: Vec<Block>,
    /// Every `http(s)` link of the page (content and boilerplate), absolute.
    pub links: Vec<Link>,
    /// The images of the content (not of the navigation or footer).
    pub images: Vec<Image>,
    /// The `datetime` of each `<time>` element (its text when it has none).
    pub times: Vec<String>,
    /// The `src` of each external script, absolute.
    pub scripts: Vec<Url>,
    /// `<meta name="generator">` (WordPress, Webflow, …).
    pub generator: Option<String>,
}

impl Document {
    /// How many words of readable text the page has.
    pub fn word_count(&self) -> usize {
        self.text.split_whitespace().count()
    }

    /// The readable lines (one per block).
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().map(|b| b.text.as_str())
    }
}

/// One paragraph-like piece of the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Whitespace collapsed, trimmed, never empty.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// `h1`–`h6`, with the level.
    Heading(u8),
    /// `p`.
    Paragraph,
    /// `li`, `dt`, `dd`.
    ListItem,
    /// `blockquote`.
    Quote,
    /// Any other block (`div`, `section`, table cells, text between blocks…).
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Absolute, resolved against the page URL; `http` or `https` only.
    pub href: Url,
    /// The link's text, whitespace collapsed; an icon link's `aria-label` or `title`
    /// (may be empty).
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Absolute, resolved against the page URL.
    pub src: Url,
    /// The `alt` text (empty when there is none).
    pub alt: String,
}

/// How far below a `<header>` to look for an `h1` (hero headers are content).
const HEADER_LOOKAHEAD: usize = 2000;

/// Reads a page. Never panics, whatever the HTML.
pub fn extract(page: &Page) -> Document {
    let html = Html::parse_document(&limit_nesting(&page.html));
    let mut walker = Walker::new(&page.url);

    // Depth first, without recursion: open a node, go down if it wants its children,
    // else close it and go on to its next sibling, or back up.
    let root = html.tree.root();
    let mut node = root;
    'walk: loop {
        let has_h1_below = || {
            node.descendants()
                .skip(1)
                .take(HEADER_LOOKAHEAD)
                .any(|d| matches!(d.value(), Node::Element(e) if e.name() == "h1"))
        };
        let descend = walker.open(node.value(), has_h1_below);
        if descend && let Some(child) = node.first_child() {
            node = child;
            continue;
        }
        loop {
            walker.close(node.value());
            if node.id() == root.id() {
                break 'walk;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                continue 'walk;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => break 'walk,
            }
        }
    }
    walker.finish(page.url.clone())
}

/// Text being gathered, whitespace collapsed as it comes.
#[derive(Debug, Default)]
struct Text {
    text: String,
    space: bool,
}

impl Text {
    fn push(&mut self, chunk: &str) {
        for c in chunk.chars() {
            if c.is_whitespace() || c == '\u{a0}' {
                self.space = !self.text.is_empty();
            } else {
                if self.space {
                    self.text.push(' ');
                    self.space = false;
                }
                if !c.is_control() {
                    self.text.push(c);
                }
            }
        }
    }

    fn finish(self) -> String {
        self.text
    }
}

/// Collapses runs of whitespace to one space and trims.
pub fn collapse(text: &str) -> String {
    let mut t = Text::default();
    t.push(text);
    t.finish()
}
