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

use std::borrow::Cow;

use scraper::{Html, Node};
use url::Url;

use crate::fetch::Page;

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

/// Elements whose content is never text, and which are not descended into.
#[rustfmt::skip]
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "svg", "template", "iframe", "object", "embed", "canvas",
    "select", "textarea", "math", "audio", "video", "map", "dialog",
];

/// Elements that start and end a block of text.
#[rustfmt::skip]
const BLOCKS: &[&str] = &[
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "html", "legend", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
];

/// Class or id tokens that mark navigation, footer or header boilerplate (exact match).
#[rustfmt::skip]
const BOILERPLATE_TOKENS: &[&str] = &[
    "nav", "navbar", "nav-bar", "navigation", "main-nav", "site-nav", "top-nav", "topnav",
    "menu", "main-menu", "site-menu", "mobile-menu", "menubar", "footer", "site-footer",
    "page-footer", "global-footer", "site-header", "global-header", "masthead", "topbar",
    "top-bar", "breadcrumb", "breadcrumbs", "skip-link", "skiplink",
];

/// Class or id fragments that mark banners and pop-ups (substring match).
const BOILERPLATE_FRAGMENTS: &[&str] = &["cookie", "consent", "gdpr", "newsletter"];

/// ARIA landmarks that are boilerplate.
const BOILERPLATE_ROLES: &[&str] = &["navigation", "contentinfo", "banner", "search"];

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

/// What opening an element changed, undone when it closes.
#[derive(Clone, Copy, Debug, Default)]
struct Frame {
    /// It started a block (of this kind).
    block: Option<BlockKind>,
    boilerplate: bool,
    /// `main`, `article` or `section`: a `header` inside is content.
    section: bool,
    link: bool,
    time: bool,
    title: bool,
}

struct Walker<'u> {
    base: &'u Url,
    frames: Vec<Frame>,
    /// Kinds of the open blocks, innermost last.
    kinds: Vec<BlockKind>,
    /// Open boilerplate elements (their text is dropped).
    boilerplate: usize,
    sections: usize,
    /// The text of the block being read.
    buffer: Text,
    /// Open links: where to, their label (`aria-label`, `title`) and their text so far.
    links_open: Vec<(Option<Url>, Option<String>, Text)>,
    /// Open `<time>` elements: their `datetime`, or their text so far.
    times_open: Vec<(Option<String>, Text)>,
    title_open: Option<Text>,

    title: Option<String>,
    og_title: Option<String>,
    description: Option<String>,
    og_description: Option<String>,
    generator: Option<String>,
    blocks: Vec<Block>,
    links: Vec<Link>,
    images: Vec<Image>,
    times: Vec<String>,
    scripts: Vec<Url>,
}

impl<'u> Walker<'u> {
    fn new(base: &'u Url) -> Self {
        Walker {
            base,
            frames: Vec::new(),
            kinds: Vec::new(),
            boilerplate: 0,
            sections: 0,
            buffer: Text::default(),
            links_open: Vec::new(),
            times_open: Vec::new(),
            title_open: None,
            title: None,
            og_title: None,
            description: None,
            og_description: None,
            generator: None,
            blocks: Vec::new(),
            links: Vec::new(),
            images: Vec::new(),
            times: Vec::new(),
            scripts: Vec::new(),
        }
    }

    /// Opens a node; returns whether to read its children.
    fn open(&mut self, node: &Node, has_h1_below: impl FnOnce() -> bool) -> bool {
        match node {
            Node::Text(text) => {
                self.text(text);
                false
            }
            Node::Element(element) => {
                let (frame, descend) = self.open_element(element, has_h1_below);
                self.frames.push(frame);
                descend
            }
            Node::Document | Node::Fragment => true,
            _ => false,
        }
    }

