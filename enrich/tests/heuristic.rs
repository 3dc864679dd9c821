#![cfg(feature = "engine")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The offline analyser on checked-in sites (`fixtures/sites/`): a strong startup
//! (acme-robotics), a middling consultancy (fernhill-analytics) and a one-page placeholder
//! (bramble-studio); extraction of code, boilerplate and garbage.

use std::path::Path;

use enrich::extract::{Document, extract};
use enrich::fetch::Page;
use enrich::heuristic::{Date, analyse};
use enrich::{Confidence, Enrichment, Signal, SignalKind};

/// `tests/fixtures/sites/<site>/<page>.html` as fetched from `https://<site>.example/…`:
/// `index.html` is `/`, `blog.html` is `/blog`.
fn load_site(site: &str) -> Vec<Page> {
    // The manifest directory of this run, not of the build: the shared build cache
    // (~/.cache/casework/target) hands a clone at another path the binaries built in
    // the first one, with that path compiled in.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let dir = Path::new(&manifest).join("tests/fixtures/sites").join(site);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    files.sort();
    // The home page first, as the fetcher reads it.
    files.sort_by_key(|p| p.file_stem().unwrap() != "index");
    files
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            let route = if stem == "index" {
                String::new()
            } else {
                stem.replace('_', "/")
            };
            Page {
                url: format!("https://{site}.example/{route}").parse().unwrap(),
                html: std::fs::read_to_string(&path).unwrap(),
            }
        })
        .collect()
}

fn documents(site: &str) -> Vec<Document> {
    load_site(site).iter().map(extract).collect()
}

fn today() -> Date {
    Date::new(2026, 11, 20).unwrap()
}

fn analysed(site: &str, name: &str) -> Enrichment {
    analyse(name, &documents(site), today())
}

fn signal(enrichment: &Enrichment, kind: SignalKind) -> &Signal {
    enrichment
        .signals
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} signal in {:#?}", enrichment.signals))
}

const ACME: &str = "acme-robotics";
const FERNHILL: &str = "fernhill-analytics";
const BRAMBLE: &str = "bramble-studio";

fn page(url: &str, html: &str) -> Page {
    Page {
        url: url.parse().unwrap(),
        html: html.to_string(),
    }
}

fn labels(enrichment: &Enrichment) -> Vec<(SignalKind, &str)> {
    enrichment
        .signals
        .iter()
        .map(|s| (s.kind, s.label.as_str()))
        .collect()
}

fn evidence_urls(signal: &Signal) -> Vec<&str> {
    signal.evidence.iter().map(|e| e.url.as_str()).collect()
}

// --- Extraction ------------------------------------------------------------------------

