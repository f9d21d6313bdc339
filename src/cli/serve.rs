use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::state::AppState;
use crate::web::jobs::{self, Job};

/// The periodic tasks of the portal, each run once per period across every `mde serve` process
/// (`web::jobs`). A new one is a line here: its name, its period, the function it calls.
fn background_jobs(config: &Config) -> Vec<Job> {
    let digests = crate::notifications::digest_job(config);
    let config = std::sync::Arc::new(config.clone());
    vec![
        Job::new(
            "purge_sessions",
            Duration::from_secs(3600),
            |pool| async move {
                crate::auth::session::purge_expired(&pool).await?;
                Ok(())
            },
        ),
        // The pilots of actions that became late are told, once per action (issue 16).
        Job::new(
            "late_actions",
            Duration::from_secs(3600),
            crate::plans::tell_late_actions,
        ),
        // Personal data kept no longer than `/donnees-personnelles` says (`config::Retention`).
        Job::new("retention", Duration::from_secs(24 * 3600), move |pool| {
            let config = config.clone();
            async move {
                crate::accounts::run_retention(&pool, &config, chrono::Utc::now()).await?;
                Ok(())
            }
        }),
        // The daily and weekly digests of notifications (issue 17).
        digests,
    ]
}

pub async fn run(database_url: String, bind: SocketAddr, demo: bool) -> anyhow::Result<()> {
    let config = Config::from_env(database_url, bind)?;
    let pool = crate::db::prepare(&config.database_url, config.db_max_connections).await?;
    if demo {
        let accounts = crate::demo::seed(&pool, 1).await?;
        crate::demo::print_accounts(&accounts);
    }
    tokio::task::spawn_blocking(crate::auth::password::warm_up);
    jobs::spawn(
        pool.clone(),
        background_jobs(&config),
        Duration::from_secs(60),
    );
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("impossible d'écouter sur {bind} / cannot listen on {bind}"))?;
    let local = listener.local_addr()?;
    let state = AppState::new(pool.clone(), config);
    state.spawn_background();
    crate::notifications::spawn_mailer(state.clone());
    let app = crate::router::app(state);
    tracing::info!(address = %local, "portail prêt / portal ready");
    println!("Portail prêt sur http://{local}/");
    // The peer's address reaches the handlers (`ConnectInfo`): « Mot de passe oublié ? » is throttled per
    // client address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    pool.close().await;
    tracing::info!("arrêt propre / clean shutdown");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting connections, let in-flight requests finish, exit 0.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("signal reçu, fin des requêtes en cours / draining");
}
