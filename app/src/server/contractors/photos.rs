//! Contractor photos in object storage: stored under their content hash (so an
//! unchanged photo is never stored twice, and a changed one never overwrites what a
//! cached page still points at). Checking and thumbnailing is the `photos` crate's.

use uuid::Uuid;

pub use photos::{Prepared, THUMB_WIDTHS, hash, prepare};

/// Where a tenant's photo (or one of its thumbnails) is stored.
pub fn key(tenant_id: Uuid, hash: &str, width: Option<u32>) -> String {
    match width {
        Some(w) => format!("contractors/{tenant_id}/{hash}/{w}.jpg"),
        None => format!("contractors/{tenant_id}/{hash}/original"),
    }
}
