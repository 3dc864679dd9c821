//! A job queue of this process, created on first use: creating it touches the
//! database, which may be down when the process starts. One per kind of job
//! (enrichment, CRM sync); the job system that runs them is `jobs`.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::OnceCell;
use underway::{Queue, Task};

use crate::model::AppError;

/// One kind of job in this process: the task its jobs run, and the queue they wait in
/// (created on first use).
pub struct JobKind<T: Task> {
    pub task: T,
    queue: LazyQueue<T>,
}

impl<T: Task> JobKind<T> {
    pub fn new(name: &'static str, pool: PgPool, task: T) -> Self {
        Self {
            task,
            queue: LazyQueue::new(name, pool),
        }
    }

    /// The queue; 503 while the database cannot be reached.
    pub async fn queue(&self) -> Result<Arc<Queue<T>>, AppError> {
        self.queue.get().await
    }
}

pub struct LazyQueue<T: Task> {
    name: &'static str,
    pool: PgPool,
    queue: OnceCell<Arc<Queue<T>>>,
}

impl<T: Task> LazyQueue<T> {
    pub fn new(name: &'static str, pool: PgPool) -> Self {
        Self {
            name,
            pool,
            queue: OnceCell::new(),
        }
    }

    /// The queue; 503 while the database cannot be reached.
    pub async fn get(&self) -> Result<Arc<Queue<T>>, AppError> {
        self.queue
            .get_or_try_init(|| async {
                Queue::builder()
                    .name(self.name)
                    .pool(self.pool.clone())
                    .build()
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
            .map_err(|error| {
                tracing::error!(%error, queue = self.name, "job queue unavailable");
                AppError::Unavailable
            })
    }
}
