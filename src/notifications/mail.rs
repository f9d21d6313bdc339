//! E-mail copies of notifications, sent after the write that created them has committed: `notify()` only
//! inserts rows; this outbox worker (started by `mde serve` when SMTP is configured) mails the recent ones
//! whose channel is « Par courriel, immédiatement » not yet mailed and stamps them (the digests take the
//! others, `digest.rs`). Best effort: a refused message is logged by `crate::mail` and not retried.

use std::time::Duration;

use super::unsubscribe::{self, Target};
use crate::config::SmtpConfig;
use crate::domain::notification::Kind;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// Notifications older than this when the worker first sees them are not mailed (SMTP configured late).
const FRESH_FOR: &str = "1 hour";
const BATCH: i64 = 20;

pub fn spawn_mailer(state: AppState) {
    let Some(smtp) = state.config.smtp.clone() else {
        return;
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            loop {
                match mail_pending(&state, &smtp).await {
                    Ok(n) if n as i64 == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "notification e-mails not sent");
                        break;
                    }
                }
            }
        }
    });
}

#[derive(sqlx::FromRow)]
struct Pending {
    id: i64,
    account_id: i64,
    email: String,
    name: String,
    kind: String,
    message: String,
    link: String,
}

pub fn body(base_url: &str, name: &str, message: &str, link: &str) -> String {
    format!(
        "Bonjour {name},\n\n{message}\n\nPour le consulter : {}{link}\n\n\
         Vous recevez ce message parce que vous avez un compte sur le Portail des Maisons de l'Emploi. \
         Retrouvez toutes vos notifications sur {}/notifications\n",
        base_url.trim_end_matches('/'),
        base_url.trim_end_matches('/'),
    )
}

/// The foot of every notification e-mail: how to turn this one off, and where to choose the others.
pub fn unsubscribe_foot(base_url: &str, what: &str, unsubscribe: &str) -> String {
    format!(
        "\n-- \nPour ne plus recevoir {what} par courriel, sans vous connecter : {unsubscribe}\n\
         Pour choisir comment être prévenu(e) de chaque sujet : {}/profil/notifications\n",
        base_url.trim_end_matches('/')
    )
}

/// Mails one batch of pending notifications; returns how many were attempted.
pub async fn mail_pending(state: &AppState, smtp: &SmtpConfig) -> anyhow::Result<usize> {
    let mut tx = state.db.begin().await?;
    let rows: Vec<Pending> = sqlx::query_as(&format!(
        "select n.id, n.account_id, a.email, a.name, n.kind, n.message, n.link
         from notification n join account a on a.id = n.account_id
         where n.mailed_at is null and n.channel = 'immediat'
           and n.created_at > now() - interval '{FRESH_FOR}' and a.active
         order by n.id limit {BATCH}
         for update of n skip locked"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let base = &state.config.base_url;
    for r in rows {
        let mut text = body(base, &r.name, &r.message, &r.link);
        let mut unsubscribe = None;
        if let Ok(kind) = r.kind.parse::<Kind>() {
            let target = Target::Topic(kind.topic());
            let url = unsubscribe::link(
                &mut tx,
                &state.config,
                r.account_id,
                target,
                chrono::Utc::now(),
            )
            .await?;
            let what = format!("les notifications « {} »", kind.topic().label());
            text.push_str(&unsubscribe_foot(base, &what, &url));
            unsubscribe = Some(url);
        }
        let mail = Mail {
            to: r.email,
            to_name: r.name.clone(),
            subject: "Portail des Maisons de l'Emploi : nouvelle notification".into(),
            body: text,
            unsubscribe,
        };
        mail::send(Some(smtp), mail).await;
    }
    sqlx::query("update notification set mailed_at = now() where id = any($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids.len())
}
