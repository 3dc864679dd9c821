//! The contractor directory as the pages show it: a card per contractor, the filter the
//! URL carries, a contractor's page, and the sync runs an admin watches.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppError, MatchCount};

/// A stored photo: the URL parts a page needs to build `src` and `srcset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// Content hash: in the URL, so a new photo is a new URL and caches never go stale.
    pub hash: String,
    pub width: i32,
    pub height: i32,
    /// Thumbnail widths stored.
    pub thumbs: Vec<i32>,
}

impl PhotoRef {
    /// The first 16 digits of the content hash: in the URL, so a new photo is a new URL.
    pub fn short_hash(&self) -> &str {
        self.hash.get(..16).unwrap_or(&self.hash)
    }

    /// The smallest stored thumbnail at least `px` wide (`None`: only the original is).
    pub fn fitting(&self, px: i32) -> Option<i32> {
        self.thumbs.iter().copied().filter(|w| *w >= px).min()
    }
}

/// One card of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ContractorCard {
    pub id: i64,
    pub name: String,
    pub trade: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub archived: bool,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub photo: Option<PhotoRef>,
}

impl ContractorCard {
    /// Up to two initials, for the placeholder of a contractor without a photo.
    pub fn initials(&self) -> String {
        initials(&self.name)
    }
}

pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// Everything about one contractor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorDetail {
    pub card: ContractorCard,
    pub zoho_id: String,
    pub skills: Vec<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub zoho_modified_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
    /// The record in Zoho CRM's web app, when the data centre is known.
    pub zoho_url: Option<String>,
}

/// Where the next page starts: the last card's lower-cased name and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContractorCursor {
    pub name_key: String,
    pub id: i64,
}

impl ContractorCursor {
    pub fn encode(&self) -> String {
        // The id first: a name may contain dots.
        format!("{}.{}", self.id, self.name_key)
    }

    pub fn decode(value: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::invalid(
                "after",
                "is not a page marker from this directory; start from the first page",
            )
        };
        let (id, name_key) = value.split_once('.').ok_or_else(invalid)?;
        Ok(Self {
            id: id
                .parse()
                .ok()
                .filter(|id: &i64| *id > 0)
                .ok_or_else(invalid)?,
            name_key: name_key.to_string(),
        })
    }
}

/// The directory's filter, as its URL carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ContractorFilter {
    /// Words matched against name, trade, skills, city, region and company.
    pub q: String,
    /// Exact values, as the filter menus offer them.
    pub trade: String,
    pub city: String,
    pub status: String,
    /// Show the archived (deleted in Zoho) instead of the current.
    pub archived: bool,
    pub after: Option<ContractorCursor>,
}

pub const MAX_CONTRACTOR_FILTER_CHARS: usize = 200;

impl ContractorFilter {
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let mut filter = Self::default();
        let text = |field: &str, value: &str| {
            super::bounded_text(field, value, 0, MAX_CONTRACTOR_FILTER_CHARS)
        };
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                "q" => filter.q = text("q", value)?,
                "trade" => filter.trade = text("trade", value)?,
                "city" => filter.city = text("city", value)?,
                "status" => filter.status = text("status", value)?,
                "archived" => {
                    filter.archived = match value {
                        "" | "0" | "false" => false,
                        "1" | "true" | "on" => true,
                        _ => return Err(AppError::invalid("archived", "must be 1 or 0")),
                    }
                }
                "after" if value.is_empty() => {}
                "after" => filter.after = Some(ContractorCursor::decode(value)?),
                _ => {}
            }
        }
        Ok(filter)
    }

    pub fn from_query_string(query: &str) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.trim_start_matches('?'))
                .map_err(|_| AppError::invalid("query", "is not a valid query string"))?;
        Self::from_query(&pairs)
    }

    /// The query string for this filter (`after` included when set), canonical order.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (key, value) in [
            ("q", &self.q),
            ("trade", &self.trade),
            ("city", &self.city),
            ("status", &self.status),
        ] {
            if !value.is_empty() {
                pairs.push((key, value.clone()));
            }
        }
        if self.archived {
            pairs.push(("archived", "1".into()));
        }
        if let Some(after) = &self.after {
            pairs.push(("after", after.encode()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    pub fn is_filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.trade.is_empty()
            && self.city.is_empty()
            && self.status.is_empty()
            && !self.archived)
    }
}

/// One value a filter menu offers, with how many contractors have it (on the side of
/// "removed from Zoho" the page shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

impl FacetValue {
    /// "Electrician (1,204)".
    pub fn label(&self) -> String {
        format!(
            "{} ({})",
            self.value,
            super::cases::group_thousands(self.count)
        )
    }
}

/// One page of the directory, with the values the filter menus offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    /// Shared, so that the page's cards are one block of HTML however often the
    /// server builds the view (components::spliced knows a block by its `Arc`).
    pub cards: std::sync::Arc<[ContractorCard]>,
    pub count: MatchCount,
    pub next: Option<ContractorCursor>,
    pub trades: Vec<FacetValue>,
    pub cities: Vec<FacetValue>,
    pub statuses: Vec<FacetValue>,
    /// Whether Zoho is connected at all, asked only when the page has no cards (the
    /// empty state says what to do); false otherwise.
    pub connected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(query).unwrap_or_default()
    }

    #[test]
    fn the_filter_round_trips_through_its_query_string() {
        let filter = ContractorFilter::from_query(&pairs(
            "q=solar&trade=Electrician&city=Leeds&archived=1&after=42.ada+byron",
        ));
        let filter = filter.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            filter.after,
            Some(ContractorCursor {
                id: 42,
                name_key: "ada byron".into()
            })
        );
        assert_eq!(
            ContractorFilter::from_query_string(&filter.to_query()),
            Ok(filter)
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        for (query, field) in [
            ("after=nope", "after"),
            ("after=-3.x", "after"),
            ("archived=maybe", "archived"),
            ("q=%00", "q"),
        ] {
            match ContractorFilter::from_query(&pairs(query)) {
                Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
        let long = format!("trade={}", "x".repeat(201));
        assert!(ContractorFilter::from_query(&pairs(&long)).is_err());
    }

    #[test]
    fn initials_and_photo_urls() {
        assert_eq!(initials("ada  byron-king"), "AB");
        assert_eq!(initials("Émile"), "É");
        assert_eq!(initials(""), "");
        let photo = PhotoRef {
            hash: "ab".repeat(32),
            width: 800,
            height: 800,
            thumbs: vec![160, 480],
        };
        assert_eq!(photo.fitting(150), Some(160));
        assert_eq!(photo.fitting(161), Some(480));
        assert_eq!(photo.fitting(600), None);
        assert_eq!(photo.short_hash(), "ab".repeat(8));
    }
}
