//! Companies as the companies page lists them, the filter its URL carries, and the
//! website a company is known by.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppError;
pub use enrich::Confidence;

/// A company's website, parsed once: the URL enrichment fetches, and the key that says
/// two companies are the same ("HTTPS://www.Acme.com/" and "acme.com" are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website {
    /// With a scheme (https unless one was typed), as typed otherwise.
    pub url: String,
    /// Scheme, `www.`, trailing slash, query, fragment and case stripped.
    pub key: String,
}

pub const MAX_WEBSITE_CHARS: usize = 2048;

impl Website {
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let invalid = |message: &str| AppError::invalid("website", message);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(invalid("is required"));
        }
        if trimmed.chars().count() > MAX_WEBSITE_CHARS {
            return Err(invalid("is too long (2048 characters at most)"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("cannot contain spaces"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|_| invalid("is not a web address like acme.com"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("must be an http or https address"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("cannot contain a user name or password"));
        }
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| invalid("is not a web address like acme.com"))?;
        // A bare word ("acme") is a typo, not a site; addresses and localhost are allowed
        // here (the fetcher's SSRF guard decides whether they may be fetched).
        let is_ip = matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)));
        if !host.contains('.') && !is_ip && host != "localhost" {
            return Err(invalid("is not a web address like acme.com"));
        }
        let host = host.to_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let mut key = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let path = url.path().trim_end_matches('/').to_lowercase();
        key.push_str(&path);
        Ok(Self {
            url: url.to_string(),
            key,
        })
    }
}

/// Declared in the order companies grow, so the database sorts them that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "company_stage", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStage {
    PreSeed,
    Seed,
    SeriesA,
    SeriesB,
    SeriesC,
    Growth,
    Public,
    Bootstrapped,
}

impl CompanyStage {
    pub const ALL: [CompanyStage; 8] = [
        Self::PreSeed,
        Self::Seed,
        Self::SeriesA,
        Self::SeriesB,
        Self::SeriesC,
        Self::Growth,
        Self::Public,
        Self::Bootstrapped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreSeed => "pre_seed",
            Self::Seed => "seed",
            Self::SeriesA => "series_a",
            Self::SeriesB => "series_b",
            Self::SeriesC => "series_c",
            Self::Growth => "growth",
            Self::Public => "public",
            Self::Bootstrapped => "bootstrapped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PreSeed => "Pre-seed",
            Self::Seed => "Seed",
            Self::SeriesA => "Series A",
            Self::SeriesB => "Series B",
            Self::SeriesC => "Series C+",
            Self::Growth => "Growth",
            Self::Public => "Public",
            Self::Bootstrapped => "Bootstrapped",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.as_str() == value)
    }
}

/// Where an enrichment is: the company list shows queued/running beside the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "enrichment_status", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum EnrichmentStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl EnrichmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CompanySort {
    /// Highest score first, unscored last (the default: what analysts look for).
    #[default]
    Score,
    /// A → Z.
    Name,
    /// Most recently added first.
    Added,
}

impl CompanySort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Score => "score",
            Self::Name => "name",
            Self::Added => "added",
        }
    }
}

/// Where the next page starts (keyset, never OFFSET): the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompanyCursor {
    /// The score (-1 for none) and id.
    Score(i16, i64),
    /// The lower-cased name and id.
    Name(String, i64),
    /// `created_at` in microseconds, and id.
    Added(i64, i64),
}

impl CompanyCursor {
    pub fn encode(&self) -> String {
        match self {
            Self::Score(score, id) => format!("{score}.{id}"),
            Self::Added(at, id) => format!("{at}.{id}"),
            // The id first: a name may contain dots.
            Self::Name(name, id) => format!("{id}.{name}"),
        }
    }

    pub fn decode(value: &str, sort: CompanySort) -> Result<Self, AppError> {
        let invalid = || {
            AppError::invalid(
                "after",
                "is not a page marker from this list; start from the first page",
            )
        };
        let (first, second) = value.split_once('.').ok_or_else(invalid)?;
        Ok(match sort {
            CompanySort::Score => {
                let score: i16 = first.parse().map_err(|_| invalid())?;
                if !(-1..=100).contains(&score) {
                    return Err(invalid());
                }
                Self::Score(score, second.parse().map_err(|_| invalid())?)
            }
            CompanySort::Added => Self::Added(
                first.parse().map_err(|_| invalid())?,
                second.parse().map_err(|_| invalid())?,
            ),
            CompanySort::Name => {
                Self::Name(second.to_string(), first.parse().map_err(|_| invalid())?)
            }
        })
    }
}

