//! Writing contractors from Zoho: one path for the sync's pages and the webhook's
//! records alike. A record is applied only when it is newer than what is stored (by
//! Zoho's modified time), so replays and out-of-order deliveries change nothing; each
//! run counts a record once (`last_run_id`), so a run taken over after its worker died
//! does not count twice what the first attempt already wrote.

use std::collections::HashMap;

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;
use zoho::{ContractorFields, Record};

/// What applying a batch of records did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Records this run had already counted (a repeated page after a takeover).
    pub repeated: u32,
    /// Contractors whose photo must be fetched: Zoho names a photo we do not have.
    pub photos: Vec<PhotoWanted>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoWanted {
    pub contractor_id: i64,
    pub zoho_id: String,
    /// Zoho's `Record_Image` when known (else the photo is fetched on every change and
    /// compared by hash).
    pub photo_ref: Option<String>,
    pub stored_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    zoho_id: String,
    zoho_modified_at: OffsetDateTime,
    archived_at: Option<OffsetDateTime>,
    last_run_id: Option<i64>,
    photo_ref: Option<String>,
    photo_hash: Option<String>,
}

/// Applies `records` (read with their mapped fields) in the caller's transaction.
/// `run_id` is the sync run applying them (None for a webhook delivery).
pub async fn apply(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    run_id: Option<i64>,
    records: &[(Record, ContractorFields)],
) -> Result<Applied, sqlx::Error> {
    let mut applied = Applied::default();
    if records.is_empty() {
        return Ok(applied);
    }
    // The newest of each id when a batch names one twice (a webhook burst).
    let mut newest: HashMap<&str, &(Record, ContractorFields)> = HashMap::new();
    for entry in records {
        let slot = newest.entry(entry.0.id.as_str()).or_insert(entry);
        if entry.0.modified_time > slot.0.modified_time {
            *slot = entry;
        }
    }
    let ids: Vec<&str> = newest.keys().copied().collect();
    // Locked in id order, as every writer of contractors locks them, so a sync page and
    // a webhook delivery touching the same rows cannot deadlock.
    let stored: Vec<Stored> = sqlx::query_as(
        "SELECT id, zoho_id, zoho_modified_at, archived_at, last_run_id, photo_ref, photo_hash
         FROM contractors WHERE tenant_id = $1 AND zoho_id = ANY($2)
         ORDER BY zoho_id FOR UPDATE",
    )
    .bind(tenant_id)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let stored: HashMap<&str, &Stored> = stored.iter().map(|s| (s.zoho_id.as_str(), s)).collect();

    let mut write = Columns::default();
    let mut seen_unchanged: Vec<i64> = Vec::new();
    let mut clear_photo: Vec<i64> = Vec::new();
    let mut ordered: Vec<&&(Record, ContractorFields)> = newest.values().collect();
    ordered.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    for (record, fields) in ordered.into_iter().map(|e| (&e.0, &e.1)) {
        let before = stored.get(record.id.as_str()).copied();
        let counted_already = run_id.is_some() && before.and_then(|b| b.last_run_id) == run_id;
        let newer = match before {
            None => true,
            Some(b) => {
                record.modified_time > b.zoho_modified_at
                    || b.archived_at.is_some_and(|at| record.modified_time > at)
            }
        };
        if counted_already {
            applied.repeated += 1;
        } else if before.is_none() {
            applied.created += 1;
        } else if newer {
            applied.updated += 1;
        } else {
            applied.unchanged += 1;
        }
        if newer {
            write.push(record, fields);
        } else if let Some(b) = before {
            seen_unchanged.push(b.id);
        }
        // The photo: wanted when Zoho names one we have not stored; cleared when Zoho
        // has none any more.
        let photo_ref = record.photo_ref().map(str::to_string);
        match (before, &photo_ref) {
            (Some(b), None) if b.photo_hash.is_some() && newer => clear_photo.push(b.id),
            (Some(b), Some(r)) if b.photo_ref.as_deref() == Some(r) && b.photo_hash.is_some() => {}
            (_, Some(_)) => applied.photos.push(PhotoWanted {
                contractor_id: before.map(|b| b.id).unwrap_or_default(),
                zoho_id: record.id.clone(),
                photo_ref,
                stored_hash: before.and_then(|b| b.photo_hash.clone()),
            }),
            _ => {}
        }
    }

    if !write.zoho_id.is_empty() {
        let written: Vec<(i64, String)> = sqlx::query_as(
            "INSERT INTO contractors AS c (tenant_id, zoho_id, name, trade, skills, skills_text, company,
                 city, region, email, phone, status, zoho_modified_at, last_run_id)
             SELECT $1, t.zoho_id, t.name, t.trade,
                    CASE WHEN t.skills = '' THEN '{}'::text[] ELSE string_to_array(t.skills, E'\\x1f') END,
                    replace(t.skills, E'\\x1f', ' '), t.company, t.city, t.region, t.email, t.phone,
                    t.status, t.modified, $13
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
                  AS t(zoho_id, name, trade, skills, company, city, region, email, phone, status, modified)
             ON CONFLICT (tenant_id, zoho_id) DO UPDATE SET
                 name = EXCLUDED.name, trade = EXCLUDED.trade, skills = EXCLUDED.skills,
                 skills_text = EXCLUDED.skills_text, company = EXCLUDED.company,
                 city = EXCLUDED.city, region = EXCLUDED.region, email = EXCLUDED.email,
                 phone = EXCLUDED.phone, status = EXCLUDED.status,
                 zoho_modified_at = EXCLUDED.zoho_modified_at, archived_at = NULL,
                 last_run_id = coalesce($13, c.last_run_id),
                 version = c.version + 1, updated_at = now()
             WHERE c.zoho_modified_at < EXCLUDED.zoho_modified_at
                OR (c.archived_at IS NOT NULL AND c.archived_at < EXCLUDED.zoho_modified_at)
             RETURNING id, zoho_id",
        )
        .bind(tenant_id)
        .bind(&write.zoho_id)
        .bind(&write.name)
        .bind(&write.trade)
        .bind(&write.skills)
        .bind(&write.company)
        .bind(&write.city)
        .bind(&write.region)
        .bind(&write.email)
        .bind(&write.phone)
        .bind(&write.status)
        .bind(&write.modified)
        .bind(run_id)
        .fetch_all(&mut *conn)
        .await?;
        let by_zoho: HashMap<&str, i64> = written.iter().map(|(id, z)| (z.as_str(), *id)).collect();
        for wanted in &mut applied.photos {
            if wanted.contractor_id == 0 {
                wanted.contractor_id = by_zoho.get(wanted.zoho_id.as_str()).copied().unwrap_or(0);
            }
        }
    }
    applied.photos.retain(|p| p.contractor_id != 0);
    if let (Some(run), false) = (run_id, seen_unchanged.is_empty()) {
        sqlx::query("UPDATE contractors SET last_run_id = $2 WHERE id = ANY($1) AND last_run_id IS DISTINCT FROM $2")
            .bind(&seen_unchanged)
            .bind(run)
            .execute(&mut *conn)
            .await?;
    }
    if !clear_photo.is_empty() {
        sqlx::query(
            "UPDATE contractors SET photo_ref = NULL, photo_hash = NULL, photo_type = NULL,
                 photo_width = NULL, photo_height = NULL, photo_thumbs = '{}'
             WHERE id = ANY($1)",
        )
        .bind(&clear_photo)
        .execute(&mut *conn)
        .await?;
    }
    Ok(applied)
}

