//! The site: from the homepage, the few pages of the same site that matter for
//! enrichment (about, pricing, careers, blog, customers), found among its links.

use std::collections::HashSet;

use url::Url;

use super::{FetchError, Fetcher, Page};

impl Fetcher {
    /// The homepage, then up to `max_pages - 1` pages of the same site that matter for
    /// enrichment, in this priority: about, pricing, careers/jobs, blog/news,
    /// customers/case studies.
    ///
    /// Candidates are links on the homepage whose path or text looks like one of those;
    /// a section with no such link falls back to its conventional path (`/about`,
    /// `/pricing`, `/careers`, `/blog`; customers has none). Only the homepage's own site
    /// is followed (`www.` and the bare host count as the same; other subdomains and
    /// other ports do not). A failing secondary page is skipped (logged at debug level);
    /// a failing homepage is the error. Pages come back in fetch order, homepage first,
    /// without duplicates (final URLs compared without fragment).
    pub async fn fetch_site(&self, homepage: &Url) -> Result<Vec<Page>, FetchError> {
        let home = self.fetch_page(homepage).await?;
        let site = home.url.clone();
        let candidates = secondary_candidates(&site, &home.html);

        let mut attempted: HashSet<String> = HashSet::new();
        let mut fetched: HashSet<String> = HashSet::new();
        attempted.insert(page_key(homepage));
        fetched.insert(page_key(&site));
        let mut pages = vec![home];

        for candidate in candidates {
            if pages.len() >= self.policy.max_pages {
                break;
            }
            let key = page_key(&candidate);
            if fetched.contains(&key) || !attempted.insert(key) {
                continue;
            }
            match self.fetch_page(&candidate).await {
                Ok(page) => {
                    if !same_site(&site, &page.url) {
                        tracing::debug!(
                            url = %candidate,
                            final_url = %page.url,
                            "skipping secondary page: redirected off the site"
                        );
                    } else if !fetched.insert(page_key(&page.url)) {
                        tracing::debug!(
                            url = %candidate,
                            final_url = %page.url,
                            "skipping secondary page: already fetched"
                        );
                    } else {
                        pages.push(page);
                    }
                }
                Err(err) => {
                    tracing::debug!(url = %candidate, error = %err, "skipping secondary page");
                }
            }
        }
        Ok(pages)
    }
}

/// The URL without fragment, for duplicate detection.
fn page_key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// Same site: the same host once a leading `www.` is ignored, and the same explicit
/// port (`Url::port` is `None` for the scheme's default, so http and https of one host
/// match). A full registrable-domain comparison would need the public suffix list; we
/// deliberately stay narrower (other subdomains are other sites).
fn same_site(a: &Url, b: &Url) -> bool {
    fn bare(host: &str) -> &str {
        let host = host.trim_end_matches('.');
        host.strip_prefix("www.").unwrap_or(host)
    }
    match (a.host_str(), b.host_str()) {
        (Some(ha), Some(hb)) => bare(ha).eq_ignore_ascii_case(bare(hb)) && a.port() == b.port(),
        _ => false,
    }
}

/// The sections worth reading besides the homepage, in priority order.
struct Section {
    name: &'static str,
    /// Matched against path segments and link text, as lowercase words joined by `-`.
    keywords: &'static [&'static str],
    /// Tried when the homepage links to nothing matching.
    fallback: Option<&'static str>,
}

const SECTIONS: [Section; 5] = [
    Section {
        name: "about",
        keywords: &["about", "about-us", "company", "who-we-are", "our-story"],
        fallback: Some("/about"),
    },
    Section {
        name: "pricing",
        keywords: &["pricing", "prices", "price", "plans"],
        fallback: Some("/pricing"),
    },
    Section {
        name: "careers",
        keywords: &[
            "careers",
            "career",
            "jobs",
            "job",
            "join-us",
            "hiring",
            "work-with-us",
            "vacancies",
            "open-positions",
        ],
        fallback: Some("/careers"),
    },
    Section {
        name: "blog",
        keywords: &["blog", "news", "newsroom", "press"],
        fallback: Some("/blog"),
    },
    Section {
        name: "customers",
        keywords: &[
            "customers",
            "customer-stories",
            "case-studies",
            "case-study",
            "success-stories",
            "clients",
            "testimonials",
        ],
        fallback: None,
    },
];