#[test]
fn extraction_keeps_the_content_and_drops_code_and_boilerplate() {
    let home = &documents(ACME)[0];
    assert_eq!(home.url.as_str(), "https://acme-robotics.example/");
    assert_eq!(
        home.title.as_deref(),
        Some("Acme Robotics — Autonomous picking robots for warehouses")
    );
    assert!(
        home.description
            .as_deref()
            .unwrap()
            .starts_with("Acme Robotics builds autonomous mobile robots")
    );
    assert_eq!(
        home.headings[..3],
        [
            "Warehouse robots that pick, pack and never take a day off",
            "Trusted by operations teams at",
            "Everything your warehouse needs to pick faster",
        ]
    );
    assert!(home.text.contains(
        "One dashboard assigns orders to every robot in the fleet and balances the work across zones in real time."
    ));
    // One block a line, whitespace collapsed.
    assert!(
        home.text
            .lines()
            .all(|l| !l.is_empty() && l.trim() == l && !l.contains("  "))
    );
    assert_eq!(home.text.lines().count(), home.blocks.len());

    for dropped in [
        "dataLayer",                // inline script
        "schema.org",               // JSON-LD
        "font-family",              // style
        "Please enable JavaScript", // noscript
        "arrow-right-icon",         // svg
        "Skip to content",          // skip link
        "Sign in",                  // nav
        "Press",                    // footer
        "All rights reserved",      // footer
        "We use cookies",           // cookie banner
        "Accept all",               // cookie banner
    ] {
        assert!(!home.text.contains(dropped), "{dropped:?} is in the text");
    }

    // Links come from the whole page, resolved; social icons get their labels.
    let link = |href: &str| home.links.iter().find(|l| l.href.as_str() == href);
    assert_eq!(
        link("https://acme-robotics.example/careers").unwrap().text,
        "Careers We're hiring"
    );
    assert_eq!(
        link("https://github.com/acme-robotics").unwrap().text,
        "GitHub"
    );
    assert!(link("https://www.linkedin.com/company/acme-robotics/").is_some());

    // Images of the content only: the customer logos, not the header's own logo.
    let alts: Vec<&str> = home.images.iter().map(|i| i.alt.as_str()).collect();
    assert_eq!(alts.len(), 6);
    assert_eq!(alts[0], "Nordhaven Foods logo");
    assert!(
        home.images[0]
            .src
            .as_str()
            .ends_with("/img/customers/nordhaven-logo.svg")
    );

    assert_eq!(home.times, ["2026-10-03", "2026-08-21"]);
    let scripts: Vec<&str> = home.scripts.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        scripts,
        [
            "https://www.googletagmanager.com/gtm.js?id=GTM-ACME42",
            "https://acme-robotics.example/_next/static/chunks/main-8c1d2f.js",
            "https://js.hs-scripts.com/4242424.js",
        ]
    );
    assert_eq!(home.generator, None);

    let bramble = &documents(BRAMBLE)[0];
    assert_eq!(bramble.generator.as_deref(), Some("Squarespace"));
    assert_eq!(bramble.description, None);
}

#[test]
fn extraction_keeps_a_hero_header_and_hidden_things_stay_hidden() {
    let doc = extract(&page(
        "https://example.com/a/b",
        r#"<html><body>
          <header class="hero"><h1>Hello <em>there</em></h1><p>Robots   for
             everyone.</p></header>
          <div class="navbar"><a href="../up">Up</a></div>
          <p hidden>secret one</p><p style="display: none">secret two</p>
          <p aria-hidden="true">secret three</p>
          <div>line one<br>line two</div>
          <p>Tel: <a href="tel:123">call</a> <a href="javascript:void(0)">js</a> <a href="//cdn.example.com/x">cdn</a></p>
          <article><header><h2>Post title</h2></header><time>March 3, 2026</time></article>
          <template><p>template text</p></template>
        </body></html>"#,
    ));
    let lines: Vec<&str> = doc.text.lines().collect();
    assert_eq!(
        lines,
        [
            "Hello there",
            "Robots for everyone.",
            "line one",
            "line two",
            "Tel: call js cdn",
            "Post title",
            "March 3, 2026",
        ]
    );
    assert_eq!(doc.headings, ["Hello there", "Post title"]);
    let hrefs: Vec<&str> = doc.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        hrefs,
        ["https://example.com/up", "https://cdn.example.com/x"]
    );
    assert_eq!(doc.times, ["March 3, 2026"]);
}

#[test]
fn extraction_never_panics() {
    let deep_divs = "<div>".repeat(100_000) + "deep text" + &"</div>".repeat(100_000);
    let deep_unclosed = "<b><i><span><table><tr><td>".repeat(5_000) + "x";
    let deep_lists = "<ul><li>".repeat(20_000);
    let deep_headers = "<header><nav><footer>".repeat(10_000) + "<h1>Title</h1>";
    let huge_attribute = format!("<a href=\"{}\">link</a>", "x".repeat(1_000_000));
    let garbage: Vec<String> = vec![
        String::new(),
        " ".into(),
        "plain text, no tags at all".into(),
        "<<<>>><<!--<![CDATA[<?xml?></></>".into(),
        "<html><head><title>".into(),
        "<script>never closed".into(),
        "<a href='http://[::1'>bad url</a><img src='http://%zz'><time datetime>".into(),
        "\u{0}\u{1}\u{feff}\u{fffd}<p>\u{0}nul</p>".into(),
        String::from_utf8_lossy(&(0..=255u8).cycle().take(20_000).collect::<Vec<_>>()).into_owned(),
        deep_divs,
        deep_unclosed,
        deep_lists,
        deep_headers,
        huge_attribute,
    ];
    for html in &garbage {
        let doc = extract(&page("https://garbage.example/", html));
        let enrichment = analyse("Garbage Inc", std::slice::from_ref(&doc), today());
        assert_eq!(enrichment.confidence, Confidence::Low);
        assert!(enrichment.score <= 10, "{}", enrichment.score);
        assert_eq!(enrichment.sources.len(), 1);
    }
    let deep = extract(&page("https://garbage.example/", &garbage[9]));
    assert_eq!(deep.text, "deep text");
}

