//! A short-lived cache of network-wide figures (the `/reseau` dashboard, the network's axis pages), with one
//! invalidation rule that holds across processes:
//!
//! - every write of the portal touches one of the tables the figures read, or appends to the audit journal
//!   (`event`, written in the same transaction as every write); statement triggers on those tables
//!   (migration `…_change_notify.sql`) call `pg_notify('mde_changes', '')`, which PostgreSQL delivers **after
//!   commit** (once per transaction);
//! - each `mde serve` process listens on that channel on one dedicated connection and bumps its
//!   *generation* when a notification arrives; an entry is served only if it was computed at the current
//!   generation. A computation that raced with a write is tagged with the generation before the write's
//!   notification, so it is never served after it;
//! - figures that change with the clock rather than with writes (late actions, « dernière activité »,
//!   « sans activité depuis 90 jours ») are covered by the TTL and by `today` in the keys;
//! - while the listener is not connected (PostgreSQL restarting, a network cut), a notification could be
//!   missed: the cache is bypassed, every request computes, and the generation is bumped when the listener
//!   is back.
//!
//! Concurrent requests for the same missing entry wait for one computation (single flight), so an
//! invalidation under load costs one computation, not one per connection.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::OnceCell;

use crate::error::AppResult;

/// The channel the triggers notify.
pub const CHANNEL: &str = "mde_changes";
/// The longest an entry is served, whatever the writes: the clock-dependent figures move at most this late.
pub const TTL: Duration = Duration::from_secs(30);
/// Filters × sorts × pages stay few; beyond this, stale entries are dropped, then all of them.
const MAX_ENTRIES: usize = 512;

type Value = Arc<dyn Any + Send + Sync>;

struct Slot {
    generation: u64,
    created: Instant,
    cell: Arc<OnceCell<Value>>,
}

#[derive(Default)]
pub struct NetworkCache {
    generation: AtomicU64,
    listening: AtomicBool,
    slots: Mutex<HashMap<String, Slot>>,
}

impl NetworkCache {
    /// The value for `key` computed at the current generation, or `compute()`'s (stored when the listener is
    /// connected). `key` must hold everything the value depends on (filters, page, date).
    pub async fn get_or_compute<T, F, Fut>(&self, key: String, compute: F) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if !self.listening.load(Ordering::Acquire) {
            return compute().await.map(Arc::new);
        }
        let cell = self.slot(key);
        let value = cell
            .get_or_try_init(|| async { compute().await.map(|v| Arc::new(v) as Value) })
            .await?
            .clone();
        value
            .downcast::<T>()
            .map_err(|_| anyhow::anyhow!("network cache: one key used for two types").into())
    }

    fn slot(&self, key: String) -> Arc<OnceCell<Value>> {
        let generation = self.generation.load(Ordering::Acquire);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get(&key)
            && slot.generation == generation
            && slot.created.elapsed() < TTL
        {
            return slot.cell.clone();
        }
        if slots.len() >= MAX_ENTRIES {
            slots.retain(|_, s| s.generation == generation && s.created.elapsed() < TTL);
            if slots.len() >= MAX_ENTRIES {
                slots.clear();
            }
        }
        let cell = Arc::new(OnceCell::new());
        slots.insert(
            key,
            Slot {
                generation,
                created: Instant::now(),
                cell: cell.clone(),
            },
        );
        cell
    }

    /// Something was written: nothing computed before now is served again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Release);
        self.invalidate();
    }

    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

/// Listens for `mde_changes` for as long as the pool is open, reconnecting after a second when the
/// connection cannot be re-established at once (the cache is bypassed meanwhile).
pub fn spawn_listener(pool: PgPool, cache: Arc<NetworkCache>) {
    tokio::spawn(async move {
        loop {
            let result = listen(&pool, &cache).await;
            cache.set_listening(false);
            if pool.is_closed() {
                return;
            }
            let Err(e) = result;
            tracing::warn!(error = %e, "network cache listener lost; cache bypassed until it is back");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(pool: &PgPool, cache: &NetworkCache) -> sqlx::Result<std::convert::Infallible> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Not `ignore_pool_close_event`: when the pool closes (shutdown), `try_recv` errors and we stop.
    listener.listen(CHANNEL).await?;
    cache.set_listening(true);
    loop {
        // `try_recv` answers `None` when the connection dropped and was re-established (listening again):
        // notifications sent meanwhile were missed, so everything computed before is dropped.
        match listener.try_recv().await? {
            Some(_) | None => cache.invalidate(),
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a failed unwrap is a failed test, with its line"
)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_an_entry_until_the_generation_moves() {
        let cache = NetworkCache::default();
        cache.set_listening(true);
        let calls = AtomicU64::new(0);
        let compute =
            || async { Ok::<_, crate::error::AppError>(calls.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 0);
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 0);
        assert_eq!(
            *cache.get_or_compute("autre".into(), compute).await.unwrap(),
            1
        );
        cache.invalidate();
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 2);
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn bypassed_while_not_listening_and_errors_are_not_kept() {
        let cache = NetworkCache::default();
        let calls = AtomicU64::new(0);
        let compute =
            || async { Ok::<_, crate::error::AppError>(calls.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 0);
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 1);
        cache.set_listening(true);
        let failing = || async { Err::<u64, _>(crate::error::AppError::NotFound) };
        assert!(cache.get_or_compute("k".into(), failing).await.is_err());
        assert_eq!(*cache.get_or_compute("k".into(), compute).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let cache = Arc::new(NetworkCache::default());
        cache.set_listening(true);
        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_compute("k".into(), || async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, crate::error::AppError>(calls.fetch_add(1, Ordering::SeqCst))
                    })
                    .await
                    .map(|v| *v)
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 0);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
