//! A tenant's Zoho connection: what the admin saved, read for a run, and turned into a
//! client. The secrets leave this module only inside `zoho::Settings`, wrapped.

use secrecy::SecretString;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;
use zoho::FieldMap;

use super::SyncSettings;

pub struct Connection {
    pub tenant_id: Uuid,
    pub data_centre: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub refresh_token: SecretString,
    pub module: String,
    pub field_map: FieldMap,
    pub schedule_minutes: Option<i32>,
    pub channel_id: String,
    pub channel_token: SecretString,
    pub channel_expires_at: Option<OffsetDateTime>,
    pub records_cursor: Option<OffsetDateTime>,
    pub deleted_cursor: Option<OffsetDateTime>,
    pub last_manual_at: Option<OffsetDateTime>,
    pub version: i32,
}

#[derive(sqlx::FromRow)]
struct Row {
    tenant_id: Uuid,
    data_centre: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    module: String,
    field_map: serde_json::Value,
    schedule_minutes: Option<i32>,
    channel_id: String,
    channel_token: String,
    channel_expires_at: Option<OffsetDateTime>,
    records_cursor: Option<OffsetDateTime>,
    deleted_cursor: Option<OffsetDateTime>,
    last_manual_at: Option<OffsetDateTime>,
    version: i32,
}

const COLUMNS: &str = "tenant_id, data_centre, client_id, client_secret, refresh_token, module,
    field_map, schedule_minutes, channel_id, channel_token, channel_expires_at,
    records_cursor, deleted_cursor, last_manual_at, version";

impl Connection {
    /// The connection of the transaction's tenant, if Zoho is connected.
    pub async fn load(conn: &mut PgConnection) -> Result<Option<Self>, sqlx::Error> {
        Self::query(conn, false).await
    }

    /// The same, locked for an update of its settings or a run request: requests of
    /// one tenant pass one at a time, in every process.
    pub async fn lock(conn: &mut PgConnection) -> Result<Option<Self>, sqlx::Error> {
        Self::query(conn, true).await
    }

    async fn query(conn: &mut PgConnection, lock: bool) -> Result<Option<Self>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM zoho_connections WHERE tenant_id = app_tenant_id(){}",
            if lock { " FOR UPDATE" } else { "" }
        );
        let row: Option<Row> = sqlx::query_as(&sql).fetch_optional(conn).await?;
        Ok(row.map(|row| Connection {
            tenant_id: row.tenant_id,
            data_centre: row.data_centre,
            client_id: row.client_id,
            client_secret: SecretString::from(row.client_secret),
            refresh_token: SecretString::from(row.refresh_token),
            module: row.module,
            field_map: serde_json::from_value(row.field_map).unwrap_or_default(),
            schedule_minutes: row.schedule_minutes,
            channel_id: row.channel_id,
            channel_token: SecretString::from(row.channel_token),
            channel_expires_at: row.channel_expires_at,
            records_cursor: row.records_cursor,
            deleted_cursor: row.deleted_cursor,
            last_manual_at: row.last_manual_at,
            version: row.version,
        }))
    }

    /// The Zoho client for this connection.
    pub fn client(&self, settings: &SyncSettings) -> Result<zoho::Client, zoho::Error> {
        zoho::Client::new(self.client_settings(settings)?)
    }

    pub fn client_settings(&self, settings: &SyncSettings) -> Result<zoho::Settings, zoho::Error> {
        let accounts = match &settings.accounts_url {
            Some(url) => url.clone(),
            None => zoho::accounts_url(&self.data_centre)
                .and_then(|u| url::Url::parse(u).ok())
                .ok_or_else(|| {
                    zoho::Error::Protocol(format!("unknown data centre “{}”", self.data_centre))
                })?,
        };
        Ok(zoho::Settings {
            accounts_url: accounts,
            api_url: settings.api_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            refresh_token: self.refresh_token.clone(),
            module: self.module.clone(),
            fields: self.field_map.api_fields(),
            connect_timeout: settings.connect_timeout,
            timeout: settings.timeout,
            backoff: settings.backoff,
        })
    }
}