// --- The strong site -------------------------------------------------------------------

#[test]
fn strong_site_keywords() {
    let enrichment = analysed(ACME, "Acme Robotics");
    assert_eq!(
        enrichment.keywords,
        [
            "robot",
            "picker",
            "warehouse robot",
            "aisle",
            "robot fleet",
            "warehouse",
            "autonomous picking",
            "autonomous",
            "picking",
            "fleet",
        ]
    );
    // Without the name to exclude, its words may come up ("Acme" is a name anyway).
    let docs = documents(ACME);
    let plain = enrich::heuristic::keywords(&docs, 10);
    assert!(plain.contains(&"robotics".to_string()), "{plain:?}");
    assert!(!plain.iter().any(|k| k.contains("acme")), "{plain:?}");
    assert_eq!(
        enrich::heuristic::keywords(&docs, 3),
        ["robot", "picker", "warehouse robot"]
    );
}

#[test]
fn strong_site_signals() {
    let e = analysed(ACME, "Acme Robotics");
    assert_eq!(
        labels(&e),
        [
            (SignalKind::Hiring, "Hiring: 7 open roles"),
            (SignalKind::Pricing, "Pricing page with 3 tiers"),
            (
                SignalKind::Blog,
                "4 posts in the last 6 months (latest 2026-10-03)"
            ),
            (
                SignalKind::Customers,
                "Customers: 6 logos, 3 case studies, 2 testimonials"
            ),
            (SignalKind::Funding, "Raised $12M Series A"),
            (SignalKind::TeamSize, "Team of 50+"),
            (
                SignalKind::Technology,
                "Technology: AWS, Google Tag Manager, HubSpot, Kubernetes, Linux, Next.js, PostgreSQL, Rust"
            ),
            (
                SignalKind::Social,
                "Social: LinkedIn, X (Twitter), GitHub, YouTube"
            ),
        ]
    );

    let base = "https://acme-robotics.example";
    let hiring = signal(&e, SignalKind::Hiring);
    assert_eq!(evidence_urls(hiring), [format!("{base}/careers")]);
    assert!(
        hiring.evidence[0]
            .excerpt
            .starts_with("Open roles: Senior Robotics Engineer (Rust)")
    );
    // The team quote on the careers page is not a role.
    assert!(!hiring.evidence[0].excerpt.contains("Priya"));

    let pricing = signal(&e, SignalKind::Pricing);
    assert_eq!(evidence_urls(pricing), [format!("{base}/pricing")]);
    assert_eq!(
        pricing.evidence[0].excerpt,
        "Pilot: $4,900/mo; Growth: $14,500/mo; Enterprise: Custom"
    );

    let blog = signal(&e, SignalKind::Blog);
    assert_eq!(evidence_urls(blog), [format!("{base}/blog")]);
    assert_eq!(
        blog.evidence[0].excerpt,
        "Our peak season playbook for warehouse robots — October 3, 2026 · 5 min read"
    );

    let customers = signal(&e, SignalKind::Customers);
    assert_eq!(
        evidence_urls(customers),
        [
            format!("{base}/"),
            format!("{base}/customers"),
            format!("{base}/")
        ]
    );
    assert_eq!(
        customers.evidence[0].excerpt,
        "Customer logos: Nordhaven Foods, Parcelio, Kestrel Pharma, Brightline Retail, Oakridge Supply, Tidewater Logistics"
    );

    let funding = signal(&e, SignalKind::Funding);
    assert_eq!(funding.evidence[0].url, format!("{base}/about"));
    assert_eq!(
        funding.evidence[0].excerpt,
        "In March 2026 we raised $12M Series A led by Foundry Ventures, with participation from Northstar Capital and our seed investors."
    );

    let team = signal(&e, SignalKind::TeamSize);
    assert_eq!(evidence_urls(team), [format!("{base}/about")]);
    assert!(
        team.evidence[0]
            .excerpt
            .starts_with("We're 50+ people across Berlin")
    );

    let technology = signal(&e, SignalKind::Technology);
    assert!(
        technology
            .evidence
            .iter()
            .any(|ev| ev.url == format!("{base}/about")
                && ev.excerpt.contains("built on Kubernetes and runs on AWS"))
    );
    assert!(
        technology
            .evidence
            .iter()
            .any(|ev| ev.url == format!("{base}/")
                && ev.excerpt == "Script: https://js.hs-scripts.com/4242424.js")
    );

    let social = signal(&e, SignalKind::Social);
    let profiles: Vec<&str> = social
        .evidence
        .iter()
        .map(|ev| ev.excerpt.as_str())
        .collect();
    assert_eq!(
        profiles,
        [
            "https://www.linkedin.com/company/acme-robotics/",
            "https://twitter.com/acmerobotics",
            "https://github.com/acme-robotics",
            "https://www.youtube.com/@acmerobotics",
        ]
    );

    for s in &e.signals {
        assert!(!s.evidence.is_empty());
        for ev in &s.evidence {
            assert!(ev.excerpt.chars().count() <= 200, "{ev:?}");
            assert!(ev.url.starts_with(base), "{ev:?}");
        }
    }
}

