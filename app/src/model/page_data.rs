//! How a queue page's (and the directory's) data travels inside the page itself, for
//! hydration.
//!
//! The server writes the queue's rows as HTML (`components::case_table::rows_html`), and
//! hydration keeps that HTML as it is: Leptos does not re-apply `inner_html` to an
//! element it hydrates. Of each row, the browser's code only uses the case id (ticks,
//! the live "Updated" marks) and the number (the keyboard's `Enter`), so that is all
//! the page carries of it. Sending the rows whole was 17 KB of a 76 KB page, serialized
//! and then escaped again into a script, on every page (bench/RESULTS.md).
//!
//! This is only the first load's encoding. A page loaded afterwards (a new filter, the
//! next page, the reload after a bulk action) comes through the queue's server function,
//! whole, and its rows are rendered in the browser from that.

use leptos::server::codee::{Decoder, Encoder};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppError, Assignee, CasePage, CasePriority, CaseRow, CaseStatus, Cursor, MatchCount};

/// The resource encoding of the queue pages (`Resource::new_with_options` with this as
/// its `Ser`).
pub struct QueuePageData;

/// A page as it travels for hydration: each row as `[id, number]`.
#[derive(Serialize, Deserialize)]
pub struct PageWire {
    rows: Vec<(i64, i32)>,
    count: MatchCount,
    next: Option<Cursor>,
    as_of_micros: i64,
}

impl PageWire {
    fn of(page: &CasePage) -> Self {
        Self {
            rows: page.rows.iter().map(|row| (row.id, row.number)).collect(),
            count: page.count,
            next: page.next,
            as_of_micros: page.as_of_micros,
        }
    }

    /// The page with rows that hold only what the browser's code reads of them; the
    /// rest of each row is in the HTML the server wrote.
    fn into_page(self) -> CasePage {
        CasePage {
            rows: self
                .rows
                .into_iter()
                .map(|(id, number)| CaseRow {
                    id,
                    number,
                    title: String::new(),
                    customer_name: String::new(),
                    status: CaseStatus::New,
                    priority: CasePriority::Normal,
                    updated_at: OffsetDateTime::UNIX_EPOCH,
                    created_at: OffsetDateTime::UNIX_EPOCH,
                    version: 0,
                    last_comment: None,
                })
                .collect::<Vec<_>>()
                .into(),
            count: self.count,
            next: self.next,
            as_of_micros: self.as_of_micros,
        }
    }
}

/// A value a queue page loads, with its hydration form.
pub trait PageData: Sized {
    type Wire: Serialize + for<'de> Deserialize<'de>;
    fn to_wire(&self) -> Self::Wire;
    fn from_wire(wire: Self::Wire) -> Self;
}

impl PageData for CasePage {
    type Wire = PageWire;

    fn to_wire(&self) -> PageWire {
        PageWire::of(self)
    }

    fn from_wire(wire: PageWire) -> Self {
        wire.into_page()
    }
}

/// The team view: its page, and the people to filter by and assign to (whole: the
/// filter and the bulk bar are built from them).
impl PageData for super::TeamPage {
    type Wire = (PageWire, Vec<Assignee>);

    fn to_wire(&self) -> Self::Wire {
        (PageWire::of(&self.page), self.assignees.clone())
    }

    fn from_wire((page, assignees): Self::Wire) -> Self {
        Self {
            page: page.into_page(),
            assignees,
        }
    }
}

/// The directory: each card as its id (the cards are HTML the server wrote, which
/// hydration keeps; 14.6 KB of a 70 KB page when sent whole, escaped twice), the
/// facets and the paging whole.
impl PageData for super::DirectoryPage {
    type Wire = DirectoryWire;

    fn to_wire(&self) -> DirectoryWire {
        DirectoryWire {
            cards: self.cards.iter().map(|card| card.id).collect(),
            count: self.count,
            next: self.next.clone(),
            trades: self.trades.clone(),
            cities: self.cities.clone(),
            statuses: self.statuses.clone(),
            connected: self.connected,
        }
    }

    fn from_wire(wire: DirectoryWire) -> Self {
        Self {
            cards: wire
                .cards
                .into_iter()
                .map(|id| super::ContractorCard {
                    id,
                    name: String::new(),
                    trade: None,
                    city: None,
                    region: None,
                    status: None,
                    archived: false,
                    photo: None,
                })
                .collect(),
            count: wire.count,
            next: wire.next,
            trades: wire.trades,
            cities: wire.cities,
            statuses: wire.statuses,
            connected: wire.connected,
        }
    }
}

/// A directory page as it travels for hydration.
#[derive(Serialize, Deserialize)]
pub struct DirectoryWire {
    cards: Vec<i64>,
    count: MatchCount,
    next: Option<super::ContractorCursor>,
    trades: Vec<super::FacetValue>,
    cities: Vec<super::FacetValue>,
    statuses: Vec<super::FacetValue>,
    connected: bool,
}

