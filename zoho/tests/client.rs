//! The Zoho client against the fake Zoho: the protocol (grants, paging past 2,000,
//! incremental 304s, deleted records, photos, channels) and the faults a real Zoho
//! has, each met the way the client promises.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use zoho::client::{ListAnswer, PageAt, Settings};
use zoho::fake::{FakeConfig, FakeZoho, Faults};
use zoho::{Client, Error, FieldMap};

async fn fake(contacts: usize) -> FakeZoho {
    FakeZoho::start(FakeConfig {
        contacts,
        ..FakeConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("fake zoho: {e}"))
}

fn settings(fake: &FakeZoho) -> Settings {
    let config = fake.config();
    Settings {
        accounts_url: fake.accounts_url(),
        api_url: None,
        client_id: config.client_id,
        client_secret: SecretString::from(config.client_secret),
        refresh_token: SecretString::from(config.refresh_token),
        module: "Contacts".into(),
        fields: FieldMap::default().api_fields(),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        backoff: outbound::Backoff {
            attempts: 4,
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
            longest_wait: Duration::from_secs(5),
        },
    }
}

fn client(fake: &FakeZoho) -> Client {
    Client::new(settings(fake)).unwrap_or_else(|e| panic!("client: {e}"))
}

/// Every record, page by page, and the number of pages.
async fn list_all(
    client: &Client,
    since: Option<time::OffsetDateTime>,
) -> Result<(Vec<zoho::Record>, usize), Error> {
    let mut at = PageAt::FIRST;
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        match client.list(&at, since).await? {
            ListAnswer::NotModified => return Ok((records, pages)),
            ListAnswer::Page {
                records: page,
                unreadable,
                next,
            } => {
                assert!(unreadable.is_empty(), "{unreadable:?}");
                pages += 1;
                records.extend(page);
                match next {
                    Some(next) => at = next,
                    None => return Ok((records, pages)),
                }
            }
        }
    }
}

#[tokio::test]
async fn pages_past_two_thousand_with_page_tokens() {
    let fake = fake(2_450).await;
    let client = client(&fake);
    let (records, pages) = list_all(&client, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pages, 13, "200 a page");
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, fake.ids(), "every record once, in order");
    let counts = fake.counts();
    assert_eq!(counts.paged_with_token, 3, "pages 11–13 need the token");
    assert_eq!(counts.grants, 1, "one token for the whole run");
    // The fake refuses a page number past 2,000 records, as Zoho does.
    let past = client.list(&PageAt::Number(11), None).await;
    assert!(
        matches!(&past, Err(Error::Api { code, .. }) if code == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"),
        "{past:?}"
    );
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_refreshed_once() {
    let fake = fake(1_000).await;
    let client = client(&fake);
    fake.set_faults(Faults {
        expire_tokens_after: Some(2),
        ..Faults::default()
    });
    let (records, _) = list_all(&client, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 1_000);
    assert_eq!(fake.counts().grants, 2, "the first token and one refresh");
    assert_eq!(fake.counts().refused_tokens, 1);

    // Eight photo downloads in flight meet the expiry together: still one refresh.
    fake.expire_tokens();
    let ids: Vec<String> = fake.ids().into_iter().take(8).collect();
    let photos = futures::future::join_all(ids.iter().map(|id| client.photo(id))).await;
    assert!(photos.iter().all(Result::is_ok), "{photos:?}");
    assert_eq!(fake.counts().grants, 3);
    assert_eq!(client.stats().grants, 3);
}

#[tokio::test]
async fn refused_credentials_are_not_retried_and_name_the_reason() {
    let fake = fake(5).await;
    let mut wrong = settings(&fake);
    wrong.refresh_token = SecretString::from("1000.revoked".to_string());
    let client = Client::new(wrong).unwrap_or_else(|e| panic!("{e}"));
    let tested = client.test().await;
    assert_eq!(tested, Err(Error::Credentials("invalid_code".into())));
    assert_eq!(fake.counts().refused_grants, 1, "not retried");
    // The secret never shows in the error or in the settings' debug form.
    let mut wrong = settings(&fake);
    wrong.client_secret = SecretString::from("s3cr3t-value".to_string());
    assert!(!format!("{wrong:?}").contains("s3cr3t-value"));
    let tested = Client::new(wrong)
        .unwrap_or_else(|e| panic!("{e}"))
        .test()
        .await;
    assert_eq!(tested, Err(Error::Credentials("invalid_client".into())));
    assert!(client_ok(&fake).await);
}

async fn client_ok(fake: &FakeZoho) -> bool {
    client(fake).test().await.is_ok()
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_zoho_asks_for() {
    let fake = fake(10).await;
    let client = client(&fake);
    client.test().await.unwrap_or_else(|e| panic!("{e}"));
    fake.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_s: 1,
        ..Faults::default()
    });
    let started = Instant::now();
    let (records, _) = list_all(&client, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 10);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.counts().rate_limited, 1);
    assert_eq!(client.stats().retries, 1);

    // A wait longer than the client will give ends the retries at once.
    fake.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_s: 3600,
        ..Faults::default()
    });
    let started = Instant::now();
    let refused = client.list(&PageAt::FIRST, None).await;
    assert_eq!(
        refused,
        Err(Error::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        })
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn server_errors_twice_then_fine_and_too_many_gives_up() {
    let fake = fake(10).await;
    let client = client(&fake);
    fake.set_faults(Faults {
        server_error_next: 2,
        server_error_status: Some(503),
        ..Faults::default()
    });
    let (records, _) = list_all(&client, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records.len(), 10);
    assert_eq!(fake.counts().server_errors, 2);
    assert_eq!(client.stats().retries, 2);

    fake.set_faults(Faults {
        server_error_next: 10,
        ..Faults::default()
    });
    let refused = client.list(&PageAt::FIRST, None).await;
    assert_eq!(refused, Err(Error::Server { status: 500 }));
    assert_eq!(fake.counts().server_errors, 2 + 4, "four attempts in all");
}

