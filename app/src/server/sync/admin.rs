//! What Admin → Integrations → Zoho reads and changes: the connection (saved through
//! the one write path, audited, secrets never read back out), a connection test, the
//! mapping preview, and the runs.

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use time::OffsetDateTime;
use url::Url;
use zoho::{FieldMap, ListAnswer, PageAt};

use super::connection::Connection;
use super::{SyncSettings, schedule};
use crate::model::{
    AppError, MappingPreview, SyncRunDetail, SyncRunError, SyncRunView, Viewer, ZohoSettingsView,
};
use crate::server::audit::{self, Subject};
use crate::server::db::{self, internal, tenant_tx};

/// The connection form as posted. Empty secrets keep the saved ones.
#[derive(Debug, Clone, Default)]
pub struct ConnectionForm {
    pub data_centre: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub module: String,
    /// (contractor field, Zoho API name)
    pub field_map: Vec<(String, String)>,
    pub schedule_minutes: String,
}

/// The form, checked: every field named in its error.
struct Checked {
    data_centre: String,
    client_id: String,
    client_secret: Option<SecretString>,
    refresh_token: Option<SecretString>,
    module: String,
    field_map: FieldMap,
    schedule_minutes: Option<i32>,
}

fn check(form: &ConnectionForm) -> Result<Checked, AppError> {
    let plain = |field: &str, value: &str, max: usize| -> Result<String, AppError> {
        let value = value.trim();
        if value.chars().count() > max {
            return Err(AppError::invalid(
                field,
                format!("is too long ({max} characters at most)"),
            ));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(AppError::invalid(
                field,
                "cannot contain spaces or control characters",
            ));
        }
        Ok(value.to_string())
    };
    let data_centre = form.data_centre.trim().to_string();
    if zoho::accounts_url(&data_centre).is_none() {
        return Err(AppError::invalid(
            "data_centre",
            "is not one of Zoho's data centres",
        ));
    }
    let client_id = plain("client_id", &form.client_id, 200)?;
    if client_id.is_empty() {
        return Err(AppError::invalid("client_id", "is required"));
    }
    let secret = |field: &str, value: &str| -> Result<Option<SecretString>, AppError> {
        let value = plain(field, value, 500)?;
        Ok((!value.is_empty()).then(|| SecretString::from(value)))
    };
    let module = plain("module", &form.module, 100)?;
    let module = if module.is_empty() {
        "Contacts".to_string()
    } else {
        module
    };
    if !module
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || !module
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
    {
        return Err(AppError::invalid(
            "module",
            "is not a module API name (letters, digits and _)",
        ));
    }
    let mut field_map = FieldMap::default();
    for (field, api_name) in &form.field_map {
        field_map
            .set(field, api_name)
            .map_err(|message| AppError::invalid(format!("map_{field}"), message))?;
    }
    let schedule_minutes = match form.schedule_minutes.trim() {
        "" | "off" => None,
        value => Some(
            value
                .parse::<i32>()
                .ok()
                .filter(|m| (5..=1440).contains(m))
                .ok_or_else(|| {
                    AppError::invalid("schedule_minutes", "must be off, or 5 to 1440 minutes")
                })?,
        ),
    };
    Ok(Checked {
        data_centre,
        client_id,
        client_secret: secret("client_secret", &form.client_secret)?,
        refresh_token: secret("refresh_token", &form.refresh_token)?,
        module,
        field_map,
        schedule_minutes,
    })
}