#[test]
fn strong_site_summary_bullets_and_sources() {
    let e = analysed(ACME, "Acme Robotics");
    assert_eq!(
        e.summary,
        "Acme Robotics builds autonomous mobile robots that pick, sort and move orders in busy warehouses, so fulfillment teams ship more orders with fewer errors. Our robots bring every order to the packing station, so warehouses ship twice as many orders per shift without adding headcount."
    );
    assert_eq!(
        e.what_they_do,
        [
            "Autonomous picking: robots navigate the aisles on their own",
            "Fleet orchestration: one dashboard assigns orders to every robot in the fleet",
            "Inventory visibility: every robot scans the shelves as it drives",
            "Live in six weeks: our deployment team maps your warehouse",
        ]
    );
    let urls: Vec<&str> = e.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://acme-robotics.example/",
            "https://acme-robotics.example/about",
            "https://acme-robotics.example/blog",
            "https://acme-robotics.example/careers",
            "https://acme-robotics.example/customers",
            "https://acme-robotics.example/pricing",
        ]
    );
    assert_eq!(
        e.sources[5].title.as_deref(),
        Some("Pricing | Acme Robotics")
    );
}

// --- The middling and the thin site ----------------------------------------------------

#[test]
fn middling_site_signals() {
    let e = analysed(FERNHILL, "Fernhill Analytics");
    assert_eq!(
        labels(&e),
        [
            (SignalKind::Hiring, "Careers page"),
            (SignalKind::Pricing, "Prices published"),
            (
                SignalKind::Blog,
                "1 post in the last 6 months (latest 2026-07-15)"
            ),
            (SignalKind::Customers, "Customers: 1 testimonial"),
            (SignalKind::TeamSize, "Team of 12"),
            (
                SignalKind::Technology,
                "Technology: Python, Snowflake, WordPress"
            ),
            (SignalKind::Social, "Social: LinkedIn"),
        ]
    );
    let base = "https://fernhill-analytics.example";
    assert_eq!(
        evidence_urls(signal(&e, SignalKind::Hiring)),
        [format!("{base}/careers")]
    );
    let pricing = signal(&e, SignalKind::Pricing);
    assert_eq!(pricing.evidence[0].url, format!("{base}/services"));
    assert_eq!(
        pricing.evidence[0].excerpt,
        "Retainers start from £2,500 per month."
    );
    assert_eq!(
        evidence_urls(signal(&e, SignalKind::Blog)),
        [format!("{base}/insights")]
    );
    assert_eq!(
        evidence_urls(signal(&e, SignalKind::TeamSize)),
        [format!("{base}/about")]
    );
    assert_eq!(e.what_they_do.len(), 3);
    assert!(e.what_they_do[0].starts_with("Data pipelines: "));
    assert!(
        e.keywords.contains(&"spreadsheet".to_string()),
        "{:?}",
        e.keywords
    );
    // The sidebar on every page is the template, not the company.
    assert!(
        !e.keywords.iter().any(|k| k.contains("monthly")),
        "{:?}",
        e.keywords
    );
}