    fn close(&mut self, node: &Node) {
        if !matches!(node, Node::Element(_)) {
            return;
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.title
            && let Some(text) = self.title_open.take()
            && self.title.is_none()
        {
            self.title = non_empty(text.finish());
        }
        if frame.time
            && let Some((datetime, text)) = self.times_open.pop()
            && let Some(value) = datetime.or_else(|| non_empty(text.finish()))
        {
            self.times.push(value);
        }
        if frame.link
            && let Some((href, label, text)) = self.links_open.pop()
        {
            self.push_link(href, label, text);
        }
        if frame.block.is_some() {
            self.flush();
            self.kinds.pop();
        }
        if frame.boilerplate {
            self.boilerplate = self.boilerplate.saturating_sub(1);
        }
        if frame.section {
            self.sections = self.sections.saturating_sub(1);
        }
    }

    fn open_element(
        &mut self,
        element: &scraper::node::Element,
        has_h1_below: impl FnOnce() -> bool,
    ) -> (Frame, bool) {
        let name = element.name();
        let mut frame = Frame::default();

        match name {
            "title" => {
                if self.title_open.is_none() && self.title.is_none() {
                    self.title_open = Some(Text::default());
                    frame.title = true;
                }
                return (frame, frame.title);
            }
            "meta" => {
                self.meta(element);
                return (frame, false);
            }
            "script" => {
                if let Some(src) = element.attr("src").and_then(|s| self.resolve(s)) {
                    self.scripts.push(src);
                }
                return (frame, false);
            }
            _ => {}
        }
        if SKIPPED.contains(&name) || is_hidden(element) {
            return (frame, false);
        }

        match name {
            "br" | "hr" => {
                self.flush();
                return (frame, false);
            }
            "img" => {
                if self.boilerplate == 0 {
                    self.image(element);
                }
                return (frame, false);
            }
            "a" => {
                let href = element.attr("href").and_then(|h| self.resolve(h));
                let label = element
                    .attr("aria-label")
                    .or_else(|| element.attr("title"))
                    .map(collapse);
                self.links_open.push((href, label, Text::default()));
                frame.link = true;
            }
            "time" => {
                let datetime = element
                    .attr("datetime")
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty());
                self.times_open.push((datetime, Text::default()));
                frame.time = true;
            }
            _ => {}
        }

        if is_boilerplate(element, self.sections > 0, has_h1_below) {
            self.boilerplate += 1;
            frame.boilerplate = true;
        }
        if matches!(name, "main" | "article" | "section") {
            self.sections += 1;
            frame.section = true;
        }
        if BLOCKS.contains(&name) {
            self.flush();
            let kind = block_kind(name);
            self.kinds.push(kind);
            frame.block = Some(kind);
        }
        (frame, true)
    }

    fn text(&mut self, text: &str) {
        if let Some(title) = &mut self.title_open {
            title.push(text);
            return;
        }
        for (_, _, link) in &mut self.links_open {
            link.push(text);
        }
        for (_, time) in &mut self.times_open {
            time.push(text);
        }
        if self.boilerplate == 0 {
            self.buffer.push(text);
        }
    }

    /// Ends the block being read, if it has any text.
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.buffer).finish();
        if text.is_empty() {
            return;
        }
        let kind = self.kinds.last().copied().unwrap_or(BlockKind::Other);
        self.blocks.push(Block { kind, text });
    }

    fn meta(&mut self, element: &scraper::node::Element) {
        let key = element
            .attr("name")
            .or_else(|| element.attr("property"))
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let Some(content) = element.attr("content").and_then(|c| non_empty(collapse(c))) else {
            return;
        };
        let slot = match key.as_str() {
            "description" => &mut self.description,
            "og:description" => &mut self.og_description,
            "og:title" => &mut self.og_title,
            "generator" => &mut self.generator,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(content);
        }
    }

    fn image(&mut self, element: &scraper::node::Element) {
        let src = element
            .attr("src")
            .filter(|s| !s.trim().is_empty())
            .or_else(|| element.attr("data-src"))
            .or_else(|| {
                element
                    .attr("srcset")
                    .and_then(|s| s.split(',').next())
                    .and_then(|s| s.split_whitespace().next())
            });
        if let Some(src) = src.and_then(|s| self.resolve(s)) {
            let alt = collapse(element.attr("alt").unwrap_or_default());
            self.images.push(Image { src, alt });
        }
    }

    /// Keeps a link that goes somewhere; an icon link gets its label as text.
    fn push_link(&mut self, href: Option<Url>, label: Option<String>, text: Text) {
        let Some(href) = href else {
            return;
        };
        let mut text = text.finish();
        if text.is_empty() {
            text = label.unwrap_or_default();
        }
        self.links.push(Link { href, text });
    }

    /// An absolute `http(s)` URL for an attribute value, if it is one.
    fn resolve(&self, value: &str) -> Option<Url> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let url = self.base.join(value).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    }

    fn finish(mut self, url: Url) -> Document {
        self.flush();
        // Unclosed elements (the parser closes them all, but be safe).
        while let Some((href, label, text)) = self.links_open.pop() {
            self.push_link(href, label, text);
        }
        let text = self
            .blocks
            .iter()
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let headings = self
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Heading(_)))
            .map(|b| b.text.clone())
            .collect();
        Document {
            url,
            title: self.title.or(self.og_title),
            description: self.description.or(self.og_description),
            headings,
            text,
            blocks: self.blocks,
            links: self.links,
            images: self.images,
            times: self.times,
            scripts: self.scripts,
            generator: self.generator,
        }
    }
}

fn block_kind(name: &str) -> BlockKind {
    match name {
        "h1" => BlockKind::Heading(1),
        "h2" => BlockKind::Heading(2),
        "h3" => BlockKind::Heading(3),
        "h4" => BlockKind::Heading(4),
        "h5" => BlockKind::Heading(5),
        "h6" => BlockKind::Heading(6),
        "p" => BlockKind::Paragraph,
        "li" | "dt" | "dd" => BlockKind::ListItem,
        "blockquote" => BlockKind::Quote,
        _ => BlockKind::Other,
    }
}