/// Saves the connection (creating it on first save, when both secrets are required).
/// Returns whether it was new: the caller then enables the notification channel.
pub async fn save(pool: &PgPool, viewer: &Viewer, form: &ConnectionForm) -> Result<bool, AppError> {
    let checked = check(form)?;
    let checked = &checked;
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let existing = Connection::lock(&mut tx).await?;
        let field_map = serde_json::to_value(&checked.field_map).map_err(|_| AppError::Internal)?;
        let before = existing.as_ref().map(|c| summary(&c.data_centre, &c.client_id, &c.module, c.schedule_minutes));
        let after = summary(&checked.data_centre, &checked.client_id, &checked.module, checked.schedule_minutes);
        let created = existing.is_none();
        match existing {
            None => {
                let (Some(secret), Some(refresh)) = (&checked.client_secret, &checked.refresh_token) else {
                    let field = if checked.client_secret.is_none() { "client_secret" } else { "refresh_token" };
                    return Err(AppError::invalid(field, "is required to connect"))?;
                };
                // The channel's id (Zoho wants a number) and the token it echoes back.
                let channel_id = (1_000_000_000_000u64 + fastrand::u64(..8_000_000_000_000)).to_string();
                let channel_token: String = std::iter::repeat_with(fastrand::alphanumeric).take(40).collect();
                sqlx::query(
                    "INSERT INTO zoho_connections (tenant_id, data_centre, client_id, client_secret,
                         refresh_token, module, field_map, schedule_minutes, channel_id, channel_token, connected_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(viewer.tenant_id)
                .bind(&checked.data_centre)
                .bind(&checked.client_id)
                .bind(secret.expose_secret())
                .bind(refresh.expose_secret())
                .bind(&checked.module)
                .bind(&field_map)
                .bind(checked.schedule_minutes)
                .bind(channel_id)
                .bind(channel_token)
                .bind(viewer.user_id)
                .execute(&mut *tx)
                .await?;
                audit::record(&mut tx, viewer, Subject::Integration, "connected", None, Some(after)).await?;
            }
            Some(current) => {
                // A new module or account means new records: the next run is a full one.
                let reset = current.module != checked.module || current.data_centre != checked.data_centre || current.client_id != checked.client_id;
                sqlx::query(
                    "UPDATE zoho_connections SET data_centre = $1, client_id = $2,
                         client_secret = coalesce($3, client_secret), refresh_token = coalesce($4, refresh_token),
                         module = $5, field_map = $6, schedule_minutes = $7,
                         records_cursor = CASE WHEN $8 THEN NULL ELSE records_cursor END,
                         deleted_cursor = CASE WHEN $8 THEN NULL ELSE deleted_cursor END,
                         channel_expires_at = CASE WHEN $8 THEN NULL ELSE channel_expires_at END,
                         version = version + 1, updated_at = now()
                     WHERE tenant_id = $9",
                )
                .bind(&checked.data_centre)
                .bind(&checked.client_id)
                .bind(checked.client_secret.as_ref().map(|s| s.expose_secret().to_string()))
                .bind(checked.refresh_token.as_ref().map(|s| s.expose_secret().to_string()))
                .bind(&checked.module)
                .bind(&field_map)
                .bind(checked.schedule_minutes)
                .bind(reset)
                .bind(viewer.tenant_id)
                .execute(&mut *tx)
                .await?;
                let mut after = after;
                after["secret_changed"] = serde_json::json!(checked.client_secret.is_some());
                after["refresh_token_changed"] = serde_json::json!(checked.refresh_token.is_some());
                audit::record(&mut tx, viewer, Subject::Integration, "settings_changed", before, Some(after)).await?;
            }
        }
        Ok(created)
    }))
    .await
}

fn summary(
    data_centre: &str,
    client_id: &str,
    module: &str,
    schedule: Option<i32>,
) -> serde_json::Value {
    serde_json::json!({"data_centre": data_centre, "client_id": client_id, "module": module, "schedule_minutes": schedule})
}

/// Removes the connection (the directory stays; runs stop being possible).
pub async fn disconnect(pool: &PgPool, viewer: &Viewer) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let removed = sqlx::query("DELETE FROM zoho_connections WHERE tenant_id = $1")
                .bind(viewer.tenant_id)
                .execute(&mut *tx)
                .await?;
            if removed.rows_affected() == 0 {
                Err(AppError::NotFound)?;
            }
            audit::record(
                &mut tx,
                viewer,
                Subject::Integration,
                "disconnected",
                None,
                None,
            )
            .await?;
            Ok(())
        })
    })
    .await
}

async fn load(pool: &PgPool, viewer: &Viewer) -> Result<Option<Connection>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let connection = Connection::load(&mut tx).await.map_err(internal)?;
    db::end_read(tx);
    Ok(connection)
}

/// The settings as the page shows them.
pub async fn view(
    pool: &PgPool,
    viewer: &Viewer,
    public_url: &Url,
    settings: &SyncSettings,
) -> Result<ZohoSettingsView, AppError> {
    let connection = load(pool, viewer).await?;
    let field_map = connection
        .as_ref()
        .map(|c| c.field_map.clone())
        .unwrap_or_default();
    let manual =
        time::Duration::try_from(settings.manual_interval).unwrap_or(time::Duration::minutes(10));
    Ok(ZohoSettingsView {
        connected: connection.is_some(),
        data_centre: connection
            .as_ref()
            .map(|c| c.data_centre.clone())
            .unwrap_or_else(|| "us".into()),
        client_id: connection
            .as_ref()
            .map(|c| c.client_id.clone())
            .unwrap_or_default(),
        secret_set: connection.is_some(),
        refresh_token_set: connection.is_some(),
        module: connection
            .as_ref()
            .map(|c| c.module.clone())
            .unwrap_or_else(|| "Contacts".into()),
        field_map: zoho::mapping::FIELDS
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    field_map.get(f).unwrap_or_default().to_string(),
                )
            })
            .collect(),
        schedule_minutes: connection.as_ref().and_then(|c| c.schedule_minutes),
        webhook_url: schedule::notify_url(public_url, viewer.tenant_id).to_string(),
        channel_expires_at: connection.as_ref().and_then(|c| c.channel_expires_at),
        channel_error: match &connection {
            Some(_) => channel_error(pool, viewer).await?,
            None => None,
        },
        next_manual_at: connection
            .as_ref()
            .and_then(|c| c.last_manual_at)
            .map(|at| at + manual)
            .filter(|at| *at > OffsetDateTime::now_utc()),
        data_centres: zoho::DATA_CENTRES
            .iter()
            .map(|dc| (dc.0.to_string(), dc.1.to_string()))
            .collect(),
        accounts_override: settings.accounts_url.as_ref().map(ToString::to_string),
    })
}

