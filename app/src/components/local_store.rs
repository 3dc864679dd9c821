//! The browser's `localStorage`, for what stays on this device only (unsent comment
//! drafts, recently opened items). Nothing here exists on the server, where reads find
//! nothing and writes do nothing.

#[cfg(feature = "hydrate")]
fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The text kept under `key`, if any (never the empty string).
#[cfg(feature = "hydrate")]
pub fn read(key: &str) -> Option<String> {
    local()?.get_item(key).ok()?.filter(|text| !text.is_empty())
}

#[cfg(not(feature = "hydrate"))]
pub fn read(_key: &str) -> Option<String> {
    None
}

/// Keeps `text` under `key`; the empty string removes it.
#[cfg(feature = "hydrate")]
pub fn write(key: &str, text: &str) {
    if let Some(storage) = local() {
        let _ = if text.is_empty() {
            storage.remove_item(key)
        } else {
            storage.set_item(key, text)
        };
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn write(_key: &str, _text: &str) {}
