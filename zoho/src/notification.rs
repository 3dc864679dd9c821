//! The body Zoho's Notification API posts to a channel's `notify_url` when records of
//! a watched module change: the ids only (the receiver reads the records back), the
//! operation, and the channel id and token given when the channel was enabled.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Milliseconds since the epoch, Zoho's clock.
    #[serde(default)]
    pub server_time: i64,
    pub module: String,
    #[serde(default)]
    pub resource_uri: String,
    pub ids: Vec<String>,
    /// `insert`, `update` or `delete`.
    pub operation: String,
    pub channel_id: String,
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub affected_fields: Vec<serde_json::Value>,
    #[serde(default)]
    pub query_params: serde_json::Value,
}

/// What a notification asks the receiver to do with its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Created or edited: read the records back and upsert them.
    Upsert,
    /// Removed: archive them.
    Delete,
}

impl Notification {
    pub fn operation(&self) -> Option<Operation> {
        match self.operation.as_str() {
            "insert" | "create" | "update" | "edit" => Some(Operation::Upsert),
            "delete" => Some(Operation::Delete),
            _ => None,
        }
    }
}