async fn channel_error(pool: &PgPool, viewer: &Viewer) -> Result<Option<String>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let error: Option<Option<String>> =
        sqlx::query_scalar("SELECT channel_error FROM zoho_connections")
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    db::end_read(tx);
    Ok(error.flatten())
}

/// Tries the saved connection: a token is granted and one record listed. The answer
/// is Zoho's reason when it refuses (the secrets never appear in it).
pub async fn test(pool: &PgPool, viewer: &Viewer, settings: &SyncSettings) -> Result<(), AppError> {
    let connection = load(pool, viewer)
        .await?
        .ok_or_else(|| AppError::invalid("zoho", "connect Zoho CRM first"))?;
    let client = connection
        .client(settings)
        .map_err(|e| AppError::invalid("zoho", e.to_string()))?;
    client
        .test()
        .await
        .map_err(|e| AppError::invalid("zoho", e.to_string()))
}

/// The first records of the module, read through `field_map` (the one being edited, or
/// the saved one).
pub async fn preview(
    pool: &PgPool,
    viewer: &Viewer,
    settings: &SyncSettings,
    field_map: Option<FieldMap>,
) -> Result<MappingPreview, AppError> {
    let mut connection = load(pool, viewer)
        .await?
        .ok_or_else(|| AppError::invalid("zoho", "connect Zoho CRM first"))?;
    if let Some(map) = field_map {
        connection.field_map = map;
    }
    let client = connection
        .client(settings)
        .map_err(|e| AppError::invalid("zoho", e.to_string()))?;
    let answer = client
        .list(&PageAt::FIRST, None)
        .await
        .map_err(|e| AppError::invalid("zoho", e.to_string()))?;
    let records = match answer {
        ListAnswer::Page { records, .. } => records,
        ListAnswer::NotModified => Vec::new(),
    };
    let rows = records
        .iter()
        .take(5)
        .map(|record| {
            let f = connection.field_map.apply(record);
            vec![
                f.name,
                f.trade.unwrap_or_default(),
                f.skills.join(", "),
                f.company.unwrap_or_default(),
                f.city.unwrap_or_default(),
                f.region.unwrap_or_default(),
                f.email.unwrap_or_default(),
                f.phone.unwrap_or_default(),
                f.status.unwrap_or_default(),
            ]
        })
        .collect();
    Ok(MappingPreview {
        fields: zoho::mapping::FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect(),
        rows,
    })
}

const RUN_COLUMNS: &str = "r.id, r.full_sync, r.trigger, u.display_name AS requested_by, r.status, r.attempts,
    r.requested_at, r.started_at, r.finished_at, r.records_total, r.records_done, r.photos_total,
    r.photos_done, r.created, r.updated, r.unchanged, r.archived, r.photos_fetched, r.failed, r.error,
    extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::float8 AS elapsed_s";

/// The latest runs, newest first.
pub async fn runs(
    pool: &PgPool,
    viewer: &Viewer,
    limit: i64,
) -> Result<Vec<SyncRunView>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs r LEFT JOIN users u ON u.id = r.requested_by ORDER BY r.id DESC LIMIT $1"
    );
    let runs = sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
    db::end_read(tx);
    Ok(runs)
}

/// One run and its errors (the first 500).
pub async fn run(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<SyncRunDetail, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs r LEFT JOIN users u ON u.id = r.requested_by WHERE r.id = $1"
    );
    let run: Option<SyncRunView> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
    let run = run.ok_or(AppError::NotFound)?;
    let errors: Vec<SyncRunError> = sqlx::query_as(
        "SELECT zoho_id, stage, message, at FROM sync_run_errors WHERE run_id = $1 ORDER BY at, zoho_id LIMIT 500",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(SyncRunDetail { run, errors })
}