#[test]
fn thin_site() {
    let e = analysed(BRAMBLE, "Bramble Studio");
    assert_eq!(
        labels(&e),
        [
            (SignalKind::Technology, "Technology: Squarespace"),
            (SignalKind::Social, "Social: Instagram"),
        ]
    );
    assert_eq!(
        e.summary,
        "Branding and packaging design for small food brands."
    );
    assert!(e.keywords.contains(&"packaging".to_string()));
    assert!(!e.keywords.iter().any(|k| k.contains("bramble")));
}

#[test]
fn scores_and_confidence() {
    let strong = analysed(ACME, "Acme Robotics");
    let middling = analysed(FERNHILL, "Fernhill Analytics");
    let thin = analysed(BRAMBLE, "Bramble Studio");
    // Strong: hiring 20 (8 + 2 × 7, capped), pricing 15, blog 10 (3 + 2 × 4, capped),
    // customers 15, funding 15, team 10, technology 5 (8, capped), social 4,
    // substance 4 (1,000+ words: 2; 6 pages: 2).
    assert_eq!((strong.score, strong.confidence), (98, Confidence::High));
    // Middling: careers page 8, prices published 5, blog 3 + 2, one testimonial 5,
    // team of 12: 4 + 3, technology 3, social 1, substance 2 (471 words: 0; 5 pages: 2).
    assert_eq!(
        (middling.score, middling.confidence),
        (36, Confidence::Medium)
    );
    // Thin: technology 1, social 1.
    assert_eq!((thin.score, thin.confidence), (2, Confidence::Low));
}

#[test]
fn the_analysis_is_deterministic() {
    for (site, name) in [
        (ACME, "Acme Robotics"),
        (FERNHILL, "Fernhill Analytics"),
        (BRAMBLE, "Bramble Studio"),
    ] {
        let first = analysed(site, name);
        let second = analysed(site, name);
        assert_eq!(first, second);
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap()
        );
    }
}

#[test]
fn recent_posts_count_back_from_today() {
    let docs = documents(ACME);
    let later = analyse("Acme Robotics", &docs, Date::new(2027, 6, 1).unwrap());
    assert_eq!(
        signal(&later, SignalKind::Blog).label,
        "No posts in the last 6 months (latest 2026-10-03)"
    );
    // Posts dated after today are not counted; 2025-12-15 is 198 days before.
    let earlier = analyse("Acme Robotics", &docs, Date::new(2026, 7, 1).unwrap());
    assert_eq!(
        signal(&earlier, SignalKind::Blog).label,
        "1 post in the last 6 months (latest 2026-06-02)"
    );
    assert!(later.score < analysed(ACME, "Acme Robotics").score);
}

#[test]
fn no_pages_and_an_empty_page() {
    let none = analyse("Nobody", &[], today());
    assert_eq!(none.score, 0);
    assert_eq!(none.confidence, Confidence::Low);
    assert!(none.signals.is_empty() && none.keywords.is_empty() && none.sources.is_empty());
    assert_eq!(none.summary, "");

    let empty = analyse(
        "Nobody",
        &[extract(&page("https://nobody.example/", ""))],
        today(),
    );
    assert_eq!(empty.score, 0);
    assert_eq!(empty.confidence, Confidence::Low);
    assert_eq!(empty.sources.len(), 1);
    assert_eq!(empty.sources[0].title, None);
}