impl<T: PageData> Encoder<Result<T, AppError>> for QueuePageData {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &Result<T, AppError>) -> Result<String, Self::Error> {
        serde_json::to_string(&value.as_ref().map(T::to_wire))
    }
}

impl<T: PageData> Decoder<Result<T, AppError>> for QueuePageData {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<Result<T, AppError>, Self::Error> {
        serde_json::from_str::<Result<T::Wire, AppError>>(encoded)
            .map(|value| value.map(T::from_wire))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::TeamPage;
    use time::macros::datetime;

    fn page() -> CasePage {
        CasePage {
            rows: Arc::from([CaseRow {
                id: 7,
                number: 42,
                title: "Refund <not> received".into(),
                customer_name: "Ada Lovelace".into(),
                status: CaseStatus::Open,
                priority: CasePriority::High,
                updated_at: datetime!(2026-11-29 12:00 UTC),
                created_at: datetime!(2026-11-01 12:00 UTC),
                version: 3,
                last_comment: Some("Any news?".into()),
            }]),
            count: MatchCount::AtLeast(10_000),
            next: Some(Cursor {
                priority: None,
                at_micros: 1_795_990_676_958_925,
                id: 7,
            }),
            as_of_micros: 1_795_990_677_000_000,
        }
    }

    #[test]
    fn a_page_carries_ids_numbers_and_paging_but_not_the_rows_text() {
        let encoded = <QueuePageData as Encoder<Result<CasePage, AppError>>>::encode(&Ok(page()))
            .expect("encodes");
        assert!(!encoded.contains("Refund") && !encoded.contains("Ada"));
        assert!(!encoded.contains("Any news"));
        let decoded: Result<CasePage, AppError> =
            <QueuePageData as Decoder<_>>::decode(&encoded).expect("decodes");
        let decoded = decoded.expect("the page");
        let whole = page();
        assert_eq!(decoded.count, whole.count);
        assert_eq!(decoded.next, whole.next);
        assert_eq!(decoded.as_of_micros, whole.as_of_micros);
        let ids: Vec<(i64, i32)> = decoded.rows.iter().map(|r| (r.id, r.number)).collect();
        assert_eq!(ids, vec![(7, 42)]);
    }

    #[test]
    fn errors_and_the_team_views_people_travel_whole() {
        let error: Result<CasePage, AppError> = Err(AppError::invalid("status", "`x` is not"));
        let encoded = <QueuePageData as Encoder<_>>::encode(&error).expect("encodes");
        let decoded: Result<CasePage, AppError> =
            <QueuePageData as Decoder<_>>::decode(&encoded).expect("decodes");
        assert_eq!(decoded, error);

        let people = vec![Assignee {
            id: uuid::Uuid::from_u128(5),
            display_name: "Grace Hopper".into(),
        }];
        let team: Result<TeamPage, AppError> = Ok(TeamPage {
            page: page(),
            assignees: people.clone(),
        });
        let encoded = <QueuePageData as Encoder<_>>::encode(&team).expect("encodes");
        let decoded: Result<TeamPage, AppError> =
            <QueuePageData as Decoder<_>>::decode(&encoded).expect("decodes");
        let decoded = decoded.expect("the team page");
        assert_eq!(decoded.assignees, people);
        assert_eq!(decoded.page.rows.len(), 1);
        assert!(decoded.page.rows[0].title.is_empty());
    }

    #[test]
    fn a_directory_page_travels_as_card_ids_with_its_facets_whole() {
        use crate::model::{ContractorCard, DirectoryPage, FacetValue};
        let card = ContractorCard {
            id: 3275,
            name: "Ada <b>Adeyemi</b>".into(),
            trade: Some("Carpenter".into()),
            city: Some("Manchester".into()),
            region: None,
            status: Some("Active".into()),
            archived: false,
            photo: None,
        };
        let trades = vec![FacetValue {
            value: "Carpenter".into(),
            count: 12,
        }];
        let page: Result<DirectoryPage, AppError> = Ok(DirectoryPage {
            cards: vec![card].into(),
            count: MatchCount::Exact(1),
            next: None,
            trades: trades.clone(),
            cities: Vec::new(),
            statuses: Vec::new(),
            connected: true,
        });
        let encoded = <QueuePageData as Encoder<_>>::encode(&page).expect("encodes");
        assert!(!encoded.contains("Adeyemi"), "{encoded}");
        let decoded: Result<DirectoryPage, AppError> =
            <QueuePageData as Decoder<_>>::decode(&encoded).expect("decodes");
        let decoded = decoded.expect("the page");
        assert_eq!(decoded.cards.len(), 1);
        assert_eq!(decoded.cards[0].id, 3275);
        assert_eq!(decoded.trades, trades);
        assert_eq!(decoded.count, MatchCount::Exact(1));
        assert!(decoded.connected);
    }
}
