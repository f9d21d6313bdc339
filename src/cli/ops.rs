//! `mde healthcheck`, `mde config`, `mde sessions flush`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::audit::{self, Event};
use crate::config::{Config, DEFAULT_DATABASE_URL};

/// Asks the portal listening at `bind` for `/healthz`, which answers 200 only when the portal reaches its
/// database: success means both the HTTP server and the database answer.
pub async fn healthcheck(bind: SocketAddr, wait_secs: u64) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait_secs);
    loop {
        match check_once(bind).await {
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::debug!(error = %e, "not healthy yet");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            result => return result,
        }
    }
}

async fn check_once(bind: SocketAddr) -> anyhow::Result<()> {
    // A portal listening on every address is asked on the loopback.
    let target = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port())
        }
        _ => bind,
    };
    let status = tokio::time::timeout(Duration::from_secs(5), get_status(target, "/healthz"))
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "le portail ne répond pas à http://{target}/healthz en 5 s / no answer in 5 s"
            )
        })?
        .with_context(|| {
            format!("aucun portail ne répond sur http://{target}/ / nothing answers there")
        })?;
    match status {
        200 => {
            println!("ok : le portail (http://{target}/) et sa base de données répondent.");
            Ok(())
        }
        503 => bail!(
            "le portail répond sur http://{target}/ mais n'atteint pas sa base de données (/healthz : 503) \
             / the portal answers but its database does not"
        ),
        other => bail!("http://{target}/healthz répond {other} au lieu de 200 / unexpected status"),
    }
}

async fn get_status(target: SocketAddr, path: &str) -> anyhow::Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(target).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 4096 {
            bail!("réponse HTTP illisible / unreadable HTTP answer");
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("réponse HTTP illisible / unreadable HTTP answer")
}

/// The settings `mde serve` would use, one `NAME=value` per line, secrets masked.
pub fn print_config(database_url: Option<String>, bind: SocketAddr) -> anyhow::Result<()> {
    let config = Config::from_env(
        database_url
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
        bind,
    )?;
    for line in config.report(database_url.as_deref()) {
        println!("{line}");
    }
    Ok(())
}

/// Ends every session, through the session functions (so every process drops what it knows of them), and
/// writes in each affected account's history that its sessions were ended from the command line.
pub async fn flush_sessions(url: &str) -> anyhow::Result<()> {
    let pool = crate::db::prepare(url, 2).await?;
    let mut tx = pool.begin().await?;
    let ended = crate::auth::session::destroy_every(&mut *tx).await?;
    let mut sessions = 0;
    for (account_id, count) in &ended {
        sessions += count;
        let Some(account_id) = account_id else {
            continue;
        };
        let maison_id: Option<i64> =
            sqlx::query_scalar("select maison_id from account where id = $1")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
        audit::record(
            &mut *tx,
            Event::of_account_by_system(
                *account_id,
                maison_id,
                "sessions_fermees",
                format!("{count} session(s) fermée(s) en ligne de commande (mde sessions flush)"),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    let accounts = ended.iter().filter(|(a, _)| a.is_some()).count();
    println!(
        "{sessions} session(s) fermée(s), dont celles de {accounts} compte(s) : chacun devra se reconnecter."
    );
    Ok(())
}