/// The secondary pages to try, best first: per section, the best matching same-site
/// link on the homepage, or the section's conventional path.
fn secondary_candidates(site: &Url, html: &str) -> Vec<Url> {
    let links: Vec<(Url, String)> = extract_links(html)
        .into_iter()
        .filter_map(|(href, text)| {
            let mut url = site.join(href.trim()).ok()?;
            url.set_fragment(None);
            let wanted = matches!(url.scheme(), "http" | "https")
                && same_site(site, &url)
                && page_key(&url) != page_key(site);
            wanted.then_some((url, text))
        })
        .collect();

    let mut candidates = Vec::new();
    for section in &SECTIONS {
        // Best link: a path match beats a text-only match, then fewer path segments
        // (the section's index rather than one post), then document order.
        let best = links
            .iter()
            .enumerate()
            .filter_map(|(index, (url, text))| {
                let path_match = url
                    .path_segments()
                    .into_iter()
                    .flatten()
                    .any(|segment| has_keyword(segment, section.keywords));
                let text_match = has_keyword(text, section.keywords);
                let depth = url
                    .path_segments()
                    .map_or(0, |s| s.filter(|segment| !segment.is_empty()).count());
                (path_match || text_match).then_some(((!path_match, depth, index), url))
            })
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, url)| url.clone());
        match best {
            Some(url) => candidates.push(url),
            None => {
                if let Some(url) = section.fallback.and_then(|path| site.join(path).ok()) {
                    tracing::trace!(section = section.name, url = %url, "no link; trying the usual path");
                    candidates.push(url);
                }
            }
        }
    }
    candidates
}

/// Whether `text`, as lowercase alphanumeric words, contains one of the (hyphen-joined)
/// keyword phrases as whole words: "Plans & Pricing" has "pricing", "/about-us" has
/// "about", "/aboutface" has nothing.
fn has_keyword(text: &str, keywords: &[&str]) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return false;
    }
    let joined = format!("-{}-", words.join("-"));
    keywords
        .iter()
        .any(|keyword| joined.contains(&format!("-{keyword}-")))
}

/// Anchors considered on a homepage at most; real navigation is far smaller.
const MAX_LINKS: usize = 1000;

/// `(href, text)` of the `<a href>` elements in `html`, in document order, with the
/// text's whitespace collapsed.
fn extract_links(html: &str) -> Vec<(String, String)> {
    let Ok(selector) = scraper::Selector::parse("a[href]") else {
        return Vec::new();
    };
    let document = scraper::Html::parse_document(html);
    document
        .select(&selector)
        .take(MAX_LINKS)
        .filter_map(|anchor| {
            let href = anchor.value().attr("href")?.to_owned();
            let text: String = anchor.text().collect();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            Some((href, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_links() {
        let html = r#"<html><body>
            <abbr title="x">A</abbr>
            <A HREF="/about-us" class=nav>About <b>us</b></A>
            <a class="x" href='/pricing?plan=a&amp;b=1'>Plans &amp; Pricing</a>
            <a href=/jobs>We&#39;re hiring</a>
            <a name="anchor">no href</a>
            <a data-x="a > b" href="/blog">Blog</a>
            <a href="https://other.example/">Other</a>
        </body></html>"#;
        let links = extract_links(html);
        assert_eq!(
            links,
            vec![
                ("/about-us".to_owned(), "About us".to_owned()),
                (
                    "/pricing?plan=a&b=1".to_owned(),
                    "Plans & Pricing".to_owned()
                ),
                ("/jobs".to_owned(), "We're hiring".to_owned()),
                ("/blog".to_owned(), "Blog".to_owned()),
                ("https://other.example/".to_owned(), "Other".to_owned()),
            ]
        );
    }

    #[test]
    fn picks_candidates_in_priority_order() {
        let site = Url::parse("https://www.example.com/").unwrap();
        let html = r##"
            <a href="/blog/2024/some-post">A post</a>
            <a href="/blog">Blog</a>
            <a href="https://example.com/company/team">Team</a>
            <a href="https://blog.example.com/">Blog elsewhere</a>
            <a href="/aboutface">Not about</a>
            <a href="#top">Top</a>
            <a href="/">Home</a>
            <a href="/customers">Customers</a>
            <a href="mailto:hi@example.com">Pricing by mail</a>
        "##;
        let got: Vec<String> = secondary_candidates(&site, html)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            got,
            vec![
                "https://example.com/company/team",
                "https://www.example.com/pricing",
                "https://www.example.com/careers",
                "https://www.example.com/blog",
                "https://www.example.com/customers",
            ]
        );
    }

    #[test]
    fn same_site_rules() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_site(&u("https://www.a.com/"), &u("http://a.com/x")));
        assert!(same_site(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:8080/x")
        ));
        assert!(!same_site(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:9090/")
        ));
        assert!(!same_site(&u("https://a.com/"), &u("https://blog.a.com/")));
        assert!(!same_site(
            &u("https://a.com/"),
            &u("https://a.com.evil.net/")
        ));
    }
}
