//! Files (contractor photos, import files) in object storage through `object_store`:
//! a local directory by default (`STORAGE_URL=file:///var/lib/casework/objects`, or a
//! relative path), any S3-compatible store with `s3://bucket/prefix` and the usual
//! `AWS_*` settings (endpoint, region, keys) from the environment. Every instance must
//! see the same store: the database says what exists, the store holds the bytes.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload, WriteMultipart};

use crate::model::AppError;

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Where it is, for logs and the System page (no credentials in it).
    pub describe: String,
}

impl Storage {
    /// The store `url` names.
    pub fn open(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("STORAGE_URL: {e}"))?;
            let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(store)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(
                    store,
                    prefix.trim_end_matches('/'),
                ))
            };
            return Ok(Self {
                store,
                describe: format!("s3://{bucket}/{prefix}"),
            });
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        std::fs::create_dir_all(dir).map_err(|e| format!("STORAGE_URL: {dir}: {e}"))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("STORAGE_URL: {dir}: {e}"))?;
        Ok(Self {
            store: Arc::new(store),
            describe: dir.to_string(),
        })
    }

    /// Stores `bytes` under `key`. Keys are content hashes, so writing one that exists
    /// rewrites the same bytes: harmless, and cheaper than asking first.
    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<(), AppError> {
        let path = Path::parse(key).map_err(|_| AppError::Internal)?;
        self.store
            .put(&path, PutPayload::from_bytes(bytes.into()))
            .await
            .map(drop)
            .map_err(|error| {
                tracing::error!(%error, key, "object store write failed");
                AppError::Unavailable
            })
    }

    /// The bytes under `key`; `None` when there is nothing there.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, AppError> {
        let path = Path::parse(key).map_err(|_| AppError::NotFound)?;
        match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map(Some).map_err(|error| {
                tracing::error!(%error, key, "object store read failed");
                AppError::Unavailable
            }),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => {
                tracing::error!(%error, key, "object store read failed");
                Err(AppError::Unavailable)
            }
        }
    }

    /// A writer of one object from parts as they come (an upload streamed through):
    /// nothing is visible under `key` until [`ObjectWriter::finish`]; an aborted one
    /// leaves nothing.
    pub async fn writer(&self, key: &str) -> Result<ObjectWriter, AppError> {
        let path = Path::parse(key).map_err(|_| AppError::Internal)?;
        let upload = self.store.put_multipart(&path).await.map_err(|error| {
            tracing::error!(%error, key, "object store write failed");
            AppError::Unavailable
        })?;
        Ok(ObjectWriter(WriteMultipart::new(upload)))
    }

    /// The bytes under `key` as a stream of chunks (read as they are consumed, never
    /// whole in memory); `None` when there is nothing there.
    pub async fn read_stream(
        &self,
        key: &str,
    ) -> Result<Option<BoxStream<'static, Result<Bytes, AppError>>>, AppError> {
        let path = Path::parse(key).map_err(|_| AppError::NotFound)?;
        match self.store.get(&path).await {
            Ok(found) => Ok(Some(
                found
                    .into_stream()
                    .map(|chunk| {
                        chunk.map_err(|error| {
                            tracing::error!(%error, "object store read failed");
                            AppError::Unavailable
                        })
                    })
                    .boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => {
                tracing::error!(%error, key, "object store read failed");
                Err(AppError::Unavailable)
            }
        }
    }
}

/// An object being written in parts ([`Storage::writer`]).
pub struct ObjectWriter(WriteMultipart);

impl ObjectWriter {
    /// Adds bytes (sent to the store in parts of several MB as they fill), first
    /// waiting while two parts are still on their way: memory stays at a few parts
    /// whatever the object's size.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.0.wait_for_capacity(2).await.map_err(|error| {
            tracing::error!(%error, "object store write failed");
            AppError::Unavailable
        })?;
        self.0.write(bytes);
        Ok(())
    }

    /// Completes the object: from now on it is there, whole.
    pub async fn finish(self) -> Result<(), AppError> {
        self.0.finish().await.map(drop).map_err(|error| {
            tracing::error!(%error, "object store write failed");
            AppError::Unavailable
        })
    }

    /// Gives the object up: nothing is left of it.
    pub async fn abort(self) {
        if let Err(error) = self.0.abort().await {
            tracing::warn!(%error, "could not abort an object store upload");
        }
    }
}