/// Column arrays for one `unnest` insert.
#[derive(Default)]
struct Columns {
    zoho_id: Vec<String>,
    name: Vec<String>,
    trade: Vec<Option<String>>,
    /// Skills joined with the unit separator (no field holds control characters: the
    /// mapping drops them), split back in SQL: arrays of arrays cannot be bound.
    skills: Vec<String>,
    company: Vec<Option<String>>,
    city: Vec<Option<String>>,
    region: Vec<Option<String>>,
    email: Vec<Option<String>>,
    phone: Vec<Option<String>>,
    status: Vec<Option<String>>,
    modified: Vec<OffsetDateTime>,
}

impl Columns {
    fn push(&mut self, record: &Record, fields: &ContractorFields) {
        self.zoho_id.push(record.id.clone());
        self.name.push(fields.name.clone());
        self.trade.push(fields.trade.clone());
        self.skills.push(fields.skills.join("\u{1f}"));
        self.company.push(fields.company.clone());
        self.city.push(fields.city.clone());
        self.region.push(fields.region.clone());
        self.email.push(fields.email.clone());
        self.phone.push(fields.phone.clone());
        self.status.push(fields.status.clone());
        self.modified.push(record.modified_time);
    }
}

/// Archives the named contractors (deleted in Zoho at `at`); returns how many were
/// archived now (not those already archived, or unknown).
pub async fn archive(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    zoho_ids: &[String],
    at: OffsetDateTime,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE contractors SET archived_at = $3, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND zoho_id = ANY($2) AND archived_at IS NULL
           AND zoho_modified_at <= $3
         RETURNING id",
    )
    .bind(tenant_id)
    .bind(zoho_ids)
    .bind(at)
    .fetch_all(conn)
    .await
}

/// After a complete full run: archives every contractor the run did not see and
/// nothing has written since it started (a webhook may have added one the run's pages
/// had already passed).
pub async fn archive_unseen(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    run_id: i64,
    run_started: OffsetDateTime,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE contractors SET archived_at = now(), version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND archived_at IS NULL AND last_run_id IS DISTINCT FROM $2
           AND updated_at < $3
         RETURNING id",
    )
    .bind(tenant_id)
    .bind(run_id)
    .bind(run_started)
    .fetch_all(conn)
    .await
}
