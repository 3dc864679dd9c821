#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Notifications through the real write paths and routes: who hears of an assignment
//! (one at a time, in bulk), of a comment and of a mention — the right people only, in
//! their workspace, as their settings say — read state kept per person on the server,
//! and live delivery on each person's own stream.

mod common;

use app::model::{
    BulkChange, BulkTarget, CaseFilter, Notification, NotificationKind, NotificationSettings, Role,
    Viewer,
};
use app::server::cases::Scope;
use app::server::{bulk, case_detail, case_edit, comments, notifications};
use axum::http::StatusCode;
use common::world::{PASSWORD, World};
use sqlx::PgPool;
use uuid::Uuid;

struct Acme {
    world: World,
    ada: Viewer,
    emil: Viewer,
    erin: Viewer,
    anna: Viewer,
    /// An admin who was deactivated.
    dora: Viewer,
    emils_case: i32,
}

async fn acme(pool: &PgPool, cases: u32) -> Acme {
    let world = World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("dora@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
                ("erin@acme.example", Role::Employee),
                ("anna@acme.example", Role::Analyst),
            ],
        )
        .cases("acme", cases, 0)
        // Another workspace whose admin has the same name as acme's.
        .tenant("globex", &[("ada@globex.example", Role::Admin)])
        .done()
        .await;
    sqlx::query("UPDATE users SET active = false WHERE email = 'dora@acme.example'")
        .execute(pool)
        .await
        .unwrap();
    let emils_case: i32 = sqlx::query_scalar(
        "SELECT min(c.number) FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    Acme {
        ada: world.viewer("ada@acme.example").await,
        emil: world.viewer("emil@acme.example").await,
        erin: world.viewer("erin@acme.example").await,
        anna: world.viewer("anna@acme.example").await,
        dora: world.viewer("dora@acme.example").await,
        emils_case,
        world,
    }
}

async fn inbox(acme: &Acme, viewer: &Viewer) -> Vec<Notification> {
    notifications::inbox(&acme.world.state.pool, viewer, None, false, 50)
        .await
        .unwrap()
        .items
}

