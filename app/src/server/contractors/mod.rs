//! The contractor directory: pages of cards (keyset by name, capped count, the values
//! the filter menus offer), one contractor, and the photo lookup behind the tenant
//! check. Writing contractors is the sync's, through [`store`].

pub mod cache;
pub mod facets;
pub mod photos;
pub mod store;

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::conditions::{Conditions, capped, push_capped_count};
use super::db::{self, internal, tenant_tx};
use crate::model::{
    AppError, ContractorCard, ContractorCursor, ContractorDetail, ContractorFilter, DirectoryPage,
    MatchCount, PhotoRef, Viewer,
};

/// Cards per page: a grid of 4–6 across, 8 rows.
pub const PAGE_SIZE: usize = 48;

const CARD_COLUMNS: &str = "c.id, c.name, c.trade, c.city, c.region, c.status, c.archived,
    c.photo_hash, c.photo_width, c.photo_height, c.photo_thumbs, c.name_key";

struct CardRow {
    card: ContractorCard,
    photo_hash: Option<String>,
    photo_width: Option<i32>,
    photo_height: Option<i32>,
    photo_thumbs: Vec<i32>,
    name_key: String,
}

/// Read by position in [`CARD_COLUMNS`] (every query selecting cards starts with
/// them), not by name: a name is a look-up per column per row, and decoding a page's
/// rows by name was 8 % of a directory page's server time (perf).
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for CardRow {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            card: ContractorCard {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
                trade: row.try_get(2)?,
                city: row.try_get(3)?,
                region: row.try_get(4)?,
                status: row.try_get(5)?,
                archived: row.try_get(6)?,
                photo: None,
            },
            photo_hash: row.try_get(7)?,
            photo_width: row.try_get(8)?,
            photo_height: row.try_get(9)?,
            photo_thumbs: row.try_get(10)?,
            name_key: row.try_get(11)?,
        })
    }
}

impl CardRow {
    fn into_card(self) -> (ContractorCard, String) {
        let mut card = self.card;
        card.photo = match (self.photo_hash, self.photo_width, self.photo_height) {
            (Some(hash), Some(width), Some(height)) => Some(PhotoRef {
                hash,
                width,
                height,
                thumbs: self.photo_thumbs,
            }),
            _ => None,
        };
        (card, self.name_key)
    }
}

pub async fn directory(
    pool: &PgPool,
    viewer: &Viewer,
    filter: &ContractorFilter,
) -> Result<DirectoryPage, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let matched = if filter.q.is_empty() {
        None
    } else {
        Some(search(&mut tx, viewer, filter).await?)
    };
    let mut query = QueryBuilder::<Postgres>::new("SELECT ");
    query.push(CARD_COLUMNS).push(" FROM contractors c WHERE ");
    push_conditions(&mut query, viewer, filter);
    if let Some(matched) = &matched {
        query
            .push(" AND c.id = ANY(")
            .push_bind(matched.page.clone())
            .push(")");
    }
    push_after(&mut query, filter);
    query
        .push(" ORDER BY c.name_key, c.id LIMIT ")
        .push_bind((PAGE_SIZE + 1) as i64);
    let rows: Vec<CardRow> = query
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;

    let facets = facets::Facets::load(&mut tx, viewer.tenant_id, filter.archived).await?;
    let count = match (&matched, facets.exact_count(filter)) {
        (Some(matched), _) => capped(matched.count),
        (None, Some(n)) => MatchCount::Exact(n),
        (None, None) => capped_count(&mut tx, viewer, filter).await?,
    };
    // Only an empty page says whether Zoho is connected (its empty state differs).
    let connected = rows.is_empty()
        && sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM zoho_connections)")
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    db::end_read(tx);

    let mut cards: Vec<(ContractorCard, String)> =
        rows.into_iter().map(CardRow::into_card).collect();
    let next = if cards.len() > PAGE_SIZE {
        cards.truncate(PAGE_SIZE);
        cards.last().map(|(card, key)| ContractorCursor {
            name_key: key.clone(),
            id: card.id,
        })
    } else {
        None
    };
    let [trades, cities, statuses] = facets.menus(filter);
    Ok(DirectoryPage {
        cards: cards.into_iter().map(|(card, _)| card).collect(),
        count,
        next,
        trades,
        cities,
        statuses,
        connected,
    })
}

/// How many contractors match a filter the counters cannot answer (two menus at
/// once; a text search counts in [`search`]), counted up to the cap.
async fn capped_count(
    conn: &mut PgConnection,
    viewer: &Viewer,
    filter: &ContractorFilter,
) -> Result<MatchCount, AppError> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT ");
    push_capped_count(&mut query, "contractors", |query| {
        push_conditions(query, viewer, filter)
    });
    let counted: i64 = query
        .build_query_scalar()
        .fetch_one(conn)
        .await
        .map_err(internal)?;
    Ok(capped(counted))
}

