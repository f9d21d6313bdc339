//! The retention task (a background job, `cli::serve::background_jobs`, daily): personal data is kept no
//! longer than `/donnees-personnelles` says, with the periods of `config::Retention`.
//!
//! - An account not signed in for `inactive_days` is warned by e-mail, once (`account.inactivity_warned_at`;
//!   without SMTP settings, by a notification of the portal); still not signed in `notice_days` after the
//!   warning, it is deactivated: its sessions and links end, as when an admin deactivates it. The last
//!   active admin account is never deactivated. Signing in after the warning makes it count for nothing.
//! - Links (invitation, reset) used or expired `link_days` ago, and notifications read
//!   `notification_days` ago, are deleted, and so are the records of digests sent that long ago. (Expired
//!   sessions go every hour: the `purge_sessions` job.)
//! - Proposals of a person for an account (`account_proposal`, issue 14: the name and address a Maison
//!   typed for someone who may never get an account) accepted or refused `proposal_days` ago are deleted;
//!   a pending one stays until it is answered.
//!
//! The task is given the time (`now`) instead of reading the clock, so that tests move it forward. Each
//! step claims its rows (`for update skip locked`, then stamps them), so that two runs at once — two
//! processes — never warn or deactivate the same account twice, even outside the job's own lock.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::tokens;
use crate::audit::{self, Diff, Event};
use crate::auth::session;
use crate::config::{Config, Retention};
use crate::mail::{self, Delivery, Mail};
use crate::web::format;

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub warned: usize,
    pub deactivated: usize,
    pub links_deleted: u64,
    pub notifications_deleted: u64,
    pub proposals_deleted: u64,
}

/// Accounts warned per run at most (the next run takes the rest).
const BATCH: i64 = 200;

pub async fn run(pool: &PgPool, config: &Config, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let r = config.retention;
    let links_deleted = sqlx::query(
        "delete from account_token where coalesce(used_at, expires_at) < $1 - make_interval(days => $2)",
    )
    .bind(now)
    .bind(r.link_days as i32)
    .execute(pool)
    .await?
    .rows_affected();
    let notifications_deleted =
        sqlx::query("delete from notification where read_at < $1 - make_interval(days => $2)")
            .bind(now)
            .bind(r.notification_days as i32)
            .execute(pool)
            .await?
            .rows_affected();
    // A digest's record (when, how many) goes after the same period as a read notification.
    sqlx::query("delete from notification_digest where sent_at < $1 - make_interval(days => $2)")
        .bind(now)
        .bind(r.notification_days as i32)
        .execute(pool)
        .await?;
    let proposals_deleted = sqlx::query(
        "delete from account_proposal
         where status <> 'en_attente' and answered_at < $1 - make_interval(days => $2)",
    )
    .bind(now)
    .bind(r.proposal_days as i32)
    .execute(pool)
    .await?
    .rows_affected();
    let warned = warn_inactive(pool, config, now).await?;
    let deactivated = deactivate_warned(pool, &r, now).await?;
    let report = Report {
        warned,
        deactivated,
        links_deleted,
        notifications_deleted,
        proposals_deleted,
    };
    if report != Report::default() {
        tracing::info!(?report, "conservation des données / retention");
    }
    Ok(report)
}

#[derive(sqlx::FromRow)]
struct Inactive {
    id: i64,
    email: String,
    name: String,
    maison_id: Option<i64>,
}

/// The warning's text: when the account will be deactivated, and how to keep it.
pub fn warning_body(base_url: &str, name: &str, r: &Retention, deadline: DateTime<Utc>) -> String {
    let base = base_url.trim_end_matches('/');
    format!(
        "Bonjour {name},\n\n\
         Vous ne vous êtes pas connecté(e) au Portail des Maisons de l'Emploi depuis plus de {} jours. \
         Sans nouvelle connexion d'ici le {}, votre compte sera désactivé, comme l'annonce la page \
         « Données personnelles » du portail ({base}/donnees-personnelles).\n\n\
         Pour garder votre compte, il suffit de vous connecter : {base}/connexion\n\n\
         Vos contributions restent sur le portail dans tous les cas. Pour faire effacer votre compte, \
         écrivez à l'administration du réseau.\n",
        r.inactive_days,
        day(deadline),
    )
}

/// The day of a moment, in Europe/Paris: `27/11/2026`.
fn day(t: DateTime<Utc>) -> String {
    format::date(t.with_timezone(&chrono_tz::Europe::Paris).date_naive())
}