/// Every notification written, by recipient email, as the owner sees the table.
async fn everyone(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT u.email, n.kind::text FROM notifications n JOIN users u ON u.id = n.user_id
         ORDER BY n.id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn save(
    acme: &Acme,
    by: &Viewer,
    number: i32,
    change: impl FnOnce(&mut app::model::CaseFields),
) {
    let detail = case_detail::load(&acme.world.state.pool, &acme.ada, number)
        .await
        .unwrap();
    let mut fields = detail.case.fields.clone();
    change(&mut fields);
    case_edit::save(
        &acme.world.state.pool,
        by,
        number,
        detail.case.version,
        fields,
    )
    .await
    .unwrap();
}

#[sqlx::test]
async fn a_case_handed_to_someone_tells_them_and_no_one_else(pool: PgPool) {
    let acme = acme(&pool, 300).await;
    // Ada gives Emil's case to Erin: Erin hears of it, by name and number.
    save(&acme, &acme.ada, acme.emils_case, |f| {
        f.assignee_id = Some(acme.erin.user_id)
    })
    .await;
    let erins = inbox(&acme, &acme.erin).await;
    assert_eq!(erins.len(), 1);
    assert_eq!(erins[0].kind, NotificationKind::Assigned);
    assert!(!erins[0].read);
    assert!(
        erins[0]
            .headline()
            .starts_with(&format!("ada assigned you #{} ", acme.emils_case)),
        "{}",
        erins[0].headline()
    );
    assert_eq!(erins[0].href(), format!("/cases/{}", acme.emils_case));
    assert_eq!(everyone(&pool).await.len(), 1, "only Erin");

    // Erin hands it back to the pool, then Ada takes it herself: nobody is told of
    // their own doing.
    save(&acme, &acme.erin, acme.emils_case, |f| f.assignee_id = None).await;
    save(&acme, &acme.ada, acme.emils_case, |f| {
        f.assignee_id = Some(acme.ada.user_id)
    })
    .await;
    // A change that is not of the assignee tells no one either.
    save(&acme, &acme.ada, acme.emils_case, |f| {
        f.title = "Renamed".into()
    })
    .await;
    assert_eq!(everyone(&pool).await.len(), 1);

    // In bulk: every case the queue's default filter matches, to Erin. The action runs
    // in chunks of 200 (each its own transaction); about half the cases were hers
    // already. One notification, counting the cases that were not hers.
    let hers = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM cases WHERE assignee_id = $1")
            .bind(acme.erin.user_id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let hers_before = hers().await;
    let as_of: time::OffsetDateTime = sqlx::query_scalar("SELECT now()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let report = bulk::apply(
        &acme.world.state.pool,
        &acme.ada,
        Scope::Everyone,
        &CaseFilter::default(),
        BulkTarget::AllMatching {
            as_of_micros: i64::try_from(as_of.unix_timestamp_nanos() / 1_000).unwrap() + 1_000_000,
        },
        BulkChange::Assign(Some(acme.erin.user_id)),
    )
    .await
    .unwrap();
    let not_hers = hers().await - hers_before;
    assert_eq!(report.updated, u64::try_from(not_hers).unwrap());
    assert!(
        report.updated + report.unchanged > u64::try_from(bulk::CHUNK).unwrap(),
        "more than one chunk: {report:?}"
    );
    assert!(not_hers > 1);
    let erins = inbox(&acme, &acme.erin).await;
    assert_eq!(erins.len(), 2, "{erins:?}");
    assert_eq!(erins[0].cases as i64, not_hers);
    assert_eq!(
        erins[0].headline(),
        format!("ada assigned you {not_hers} cases")
    );
    assert_eq!(erins[0].href(), "/work");
    assert_eq!(everyone(&pool).await.len(), 2, "only Erin, once");
}

#[sqlx::test]
async fn comments_and_mentions_reach_the_people_who_can_open_the_case_only(pool: PgPool) {
    let acme = acme(&pool, 10).await;
    let state = &acme.world.state;
    // Ada mentions everyone she can think of on Emil's case. Emil (the assignee) hears
    // of the mention, once, and not also of "a comment". Erin cannot open the case;
    // Anna is an analyst; Dora left; Ada wrote it; globex's Ada is elsewhere.
    let posted = comments::post(
        &state.pool,
        &acme.ada,
        acme.emils_case,
        "@emil @erin @anna @ada and again @EMIL — mail emil@acme.example",
    )
    .await
    .unwrap();
    comments::post(
        &state.pool,
        &acme.ada,
        acme.emils_case,
        "@dora, are you there?",
    )
    .await
    .unwrap();
    sqlx::query("DELETE FROM notifications WHERE kind = 'comment'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        everyone(&pool).await,
        vec![("emil@acme.example".into(), "mention".into())]
    );
    let emils = inbox(&acme, &acme.emil).await;
    assert_eq!(
        emils[0].headline(),
        format!(
            "ada mentioned you on #{} {}",
            acme.emils_case,
            emils[0].case_title.clone().unwrap()
        )
    );
    assert!(emils[0].excerpt.starts_with("@emil @erin"));

    // A comment with no mention: the assignee hears of it.
    comments::post(
        &state.pool,
        &acme.ada,
        acme.emils_case,
        "Called the customer.",
    )
    .await
    .unwrap();
    let emils = inbox(&acme, &acme.emil).await;
    assert_eq!(emils[0].kind, NotificationKind::Comment);
    assert_eq!(emils[0].excerpt, "Called the customer.");

    // Emil on his own case, mentioning Ada (an admin can open it): only Ada.
    comments::post(
        &state.pool,
        &acme.emil,
        acme.emils_case,
        "@ada can you look?",
    )
    .await
    .unwrap();
    let adas = inbox(&acme, &acme.ada).await;
    assert_eq!(adas.len(), 1);
    assert_eq!(adas[0].kind, NotificationKind::Mention);
    assert_eq!(everyone(&pool).await.len(), 3);

    // Editing a comment tells only the newly mentioned: Emil was already.
    let people = notifications::mentionable_on(&state.pool, &acme.ada, acme.emils_case)
        .await
        .unwrap();
    let names: Vec<&str> = people.iter().map(|p| p.display_name.as_str()).collect();
    assert_eq!(names, vec!["ada", "emil"], "who can open it, active");
    sqlx::query("UPDATE users SET active = true WHERE email = 'dora@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    comments::edit(
        &state.pool,
        &acme.ada,
        acme.emils_case,
        posted.id,
        "@emil @dora, please look",
    )
    .await
    .unwrap();
    let doras = inbox(&acme, &acme.dora).await;
    assert_eq!(doras.len(), 1);
    assert_eq!(doras[0].kind, NotificationKind::Mention);
    assert_eq!(everyone(&pool).await.len(), 4, "Emil not told again");

    // Who may be mentioned is asked for a case the asker can open, else 404.
    let erins_case: i32 =
        sqlx::query_scalar("SELECT min(c.number) FROM cases c WHERE c.assignee_id = $1")
            .bind(acme.erin.user_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let refused = notifications::mentionable_on(&state.pool, &acme.emil, erins_case).await;
    assert_eq!(refused, Err(app::model::AppError::NotFound));
    let _ = &acme.anna;
}

#[sqlx::test]
async fn muted_kinds_are_not_written_and_bad_settings_change_nothing(pool: PgPool) {
    let acme = acme(&pool, 10).await;
    let state = &acme.world.state;
    let emil = acme.world.cookie("emil@acme.example").await;
    // Emil keeps only mentions.
    let reply = common::call_fn(
        state,
        &emil,
        "/api/notifications/settings/save",
        &[("mention", "on".into())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let settings = notifications::settings(&state.pool, &acme.emil)
        .await
        .unwrap();
    assert!(settings.hears(NotificationKind::Mention));
    assert!(!settings.hears(NotificationKind::Comment));
    comments::post(&state.pool, &acme.ada, acme.emils_case, "No mention here.")
        .await
        .unwrap();
    save(&acme, &acme.ada, acme.emils_case, |f| {
        f.assignee_id = Some(acme.erin.user_id)
    })
    .await;
    save(&acme, &acme.ada, acme.emils_case, |f| {
        f.assignee_id = Some(acme.emil.user_id)
    })
    .await;
    assert!(
        inbox(&acme, &acme.emil).await.is_empty(),
        "comment and assignment muted"
    );
    comments::post(&state.pool, &acme.ada, acme.emils_case, "@emil now?")
        .await
        .unwrap();
    assert_eq!(inbox(&acme, &acme.emil).await.len(), 1);

    // A value a checkbox never sends: 422, settings as they were.
    let reply = common::call_fn(
        state,
        &emil,
        "/api/notifications/settings/save",
        &[("mention", "sometimes".into()), ("comment", "on".into())],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        notifications::settings(&state.pool, &acme.emil)
            .await
            .unwrap(),
        settings
    );
    // Settings are each person's: Erin's are untouched.
    assert_eq!(
        notifications::settings(&state.pool, &acme.erin)
            .await
            .unwrap(),
        NotificationSettings::default()
    );
    // Nobody signed in.
    let reply = common::call_fn(state, "", "/api/notifications/settings/save", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn read_state_is_each_persons_own_and_kept_on_the_server(pool: PgPool) {
    let acme = acme(&pool, 10).await;
    let state = &acme.world.state;
    for n in 0..3 {
        comments::post(
            &state.pool,
            &acme.ada,
            acme.emils_case,
            &format!("note {n}"),
        )
        .await
        .unwrap();
    }
    comments::post(&state.pool, &acme.emil, acme.emils_case, "@ada look")
        .await
        .unwrap();
    let emils = inbox(&acme, &acme.emil).await;
    let adas = inbox(&acme, &acme.ada).await;
    assert_eq!((emils.len(), adas.len()), (3, 1));
    let emil = acme.world.cookie("emil@acme.example").await;
    let unread = |cookie: String| async move {
        let reply =
            common::get_with_cookie(state.clone(), "/api/notifications/unread", &cookie).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body.trim().parse::<i64>().unwrap()
    };
    assert_eq!(unread(emil.clone()).await, 3);

    // Emil cannot read, open or mark Ada's.
    let theirs = adas[0].id.to_string();
    let reply = common::call_fn(
        state,
        &emil,
        "/api/notifications/read",
        &[("id", theirs.clone())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.trim(), "0");
    let reply = common::call_fn(state, &emil, "/api/notifications/open", &[("id", theirs)]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!inbox(&acme, &acme.ada).await[0].read);

    // Bad ids: 422, nothing changed.
    for bad in ["", "abc", "-4", "0", "1e3"] {
        let reply = common::call_fn(
            state,
            &emil,
            "/api/notifications/read",
            &[("id", bad.into())],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            reply.body
        );
        let reply = common::call_fn(
            state,
            &emil,
            "/api/notifications/open",
            &[("id", bad.into())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    assert_eq!(unread(emil.clone()).await, 3);

    // Opening one marks it read and answers where it leads.
    let reply = common::call_fn(
        state,
        &emil,
        "/api/notifications/open",
        &[("id", emils[2].id.to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains(&format!("/cases/{}", acme.emils_case)),
        "{}",
        reply.body
    );
    assert_eq!(unread(emil.clone()).await, 2);

    // "Mark all as read" up to what the page showed: one arriving since stays unread.
    let newest_seen = emils[0].id;
    comments::post(&state.pool, &acme.ada, acme.emils_case, "one more")
        .await
        .unwrap();
    let reply = common::call_fn(
        state,
        &emil,
        "/api/notifications/read",
        &[("up_to", newest_seen.to_string())],
    )
    .await;
    assert_eq!(reply.body.trim(), "2");
    assert_eq!(unread(emil.clone()).await, 1);
    let unread_only = notifications::inbox(&state.pool, &acme.emil, None, true, 50)
        .await
        .unwrap();
    assert_eq!(unread_only.items.len(), 1);
    assert_eq!(unread_only.items[0].excerpt, "one more");

    // A plain form (no JavaScript) opening one is sent on to the case.
    let reply = common::post_html_form(
        state.clone(),
        "/api/notifications/open",
        &[("id", &unread_only.items[0].id.to_string())],
        &emil,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.location(), format!("/cases/{}", acme.emils_case));
    assert_eq!(unread(emil).await, 0);
    // The page lists them, newest first, without JavaScript.
    let page = common::get_with_cookie(
        state.clone(),
        "/notifications",
        &acme.world.cookie("emil@acme.example").await,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ada commented on"), "{}", page.body);
    assert!(page.body.contains("All read."));
}

#[sqlx::test]
async fn each_person_hears_live_of_their_own_notifications_only(pool: PgPool) {
    let acme = acme(&pool, 10).await;
    let state = &acme.world.state;
    casework::startup::start_live_updates(state);
    let emil = acme.world.cookie("emil@acme.example").await;
    let erin = acme.world.cookie("erin@acme.example").await;
    let emils = common::open_stream(state, &emil, "/api/notifications/events", None).await;
    let erins = common::open_stream(state, &erin, "/api/notifications/events", None).await;
    assert_eq!(emils.status(), StatusCode::OK);
    common::eventually_listening(state).await;
    comments::post(&state.pool, &acme.ada, acme.emils_case, "for emil")
        .await
        .unwrap();
    let got = common::sse_events(emils.into_body(), 1).await;
    assert_eq!(got[0].1, "notification", "{got:?}");
    // Erin's stream stays quiet: what concerns Emil is not hers to hear.
    let quiet = tokio::time::timeout(
        std::time::Duration::from_millis(1_500),
        common::sse_events(erins.into_body(), 1),
    )
    .await;
    assert!(
        quiet.is_err(),
        "Erin heard of Emil's notification: {quiet:?}"
    );

    // Nobody signed in; an API key (not a person).
    let reply = common::open_stream(state, "", "/api/notifications/events", None).await;
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let _ = (&acme.anna, &acme.dora, Uuid::nil(), PASSWORD);
}
