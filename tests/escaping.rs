#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! User text never becomes markup. Every string a person can store is saved through
//! the app's own server functions with a payload that tries to close whatever element
//! holds it (`</textarea>`, `</title>`, `</script>`, a quote) and open a live one; then
//! every page that shows it is rendered through the real router for every role that can
//! open it, parsed as a browser parses it, and must hold no live element of the payload
//! and show the text literally. Query parameters a page reflects get the same.
//!
//! A new field is one row in `STORED`; a new page or reflected parameter one row in
//! `PAGES` or `REFLECTED`.

mod common;

use app::server::AppState;
use axum::http::StatusCode;
use scraper::{Html, Node};
use sqlx::PgPool;

const PASSWORD: &str = "a long password";

/// A payload for `tag`: it closes every raw-text element and a quoted attribute, then
/// opens elements that would run script: 113 characters and the tag.
fn payload(tag: &str) -> String {
    format!(
        "{tag}\"'></textarea></title></script></style><img src=x onerror=alert(1)><script>alert(2)</script><svg onload=alert(3)>"
    )
}

/// The first `max` characters of `text`, for fields with a length limit.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The same for fields of at most 50 characters (a 3-character tag).
fn short_payload(tag: &str) -> String {
    format!("{tag}</textarea></title><img src=x onerror=alert(1)>")
}