/// Every filter of the companies page, as carried in its URL (and in a saved search).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompanyFilter {
    /// Matched case-insensitively, whole value.
    pub sector: String,
    pub stage: Option<CompanyStage>,
    /// Matched case-insensitively anywhere in the location ("berlin" finds "Berlin, DE").
    pub location: String,
    pub min_score: Option<u8>,
    /// Scores up to this (a dashboard histogram's bar opens its band of scores).
    pub max_score: Option<u8>,
    pub q: String,
    /// Only the companies on this list.
    pub list: Option<i64>,
    pub sort: CompanySort,
    pub after: Option<CompanyCursor>,
}

pub const MAX_FILTER_CHARS: usize = 200;

impl CompanyFilter {
    /// Parses `sector=…&stage=…&location=…&min_score=…&max_score=…&q=…&list=…&sort=…&after=…`.
    /// Anything unrecognised in a known parameter is a clear error naming it.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let mut filter = Self::default();
        let mut after = None;
        let text = |field: &str, value: &str| -> Result<String, AppError> {
            if value.chars().count() > MAX_FILTER_CHARS {
                return Err(AppError::invalid(
                    field,
                    format!("is too long ({MAX_FILTER_CHARS} characters at most)"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(AppError::invalid(
                    field,
                    "cannot contain control characters",
                ));
            }
            Ok(value.to_string())
        };
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                "sector" => filter.sector = text("sector", value)?,
                "location" => filter.location = text("location", value)?,
                "q" => filter.q = text("q", value)?,
                "stage" if value.is_empty() => {}
                "stage" => {
                    filter.stage = Some(CompanyStage::parse(value).ok_or_else(|| {
                        AppError::invalid("stage", format!("`{value}` is not a stage"))
                    })?);
                }
                "min_score" | "max_score" if value.is_empty() => {}
                "min_score" | "max_score" => {
                    let score: u8 = value
                        .parse()
                        .ok()
                        .filter(|score| *score <= 100)
                        .ok_or_else(|| {
                            AppError::invalid(key, "must be a whole number from 0 to 100")
                        })?;
                    if key == "min_score" {
                        filter.min_score = Some(score);
                    } else {
                        filter.max_score = Some(score);
                    }
                }
                "list" if value.is_empty() => {}
                "list" => {
                    filter.list = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|id: &i64| *id > 0)
                            .ok_or_else(|| AppError::invalid("list", "is not a list"))?,
                    );
                }
                "sort" => {
                    filter.sort = match value {
                        "score" | "" => CompanySort::Score,
                        "name" => CompanySort::Name,
                        "added" => CompanySort::Added,
                        _ => {
                            return Err(AppError::invalid("sort", "must be score, name or added"));
                        }
                    }
                }
                "after" if value.is_empty() => {}
                "after" => after = Some(value.to_string()),
                _ => {}
            }
        }
        filter.after = after
            .map(|value| CompanyCursor::decode(&value, filter.sort))
            .transpose()?;
        Ok(filter)
    }

    pub fn from_query_string(query: &str) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.trim_start_matches('?'))
                .map_err(|_| AppError::invalid("query", "is not a valid query string"))?;
        Self::from_query(&pairs)
    }

    /// The query string pairs for this filter (the page marker only when given), in one
    /// canonical order: a saved search stores exactly this.
    pub fn to_query(&self, after: Option<&CompanyCursor>) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if !self.sector.is_empty() {
            pairs.push(("sector", self.sector.clone()));
        }
        if let Some(stage) = self.stage {
            pairs.push(("stage", stage.as_str().to_string()));
        }
        if !self.location.is_empty() {
            pairs.push(("location", self.location.clone()));
        }
        if let Some(score) = self.min_score {
            pairs.push(("min_score", score.to_string()));
        }
        if let Some(score) = self.max_score {
            pairs.push(("max_score", score.to_string()));
        }
        if let Some(list) = self.list {
            pairs.push(("list", list.to_string()));
        }
        if self.sort != CompanySort::Score {
            pairs.push(("sort", self.sort.as_str().to_string()));
        }
        if let Some(after) = after {
            pairs.push(("after", after.encode()));
        }
        pairs
    }

    pub fn query_string(&self, after: Option<&CompanyCursor>) -> String {
        serde_urlencoded::to_string(self.to_query(after)).unwrap_or_default()
    }

    /// True when nothing narrows the list (a saved search of this would be pointless).
    pub fn is_everything(&self) -> bool {
        self.sector.is_empty()
            && self.stage.is_none()
            && self.location.is_empty()
            && self.min_score.is_none()
            && self.max_score.is_none()
            && self.q.is_empty()
            && self.list.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CompanyRow {
    pub id: i64,
    pub name: String,
    /// The name as the database sorts it (lower-cased by PostgreSQL, which need not
    /// agree with Rust's lower-casing): the A–Z page marker.
    pub name_key: String,
    pub website: String,
    pub website_url: String,
    pub sector: String,
    pub stage: Option<CompanyStage>,
    pub location: String,
    pub score: Option<i16>,
    pub confidence: Option<Confidence>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub enriched_at: Option<OffsetDateTime>,
    pub enrichment_status: Option<EnrichmentStatus>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One page of the companies list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyPage {
    pub rows: Vec<CompanyRow>,
    pub count: super::MatchCount,
    pub next: Option<CompanyCursor>,
    /// The distinct sectors in the workspace, for the filter's choices.
    pub sectors: Vec<String>,
}

/// What the add-company form sends, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    pub name: String,
    pub website: Website,
    pub sector: String,
    pub stage: Option<CompanyStage>,
    pub location: String,
}

impl NewCompany {
    pub fn parse(
        name: &str,
        website: &str,
        sector: &str,
        stage: &str,
        location: &str,
    ) -> Result<Self, AppError> {
        Ok(Self {
            name: bounded_text("name", name, 1, 200)?,
            website: Website::parse(website)?,
            sector: bounded_text("sector", sector, 0, 100)?,
            stage: match stage.trim() {
                "" => None,
                value => Some(
                    CompanyStage::parse(value)
                        .ok_or_else(|| AppError::invalid("stage", "is not a stage"))?,
                ),
            },
            location: bounded_text("location", location, 0, 100)?,
        })
    }
}

/// Trimmed text with its length in characters between `min` and `max`, no control
/// characters.
pub fn bounded_text(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars < min {
        return Err(AppError::invalid(field, "is required"));
    }
    if chars > max {
        return Err(AppError::invalid(
            field,
            format!("is too long ({max} characters at most)"),
        ));
    }
    super::check_text(field, value)?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_normalise_to_one_key() {
        for input in [
            "acme.com",
            "ACME.com",
            "https://acme.com",
            "http://www.acme.com/",
            " HTTPS://WWW.Acme.COM/ ",
            "https://acme.com/?utm_source=x",
            "https://acme.com/#team",
        ] {
            assert_eq!(Website::parse(input).unwrap().key, "acme.com", "{input}");
        }
        let with_path = Website::parse("https://www.acme.com/EU/").unwrap();
        assert_eq!(with_path.key, "acme.com/eu");
        assert_eq!(with_path.url, "https://www.acme.com/EU/");
        assert_eq!(Website::parse("acme.com").unwrap().url, "https://acme.com/");
        assert_eq!(
            Website::parse("http://127.0.0.1:8080/").unwrap().key,
            "127.0.0.1:8080"
        );
        // www is stripped only as the first label.
        assert_eq!(Website::parse("wwwacme.com").unwrap().key, "wwwacme.com");
        assert_eq!(
            Website::parse("shop.www.acme.com").unwrap().key,
            "shop.www.acme.com"
        );
    }

    #[test]
    fn bad_websites_are_refused_with_a_reason() {
        for (input, says) in [
            ("", "required"),
            ("   ", "required"),
            ("acme", "web address"),
            ("ftp://acme.com", "http or https"),
            ("javascript:alert(1)", "web address"),
            ("https://user:pw@acme.com", "user name"),
            ("acme .com", "spaces"),
            ("https://", "web address"),
        ] {
            let error = Website::parse(input).unwrap_err();
            assert!(error.to_string().contains(says), "{input}: {error}");
        }
        assert!(Website::parse(&format!("acme.com/{}", "a".repeat(2100))).is_err());
    }

    #[test]
    fn filters_round_trip_through_the_url_and_refuse_bad_values() {
        let query = "q=robots&sector=Fintech&stage=series_a&location=Berlin&min_score=70&max_score=79&sort=name";
        let filter = CompanyFilter::from_query_string(query).unwrap();
        assert_eq!(filter.stage, Some(CompanyStage::SeriesA));
        assert_eq!(filter.min_score, Some(70));
        assert_eq!(filter.max_score, Some(79));
        assert_eq!(filter.query_string(None), query);
        for bad in [
            "stage=series_z",
            "min_score=101",
            "min_score=-1",
            "min_score=abc",
            "max_score=101",
            "max_score=x",
            "sort=size",
            "list=0",
            "after=zzz",
            "sort=name&after=notanumber.acme",
        ] {
            assert!(
                matches!(
                    CompanyFilter::from_query_string(bad),
                    Err(AppError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        let cursor = CompanyCursor::Name("a.b.c".into(), 42);
        let back = CompanyCursor::decode(&cursor.encode(), CompanySort::Name).unwrap();
        assert_eq!(back, cursor);
    }

    #[test]
    fn new_company_fields_are_validated() {
        let ok = NewCompany::parse(" Acme ", "acme.com", "Robotics", "seed", "Berlin").unwrap();
        assert_eq!(ok.name, "Acme");
        assert!(NewCompany::parse("", "acme.com", "", "", "").is_err());
        assert!(NewCompany::parse("A", "acme.com", "", "series_q", "").is_err());
        assert!(NewCompany::parse(&"x".repeat(201), "acme.com", "", "", "").is_err());
        assert!(NewCompany::parse("A\u{0}", "acme.com", "", "", "").is_err());
    }
}