#[tokio::test]
async fn photos_of_realistic_size_none_when_absent_and_a_failing_one_fails_alone() {
    let fake = fake(20).await;
    for size in fake.base_photo_sizes() {
        assert!(
            (40_000..=200_000).contains(&size),
            "a photo of {size} bytes"
        );
    }
    let client = client(&fake);
    let ids = fake.ids();
    let failing = ids[3].clone();
    fake.set_faults(Faults {
        failing_photos: vec![failing.clone()],
        ..Faults::default()
    });
    let mut fetched = 0;
    for id in &ids {
        match client.photo(id).await {
            Ok(Some(bytes)) => {
                assert_eq!(Some(bytes.to_vec()), fake.photo_bytes(id));
                fetched += 1;
            }
            Ok(None) => assert!(fake.contact(id).is_some_and(|c| c.photo_version.is_none())),
            Err(error) => {
                assert_eq!(id, &failing);
                assert_eq!(error, Error::Server { status: 500 });
            }
        }
    }
    assert_eq!(fetched, 17, "nine in ten have a photo; one always fails");
    // Each photo is its own bytes.
    assert_ne!(fake.photo_bytes(&ids[0]), fake.photo_bytes(&ids[1]));
    let bad = client.photo("../../oauth/v2/token").await;
    assert!(matches!(bad, Err(Error::Protocol(_))));
}

#[tokio::test]
async fn incremental_lists_answer_304_when_nothing_changed_and_only_the_changed_otherwise() {
    let fake = fake(300).await;
    let client = client(&fake);
    let (all, _) = list_all(&client, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cursor = all.iter().map(|r| r.modified_time).max();
    assert_eq!(
        client.list(&PageAt::FIRST, cursor).await,
        Ok(ListAnswer::NotModified)
    );
    assert_eq!(fake.counts().not_modified, 1);

    let changed = fake.modify(5, false);
    let (records, _) = list_all(&client, cursor)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    seen.sort();
    let mut expected = changed.clone();
    expected.sort();
    assert_eq!(seen, expected);

    // Read back by id, as a webhook does; an unknown id is simply absent.
    let mut ids = changed[..2].to_vec();
    ids.push("4150868999999999999".into());
    let back = client.records(&ids).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.len(), 2);
    assert!(client.records(&["1 OR 1=1".into()]).await.is_err());
}

#[tokio::test]
async fn deleted_records_are_listed_since_a_time() {
    let fake = fake(30).await;
    let client = client(&fake);
    let before = time::OffsetDateTime::now_utc() - Duration::from_secs(1);
    let (none, _) = client
        .deleted(&PageAt::FIRST, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(none.is_empty());
    let gone: Vec<String> = fake.ids().into_iter().take(3).collect();
    assert_eq!(fake.delete(&gone), 3);
    let (deleted, next) = client
        .deleted(&PageAt::FIRST, Some(before))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next, None);
    let ids: Vec<String> = deleted.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids, gone);
    let later = deleted.iter().filter_map(|d| d.deleted_time).max();
    let (after, _) = client
        .deleted(&PageAt::FIRST, later)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(after.is_empty());
}

#[tokio::test]
async fn a_channel_is_enabled_and_notifications_carry_its_token() {
    let fake = fake(5).await;
    let client = client(&fake);
    // A receiver that keeps what it is sent.
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(n): axum::Json<zoho::Notification>| {
            let sent = sent.clone();
            async move {
                let _ = sent.send(n);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let notify_url =
        url::Url::parse(&format!("http://{addr}/hook")).unwrap_or_else(|e| panic!("{e}"));
    let token = SecretString::from("channel-token-1".to_string());
    let expiry = time::OffsetDateTime::now_utc() + Duration::from_secs(3600);
    client
        .watch("1000000068001", &token, &notify_url, expiry)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = fake.ids()[0].clone();
    assert_eq!(
        fake.notify("update", std::slice::from_ref(&id)).await,
        Ok(204)
    );
    let got = received
        .recv()
        .await
        .unwrap_or_else(|| panic!("no notification"));
    assert_eq!(got.ids, vec![id]);
    assert_eq!(got.channel_id, "1000000068001");
    assert_eq!(got.token, "channel-token-1");
    assert_eq!(got.module, "Contacts");
    assert_eq!(got.operation(), Some(zoho::notification::Operation::Upsert));
}
