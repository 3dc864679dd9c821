//! The walk over the parsed tree: which elements are text, blocks or boilerplate, and
//! the [`Walker`] that gathers the blocks, links, images, times and metadata of a page.

use scraper::Node;
use url::Url;

use super::{Block, BlockKind, Document, Image, Link, Text, collapse};

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

pub(super) struct Walker<'u> {
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
    pub(super) fn new(base: &'u Url) -> Self {
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
    pub(super) fn open(&mut self, node: &Node, has_h1_below: impl FnOnce() -> bool) -> bool {
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

    pub(super) fn close(&mut self, node: &Node) {
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

    pub(super) fn finish(mut self, url: Url) -> Document {
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

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}
