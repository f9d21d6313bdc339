//! What every handler shares: the pool, the settings, and the gate that keeps password hashing from
//! taking every core.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::Semaphore;

use crate::cache::NetworkCache;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    pub db: PgPool,
    pub config: Config,
    /// Argon2 runs on blocking threads; at most this many at once, so pages keep a core for themselves.
    pub hashing: Semaphore,
    /// Network-wide figures, invalidated by the writes' notifications (see `crate::cache`).
    pub network_cache: Arc<NetworkCache>,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let permits = cores.saturating_sub(1).max(1);
        AppState(Arc::new(App {
            db,
            config,
            hashing: Semaphore::new(permits),
            network_cache: Arc::default(),
        }))
    }
}

impl AppState {
    /// Starts what runs beside the requests and needs the runtime: the cache's change listener.
    pub fn spawn_background(&self) {
        crate::cache::spawn_listener(self.db.clone(), self.network_cache.clone());
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