/// The menus' conditions (a text search is [`search`]'s).
fn push_conditions(
    query: &mut QueryBuilder<'_, Postgres>,
    viewer: &Viewer,
    filter: &ContractorFilter,
) {
    let mut conditions = Conditions::for_tenant(query, viewer.tenant_id);
    conditions
        .and("c.archived = {}", filter.archived)
        .and_text("c.trade = {}", &filter.trade)
        .and_text("c.city = {}", &filter.city)
        .and_text("c.status = {}", &filter.status);
}

/// Past the page marker, when there is one (rows aliased `c`, ordered by name_key, id).
fn push_after(query: &mut QueryBuilder<'_, Postgres>, filter: &ContractorFilter) {
    if let Some(after) = &filter.after {
        query
            .push(" AND (c.name_key, c.id) > (")
            .push_bind(after.name_key.clone())
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
}

/// What a text search matches: how many, and the ids of the page's cards.
struct Search {
    count: i64,
    page: Vec<i64>,
}

/// One statement over `contractor_matches` (the GIN index, past the policy, with the
/// columns the menus and the order need: migrations/20261207000002): the count and the
/// page's ids, so only the page's cards are then read under the policy.
async fn search(
    conn: &mut PgConnection,
    viewer: &Viewer,
    filter: &ContractorFilter,
) -> Result<Search, AppError> {
    let mut query = QueryBuilder::<Postgres>::new(
        "WITH m AS MATERIALIZED (SELECT c.id, c.name_key FROM contractor_matches(",
    );
    query.push_bind(filter.q.clone()).push(") c WHERE ");
    push_conditions(&mut query, viewer, filter);
    query.push(
        ") SELECT (SELECT count(*) FROM m),
           coalesce((SELECT array_agg(id) FROM (SELECT c.id FROM m c WHERE true",
    );
    push_after(&mut query, filter);
    query
        .push(" ORDER BY c.name_key, c.id LIMIT ")
        .push_bind((PAGE_SIZE + 1) as i64)
        .push(") page), '{}')");
    let (count, page): (i64, Vec<i64>) = query
        .build_query_as()
        .fetch_one(conn)
        .await
        .map_err(internal)?;
    Ok(Search { count, page })
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    card: CardRow,
    zoho_id: String,
    skills: Vec<String>,
    company: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    zoho_modified_at: OffsetDateTime,
    archived_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
    data_centre: Option<String>,
    module: Option<String>,
}

pub async fn detail(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<ContractorDetail, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let sql = format!(
        "SELECT {CARD_COLUMNS}, c.zoho_id, c.skills, c.company, c.email, c.phone, c.zoho_modified_at,
                c.archived_at, c.updated_at, z.data_centre, z.module
         FROM contractors c LEFT JOIN zoho_connections z ON z.tenant_id = c.tenant_id
         WHERE c.id = $1"
    );
    let row: Option<DetailRow> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
    db::end_read(tx);
    let row = row.ok_or(AppError::NotFound)?;
    let zoho_url = row
        .data_centre
        .as_deref()
        .and_then(zoho::crm_web_url)
        .map(|base| {
            format!(
                "{base}/crm/tab/{}/{}",
                row.module.as_deref().unwrap_or("Contacts"),
                row.zoho_id
            )
        });
    Ok(ContractorDetail {
        card: row.card.into_card().0,
        zoho_id: row.zoho_id,
        skills: row.skills,
        company: row.company,
        email: row.email,
        phone: row.phone,
        zoho_modified_at: row.zoho_modified_at,
        archived_at: row.archived_at,
        updated_at: row.updated_at,
        zoho_url,
    })
}

/// A stored photo of a contractor of the viewer's tenant: its object key, content
/// type and hash (the `ETag`). `width` None is the original; a width must be one of the
/// thumbnails stored.
pub struct PhotoObject {
    pub key: String,
    pub content_type: String,
    pub etag: String,
}

pub async fn photo(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
    width: Option<u32>,
) -> Result<PhotoObject, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let row: Option<(Option<String>, Option<String>, Vec<i32>)> = sqlx::query_as(
        "SELECT photo_hash, photo_type, photo_thumbs FROM contractors WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    let (Some(hash), Some(content_type), thumbs) = row.ok_or(AppError::NotFound)? else {
        return Err(AppError::NotFound);
    };
    if let Some(w) = width
        && !thumbs.contains(&(w as i32))
    {
        return Err(AppError::NotFound);
    }
    Ok(PhotoObject {
        key: photos::key(viewer.tenant_id, &hash, width),
        content_type: if width.is_some() {
            "image/jpeg".into()
        } else {
            content_type
        },
        etag: format!(
            "\"{}-{}\"",
            &hash[..32.min(hash.len())],
            width.map(|w| w.to_string()).unwrap_or_else(|| "o".into())
        ),
    })
}