fn is_hidden(element: &scraper::node::Element) -> bool {
    if element.attr("hidden").is_some() {
        return true;
    }
    if element
        .attr("aria-hidden")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    element.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

fn is_boilerplate(
    element: &scraper::node::Element,
    in_section: bool,
    has_h1_below: impl FnOnce() -> bool,
) -> bool {
    let name = element.name();
    if matches!(name, "html" | "body" | "main" | "article") {
        return false;
    }
    if matches!(name, "nav" | "footer" | "head") {
        return true;
    }
    let role = element
        .attr("role")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if BOILERPLATE_ROLES.contains(&role.as_str()) && role != "banner" {
        return true;
    }
    let marked = element
        .classes()
        .chain(element.id())
        .map(str::to_ascii_lowercase)
        .any(|token| {
            BOILERPLATE_TOKENS.contains(&token.as_str())
                || BOILERPLATE_FRAGMENTS.iter().any(|f| token.contains(f))
        });
    if marked {
        return true;
    }
    // The site header (logo, menu) is boilerplate; a hero header with the page's h1, or
    // the header of an article or section, is content.
    (name == "header" || role == "banner") && !in_section && !has_h1_below()
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

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Deeper than this, tags are dropped before parsing (their text stays). The HTML tree
/// builder checks the stack of open elements for each tag, so its work grows with depth ×
/// tags: 100,000 nested `<div>`s would take minutes. Chromium's parser stops nesting at
/// 512 too.
pub const MAX_DEPTH: usize = 512;

/// Elements that have no end tag or whose end tag is implied: they do not nest.
#[rustfmt::skip]
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "param", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "thead",
    "tbody", "tfoot", "option", "optgroup", "rt", "rp", "colgroup", "html", "head", "body",
];

/// Elements whose content is text, not markup.
#[rustfmt::skip]
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    "plaintext",
];

/// The HTML with the start and end tags nested deeper than [`MAX_DEPTH`] removed, by a
/// linear scan of the tags (a page within the limit comes back as it is).
fn limit_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut foreign = 0usize;
    let mut drops: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(offset) = html.get(i..).and_then(|rest| rest.find('<')) {
        let start = i + offset;
        let after = &bytes[start + 1..];
        if after.starts_with(b"!--") {
            i = html[start + 4..]
                .find("-->")
                .map_or(html.len(), |end| start + 4 + end + 3);
            continue;
        }
        if after.first().is_some_and(|b| matches!(b, b'!' | b'?')) {
            i = tag_end(bytes, start + 1);
            continue;
        }
        let closing = after.first() == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(bytes, name_start + name_len);
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            i = find_end_tag(html, end, &name);
            continue;
        }
        if matches!(name.as_str(), "svg" | "math") {
            foreign = if closing {
                foreign.saturating_sub(1)
            } else {
                foreign + 1
            };
        }
        // "<x/>" closes itself only in SVG and MathML; in HTML the slash is ignored.
        let self_closing = foreign > 0 && html[..end].ends_with("/>");
        if !NOT_NESTING.contains(&name.as_str()) && !self_closing {
            if closing {
                if depth > MAX_DEPTH {
                    drops.push((start, end));
                }
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                if depth > MAX_DEPTH {
                    drops.push((start, end));
                }
            }
        }
        i = end;
    }
    if drops.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (start, end) in drops {
        out.push_str(&html[last..start]);
        last = end;
    }
    out.push_str(&html[last..]);
    Cow::Owned(out)
}

/// Just after the `>` that ends the tag whose attributes start at `from` (quotes
/// respected), or the end of the text.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (offset, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return offset + 1,
            None => {}
        }
    }
    bytes.len()
}

/// Where the end tag `</name` of a raw text element starts, from `from`, or the end.
fn find_end_tag(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(offset) = html.get(i..).and_then(|rest| rest.find("</")) {
        let at = i + offset;
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return at;
        }
        i = at + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_pages_are_not_rewritten() {
        let html = "<html><body><div><p>a<p>b<ul><li>c<li>d</ul><svg><path/><path/></svg>\
                    <script>if (a <div) {}</script><!-- <div> --></div></body></html>";
        assert!(matches!(limit_nesting(html), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_limit() {
        let n = MAX_DEPTH + 100;
        let html = "<div class=\"a>b\">".repeat(n) + "text" + &"</div>".repeat(n);
        let limited = limit_nesting(&html);
        assert_eq!(limited.matches("<div").count(), MAX_DEPTH);
        assert_eq!(limited.matches("</div>").count(), MAX_DEPTH);
        assert!(limited.contains(">text<"));
    }
}