/// Every stored string, by the tag its payload starts with: (tag, payload).
fn stored() -> Vec<(&'static str, String)> {
    vec![
        ("[title]", payload("[title]")),
        ("[cname]", payload("[cname]")),
        (
            "[e]",
            "[e]</title></textarea><img/src=x/onerror=alert(1)>@x.test".into(),
        ),
        ("[p]", short_payload("[p]")),
        ("[ccomp]", payload("[ccomp]")),
        ("[comment]", payload("[comment]")),
        ("[company]", payload("[company]")),
        ("[sector]", cut(&payload("[sector]"), 100)),
        ("[location]", cut(&payload("[location]"), 100)),
        ("[note]", payload("[note]")),
        ("[list]", cut(&payload("[list]"), 100)),
        ("[search]", cut(&payload("[search]"), 100)),
        ("[user]", payload("[user]")),
        // A contractor's, as Zoho CRM sends them (the directory's source).
        ("[contractor]", payload("[contractor]")),
        ("[trade]", payload("[trade]")),
        ("[city]", payload("[city]")),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Admin,
    Employee,
    Analyst,
    /// The person whose name is a payload.
    Named,
}

/// Each page, who opens it, and which stored strings it must show literally (every
/// page is checked for live elements whatever it shows). `{case}`, `{company}` and
/// `{list}` are the rows made by `setup`.
const PAGES: &[(&str, Who, &[&str])] = &[
    (
        "/cases/{case}",
        Who::Employee,
        &["[title]", "[cname]", "[e]", "[p]", "[ccomp]", "[comment]"],
    ),
    (
        "/cases/{case}",
        Who::Admin,
        &["[title]", "[cname]", "[e]", "[p]", "[ccomp]"],
    ),
    ("/cases/{case}?tab=activity", Who::Admin, &[]),
    ("/cases/{case}", Who::Analyst, &[]),
    ("/work", Who::Employee, &["[title]", "[cname]", "[comment]"]),
    ("/cases", Who::Admin, &["[title]", "[cname]", "[comment]"]),
    (
        "/companies",
        Who::Analyst,
        &["[company]", "[sector]", "[location]", "[search]"],
    ),
    (
        "/companies",
        Who::Admin,
        &["[company]", "[sector]", "[location]"],
    ),
    ("/companies", Who::Employee, &[]),
    (
        "/companies/{company}",
        Who::Analyst,
        &["[company]", "[sector]", "[location]", "[note]", "[list]"],
    ),
    (
        "/companies/{company}",
        Who::Admin,
        &["[company]", "[sector]", "[location]", "[note]"],
    ),
    ("/lists", Who::Analyst, &["[list]"]),
    ("/lists/{list}", Who::Analyst, &["[list]", "[company]"]),
    ("/admin/users", Who::Admin, &["[user]"]),
    ("/admin/usage", Who::Admin, &[]),
    ("/", Who::Named, &["[user]"]),
    ("/work", Who::Named, &["[user]"]),
    ("/", Who::Admin, &[]),
    (
        "/contractors",
        Who::Employee,
        &["[contractor]", "[trade]", "[city]"],
    ),
    (
        "/contractors/{contractor}",
        Who::Admin,
        &["[contractor]", "[trade]", "[city]"],
    ),
    // Pages that show none of the strings above: checked for live markup, and for
    // blocks of HTML made for nothing, like every other.
    ("/cases/new", Who::Employee, &[]),
    ("/imports/new", Who::Admin, &[]),
    ("/admin", Who::Admin, &[]),
    ("/admin/system", Who::Admin, &[]),
    ("/admin/api-keys", Who::Admin, &[]),
    ("/admin/webhooks", Who::Admin, &[]),
    ("/admin/inquiry-form", Who::Admin, &[]),
    ("/admin/integrations/zoho", Who::Admin, &[]),
];

/// Query parameters pages read: each row is one address with every parameter set to
/// its own payload, who opens it, and which of them the page shows.
const REFLECTED: &[(&str, &[&str], Who, &[&str])] = &[
    (
        "/cases/{case}",
        &["draft", "error"],
        Who::Employee,
        &["draft", "error"],
    ),
    (
        "/cases/{case}",
        &[
            "tab",
            "saved",
            "title",
            "customer_name",
            "status",
            "priority",
            "assignee",
        ],
        Who::Employee,
        &[],
    ),
    (
        "/work",
        &["q", "status", "sort", "after"],
        Who::Employee,
        &[],
    ),
    ("/work", &["q"], Who::Employee, &["q"]),
    ("/cases", &["q"], Who::Admin, &["q"]),
    (
        "/cases",
        &["assignee", "status", "archived"],
        Who::Admin,
        &[],
    ),
    ("/companies", &["q"], Who::Analyst, &["q"]),
    // The save-search form (and the name typed into it) shows under a filter.
    (
        "/companies?sector=Software",
        &["search_error", "search_name"],
        Who::Analyst,
        &["search_error", "search_name"],
    ),
    (
        "/companies",
        &[
            "add_error",
            "list_error",
            "added",
            "duplicate",
            "name",
            "website",
        ],
        Who::Analyst,
        &[],
    ),
    (
        "/companies",
        &["sector", "location", "stage", "min_score"],
        Who::Analyst,
        &[],
    ),
    ("/companies/{company}", &["error"], Who::Analyst, &["error"]),
    (
        "/lists",
        &["error", "name"],
        Who::Analyst,
        &["error", "name"],
    ),
    (
        "/lists/{list}",
        &["error", "created", "renamed", "removed", "enrich"],
        Who::Analyst,
        &[],
    ),
    ("/admin/users", &["q"], Who::Admin, &["q"]),
    ("/admin/usage", &["error"], Who::Admin, &["error"]),
    ("/admin/usage", &["month", "saved"], Who::Admin, &[]),
];

struct World {
    state: AppState,
    cookies: Vec<(Who, String)>,
    case: i32,
    company: i64,
    list: i64,
    contractor: i64,
}

impl World {
    fn cookie(&self, who: Who) -> &str {
        &self.cookies.iter().find(|(w, _)| *w == who).unwrap().1
    }

    fn path(&self, template: &str) -> String {
        template
            .replace("{case}", &self.case.to_string())
            .replace("{company}", &self.company.to_string())
            .replace("{list}", &self.list.to_string())
            .replace("{contractor}", &self.contractor.to_string())
    }

    /// A server function called as `who`; it must succeed. Its JSON answer.
    async fn call(&self, who: Who, path: &str, form: &[(&str, String)]) -> serde_json::Value {
        common::call_ok(&self.state, self.cookie(who), path, form).await
    }
}

async fn setup(pool: &PgPool) -> World {
    let tenant = common::acme_with_every_role(pool, PASSWORD).await;
    common::cases_for_employees(pool, tenant, 3, 0).await;
    let state = common::state(common::config(&common::database_url(pool), &[]));
    let mut cookies = Vec::new();
    for (who, email) in [
        (Who::Admin, "ada@acme.example"),
        (Who::Employee, "emil@acme.example"),
        (Who::Analyst, "anna@acme.example"),
    ] {
        cookies.push((who, common::session_cookie(&state, email, PASSWORD).await));
    }
    let (case, version, emil): (i32, i32, uuid::Uuid) = sqlx::query_as(
        "SELECT c.number, c.version, u.id FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example' AND NOT c.archived ORDER BY c.number LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let mut world = World {
        state,
        cookies,
        case,
        company: 0,
        list: 0,
        contractor: 0,
    };
    let text = stored();
    let p = |tag: &str| text.iter().find(|(t, _)| *t == tag).unwrap().1.clone();

    // The case's fields, as its assignee saves them, and a comment.
    world
        .call(
            Who::Employee,
            "/api/case/save",
            &[
                ("number", case.to_string()),
                ("version", version.to_string()),
                ("title", p("[title]")),
                ("customer_name", p("[cname]")),
                ("customer_email", p("[e]")),
                ("customer_phone", p("[p]")),
                ("customer_company", p("[ccomp]")),
                ("status", "open".into()),
                ("priority", "high".into()),
                ("assignee", emil.to_string()),
            ],
        )
        .await;
    world
        .call(
            Who::Employee,
            "/api/case/comment",
            &[("number", case.to_string()), ("body", p("[comment]"))],
        )
        .await;

    // A company, a note on it, a list holding it and a saved search, as the analyst.
    let company = world
        .call(
            Who::Analyst,
            "/api/companies/create",
            &[
                ("name", p("[company]")),
                (
                    "website",
                    "https://xss-marker.example/\"'><img/src=x/onerror=alert(1)>".into(),
                ),
                ("sector", p("[sector]")),
                ("stage", String::new()),
                ("location", p("[location]")),
            ],
        )
        .await;
    world.company = company.as_i64().unwrap();
    world
        .call(
            Who::Analyst,
            "/api/company/note",
            &[("id", world.company.to_string()), ("body", p("[note]"))],
        )
        .await;
    let list = world
        .call(Who::Analyst, "/api/lists/create", &[("name", p("[list]"))])
        .await;
    world.list = list.as_i64().unwrap();
    world
        .call(
            Who::Analyst,
            "/api/lists/add",
            &[
                ("list_id", world.list.to_string()),
                ("company", world.company.to_string()),
            ],
        )
        .await;
    world
        .call(
            Who::Analyst,
            "/api/searches/save",
            &[("name", p("[search]")), ("query", "sector=Software".into())],
        )
        .await;

    // A person whose name is a payload, added by the admin, who then signs in.
    world
        .call(
            Who::Admin,
            "/api/admin/users/add",
            &[
                ("email", "named@acme.example".into()),
                ("display_name", p("[user]")),
                ("role", "employee".into()),
                ("password", PASSWORD.into()),
            ],
        )
        .await;
    let named = common::session_cookie(&world.state, "named@acme.example", PASSWORD).await;
    world.cookies.push((Who::Named, named));

    // A contractor as a sync from Zoho CRM stores it.
    world.contractor = sqlx::query_scalar(
        "INSERT INTO contractors (tenant_id, zoho_id, name, trade, city, zoho_modified_at)
         VALUES ($1, '4100001', $2, $3, $4, now()) RETURNING id",
    )
    .bind(tenant)
    .bind(p("[contractor]"))
    .bind(p("[trade]"))
    .bind(p("[city]"))
    .fetch_one(pool)
    .await
    .unwrap();
    world
}

/// Whether `html`, parsed as a browser parses it, has a live element or attribute that
/// a payload could have brought: an event-handler attribute, a script that alerts, a
/// `javascript:` link. (The app itself uses none of them.)
fn live_markup(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let mut found = Vec::new();
    for node in document.tree.nodes() {
        let Node::Element(element) = node.value() else {
            continue;
        };
        for (name, value) in element.attrs() {
            if name.starts_with("on") {
                found.push(format!("<{} {name}={value:?}>", element.name()));
            }
            if value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
            {
                found.push(format!("<{} {name}={value:?}>", element.name()));
            }
        }
        if element.name() == "script" {
            let text: String = node
                .children()
                .filter_map(|child| child.value().as_text().map(|t| t.to_string()))
                .collect();
            // Leptos' own data scripts carry the payload as an escaped JSON string
            // (its `<` as \u003c, so it cannot close the script); any other script
            // that alerts came from a payload.
            let leptos_data = text.starts_with("__RESOLVED_RESOURCES")
                || text.starts_with("__SERIALIZED_ERRORS")
                || text.starts_with("__INCOMPLETE_CHUNKS");
            if text.contains("alert(") && !leptos_data {
                found.push(format!("<script>{text}</script>"));
            }
        }
    }
    found
}

/// Everything a person can read or that a form sends: the text of every node (page
/// title and text areas included) and every attribute value.
fn visible_text(html: &str) -> String {
    let document = Html::parse_document(html);
    let mut out = String::new();
    for node in document.tree.nodes() {
        match node.value() {
            Node::Text(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Node::Element(element) => {
                for (_, value) in element.attrs() {
                    out.push_str(value);
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    out
}

async fn page(world: &World, who: Who, path: &str) -> common::Reply {
    common::get_with_cookie(world.state.clone(), path, world.cookie(who)).await
}

#[sqlx::test]
async fn stored_text_shows_literally_on_every_page_for_every_role(pool: PgPool) {
    let world = setup(&pool).await;
    let text = stored();
    let mut failures = Vec::new();
    for (template, who, shows) in PAGES {
        let path = world.path(template);
        let reply = page(&world, *who, &path).await;
        let live = live_markup(&reply.body);
        if !live.is_empty() {
            failures.push(format!("{path} as {who:?}: live markup {live:?}"));
        }
        // Forms work before the WebAssembly arrives: a version a save is checked
        // against must be in the page, not only set by script.
        for input in Html::parse_document(&reply.body)
            .select(&scraper::Selector::parse(r#"input[name="version"]"#).unwrap())
        {
            if input.value().attr("value").is_none_or(str::is_empty) {
                failures.push(format!(
                    "{path} as {who:?}: a version field without a value"
                ));
            }
        }
        let visible = visible_text(&reply.body);
        for tag in *shows {
            let (_, payload) = text.iter().find(|(t, _)| t == tag).unwrap();
            if !visible.contains(payload.as_str()) {
                failures.push(format!(
                    "{path} as {who:?} ({}): {tag} is not shown literally",
                    reply.status
                ));
            }
        }
    }
    // The page title is one of the places: the case's, escaped inside <title>.
    let case_page = page(&world, Who::Admin, &world.path("/cases/{case}")).await;
    let title = Html::parse_document(&case_page.body)
        .select(&scraper::Selector::parse("title").unwrap())
        .next()
        .map(|t| t.text().collect::<String>())
        .unwrap_or_default();
    assert_eq!(
        title,
        format!("#{} {} · Casework", world.case, payload("[title]"))
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every block of HTML a page set aside was rendered (none made for nothing).
    assert_eq!(casework::http::html_splice::unused_blocks(), 0);
}

#[sqlx::test]
async fn reflected_query_parameters_show_literally_and_never_as_markup(pool: PgPool) {
    let world = setup(&pool).await;
    let mut failures = Vec::new();
    for (template, params, who, shown) in REFLECTED {
        let base = world.path(template);
        let values: Vec<(&str, String)> = params
            .iter()
            .map(|param| (*param, cut(&payload(&format!("[{param}]")), 190)))
            .collect();
        let joiner = if base.contains('?') { '&' } else { '?' };
        let path = format!(
            "{base}{joiner}{}",
            serde_urlencoded::to_string(&values).unwrap()
        );
        let reply = page(&world, *who, &path).await;
        if reply.status.is_server_error() {
            failures.push(format!("{base} {params:?}: {}", reply.status));
        }
        let live = live_markup(&reply.body);
        if !live.is_empty() {
            failures.push(format!(
                "{base} {params:?} as {who:?}: live markup {live:?}"
            ));
        }
        let visible = visible_text(&reply.body);
        for (param, value) in &values {
            if shown.contains(param) && !visible.contains(value.as_str()) {
                failures.push(format!(
                    "{base}?{param}=… as {who:?} ({}): not shown literally",
                    reply.status
                ));
            }
        }
    }
    // The sign-in page, signed out.
    let reply = common::get(
        world.state.clone(),
        &format!(
            "/login?{}",
            serde_urlencoded::to_string([
                ("next", payload("[next]")),
                ("error", payload("[error]")),
                ("email", payload("[email]")),
            ])
            .unwrap()
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(live_markup(&reply.body), Vec::<String>::new());
    assert!(visible_text(&reply.body).contains(&payload("[email]")));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checker_finds_what_a_broken_escape_would_let_through() {
    // What the case page rendered before the fix: the title written into <title> raw.
    let broken = format!(
        "<html><head><title>#1 {}</title></head></html>",
        payload("[t]")
    );
    let live = live_markup(&broken);
    assert!(live.iter().any(|l| l.contains("onerror")), "{live:?}");
    assert!(live.iter().any(|l| l.contains("alert(2)")), "{live:?}");
    let escaped = format!(
        "<html><head><title>#1 {}</title></head></html>",
        app::components::escape::escaped(&payload("[t]"))
    );
    assert!(live_markup(&escaped).is_empty());
    assert!(visible_text(&escaped).contains(&payload("[t]")));
    // And the same for a text area.
    let broken = format!("<textarea>{}</textarea>", payload("[n]"));
    assert!(!live_markup(&broken).is_empty());
}