async fn warn_inactive(
    pool: &PgPool,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let r = config.retention;
    // Claimed and stamped in one statement: a run at the same time skips these rows, and once committed
    // they are no longer due.
    let claimed: Vec<Inactive> = sqlx::query_as(
        "with due as (
             select id from account
             where active and erased_at is null and password_hash is not null
               and coalesce(last_login_at, created_at) < $1 - make_interval(days => $2)
               and (inactivity_warned_at is null
                    or inactivity_warned_at < coalesce(last_login_at, created_at))
             order by id limit $3
             for update skip locked)
         update account a set inactivity_warned_at = $1 from due where a.id = due.id
         returning a.id, a.email, a.name, a.maison_id",
    )
    .bind(now)
    .bind(r.inactive_days as i32)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let deadline = now + Duration::days(r.notice_days.into());
    let mut warned = 0;
    for account in claimed {
        if warn(pool, config, &account, now, deadline).await? {
            warned += 1;
        }
    }
    Ok(warned)
}

/// Warns one account claimed by `warn_inactive`; `false` when the mail failed (the claim is undone, the
/// next run tries again).
async fn warn(
    pool: &PgPool,
    config: &Config,
    account: &Inactive,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let r = config.retention;
    let body = warning_body(&config.base_url, &account.name, &r, deadline);
    let delivery = mail::send(
        config.smtp.as_ref(),
        Mail {
            to: account.email.clone(),
            to_name: account.name.clone(),
            subject:
                "Portail des Maisons de l'Emploi : votre compte sera désactivé faute de connexion"
                    .into(),
            body,
            unsubscribe: None,
        },
    )
    .await;
    let mut tx = pool.begin().await?;
    let how = match delivery {
        Delivery::Sent => "par courriel",
        Delivery::NotConfigured => {
            crate::notifications::notify(
                &mut tx,
                &[account.id],
                crate::notifications::Kind::Inactivite,
                &format!(
                    "Sans connexion d'ici le {}, votre compte sera désactivé (conservation des données).",
                    day(deadline)
                ),
                "/donnees-personnelles",
            )
            .await?;
            "par une notification du portail (envoi de courriels non configuré)"
        }
        Delivery::Failed => {
            // Not warned after all: the next run tries again.
            sqlx::query(
                "update account set inactivity_warned_at = null
                 where id = $1 and inactivity_warned_at = $2",
            )
            .bind(account.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(false);
        }
    };
    let summary = format!(
        "Averti {how} : sans connexion depuis plus de {} jours, le compte sera désactivé le {}",
        r.inactive_days,
        day(deadline)
    );
    let event = Event::of_account_by_system(
        account.id,
        account.maison_id,
        "avertissement_inactivite",
        summary,
    );
    audit::record(&mut *tx, event).await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    role: String,
    maison_id: Option<i64>,
}

async fn deactivate_warned(
    pool: &PgPool,
    r: &Retention,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "select id, role, maison_id from account
         where active and erased_at is null and inactivity_warned_at is not null
           and inactivity_warned_at <= $1 - make_interval(days => $2)
           and coalesce(last_login_at, created_at) < inactivity_warned_at
         order by id
         for update skip locked",
    )
    .bind(now)
    .bind(r.notice_days as i32)
    .fetch_all(&mut *tx)
    .await?;
    let mut deactivated = 0;
    for account in due {
        if account.role == "admin" && !another_active_admin(&mut tx, account.id).await? {
            continue;
        }
        sqlx::query("update account set active = false, version = version + 1 where id = $1")
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
        let ended = session::destroy_all(&mut *tx, account.id).await?;
        tokens::revoke(&mut tx, account.id, None).await?;
        let mut diff = Diff::default();
        diff.field("active", "Compte actif", true, false);
        let summary = format!(
            "Compte désactivé : aucune connexion {} jours après l'avertissement d'inactivité \
             ({ended} session(s) fermée(s))",
            r.notice_days
        );
        let event = Event::of_account_by_system(
            account.id,
            account.maison_id,
            "desactivation_inactivite",
            summary,
        );
        audit::record(
            &mut *tx,
            Event {
                changes: diff.0,
                ..event
            },
        )
        .await?;
        deactivated += 1;
    }
    tx.commit().await?;
    Ok(deactivated)
}

/// Whether an active admin other than `id` remains (locked, so that two runs cannot both go on).
async fn another_active_admin(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from (select id from account
                                where role = 'admin' and active and id <> $1 for update) s",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
