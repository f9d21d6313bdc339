//! The digests: one e-mail per person and period listing the notifications they chose to read « dans un
//! récapitulatif quotidien » or « hebdomadaire », sent by the background job `notification_digests` (every
//! `mde serve` runs it; the job's lock runs it in one process at a time). A daily digest is due from 7 h
//! (Europe/Paris) for the day, a weekly one from Monday 7 h for the ISO week. Each digest is a row of
//! `notification_digest`, unique per person, period and period start, inserted in the transaction that
//! stamps its notifications and sends it: a second run, in this process or another, finds it and sends
//! nothing. A person who moved a topic off the digest (on the profile, or by the link) has nothing left in
//! it, since their pending notifications moved with the choice; nothing is sent for an empty digest or an
//! inactive account. A digest the SMTP server refuses is rolled back and tried again at the next run.

use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;
use sqlx::{PgConnection, PgPool};

use super::mail::unsubscribe_foot;
use super::unsubscribe::{self, Target};
use crate::config::{Config, SmtpConfig};
use crate::domain::notification::{Channel, Kind, Topic};
use crate::mail::{self, Delivery, Mail};
use crate::web::format;
use crate::web::jobs::Job;

/// The hour (Europe/Paris) from which the day's digest, and on Monday the week's, is due.
pub const SEND_FROM_HOUR: u32 = 7;
/// The most people served per period and run (the next run serves the rest).
const BATCH: i64 = 500;

/// The background job: every quarter of an hour, the digests that are due.
pub fn digest_job(config: &Config) -> Job {
    let config = std::sync::Arc::new(config.clone());
    Job::new(
        "notification_digests",
        std::time::Duration::from_secs(15 * 60),
        move |pool| {
            let config = config.clone();
            async move {
                send_digests(&pool, &config, Utc::now()).await?;
                Ok(())
            }
        },
    )
}

/// The periods due at `now` and the day each starts.
pub fn due(now: DateTime<Utc>) -> Vec<(Channel, NaiveDate)> {
    let local = now.with_timezone(&Paris);
    let today = local.date_naive();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let early = local.hour() < SEND_FROM_HOUR;
    let mut due = Vec::new();
    if !early {
        due.push((Channel::Quotidien, today));
    }
    if !(early && today == monday) {
        due.push((Channel::Hebdomadaire, monday));
    }
    due
}

/// Sends the digests due at `now`; returns how many left. Without SMTP settings nothing is sent or stamped.
pub async fn send_digests(
    pool: &PgPool,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let Some(smtp) = &config.smtp else {
        return Ok(0);
    };
    let mut sent = 0;
    for (period, start) in due(now) {
        let people: Vec<i64> = sqlx::query_scalar(
            "select distinct n.account_id from notification n join account a on a.id = n.account_id
             where n.mailed_at is null and n.channel = $1 and a.active
               and not exists (select 1 from notification_digest d
                               where d.account_id = n.account_id and d.period = $1 and d.period_start = $2)
             order by n.account_id limit $3",
        )
        .bind(period)
        .bind(start)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        for account in people {
            if send_one(pool, config, smtp, account, period, start, now).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

#[derive(sqlx::FromRow)]
struct Item {
    kind: String,
    message: String,
    link: String,
    created_at: DateTime<Utc>,
}

/// One person's digest for one period: `false` when someone else sent it, or nothing is left in it.
async fn send_one(
    pool: &PgPool,
    config: &Config,
    smtp: &SmtpConfig,
    account: i64,
    period: Channel,
    start: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    // Another process inserting the same digest waits here for this one's end, then finds it.
    let id: Option<i64> = sqlx::query_scalar(
        "insert into notification_digest (account_id, period, period_start, items) values ($1, $2, $3, 1)
         on conflict (account_id, period, period_start) do nothing returning id",
    )
    .bind(account)
    .bind(period)
    .bind(start)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    let items: Vec<Item> = sqlx::query_as(
        "with sent as (
             update notification set mailed_at = now(), digest_id = $3
             where account_id = $1 and channel = $2 and mailed_at is null
             returning id, kind, message, link, created_at)
         select kind, message, link, created_at from sent order by created_at, id",
    )
    .bind(account)
    .bind(period)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if items.is_empty() {
        return Ok(false);
    }
    sqlx::query("update notification_digest set items = $2 where id = $1")
        .bind(id)
        .bind(i32::try_from(items.len()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
    let (email, name): (String, String) =
        sqlx::query_as("select email, name from account where id = $1")
            .bind(account)
            .fetch_one(&mut *tx)
            .await?;
    let mail = compose(
        &mut tx,
        config,
        account,
        period,
        start,
        now,
        &items,
        (email, name),
    )
    .await?;
    if mail::send(Some(smtp), mail).await != Delivery::Sent {
        // Not sent: rolled back, tried again at the next run.
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The digest's e-mail: the notifications by topic, then the links that turn it off.
#[expect(clippy::too_many_arguments, reason = "the digest's parts, passed flat")]
async fn compose(
    conn: &mut PgConnection,
    config: &Config,
    account: i64,
    period: Channel,
    start: NaiveDate,
    now: DateTime<Utc>,
    items: &[Item],
    (email, name): (String, String),
) -> sqlx::Result<Mail> {
    let base = config.base_url.trim_end_matches('/');
    let digest = period.digest_name().unwrap_or_default();
    let when = match period {
        Channel::Hebdomadaire => format!("semaine du {}", format::date(start)),
        _ => format!("du {}", format::date(start)),
    };
    let mut body = format!(
        "Bonjour {name},\n\nVoici votre {digest} ({when}) du Portail des Maisons de l'Emploi : {}.\n",
        match items.len() {
            1 => "une notification".to_owned(),
            n => format!("{n} notifications"),
        }
    );
    let mut topics = Vec::new();
    for topic in Topic::ALL {
        let of_topic: Vec<&Item> = items
            .iter()
            .filter(|i| i.kind.parse::<Kind>().is_ok_and(|k| k.topic() == *topic))
            .collect();
        if of_topic.is_empty() {
            continue;
        }
        topics.push(*topic);
        body.push_str(&format!("\n{} ({})\n", topic.label(), of_topic.len()));
        for i in of_topic {
            body.push_str(&format!(
                "- {} : {}\n  {base}{}\n",
                format::datetime(i.created_at),
                i.message,
                i.link
            ));
        }
    }
    body.push_str(&format!(
        "\nRetrouvez toutes vos notifications sur {base}/notifications\n"
    ));
    let whole = unsubscribe::link(conn, config, account, Target::Digest(period), now).await?;
    body.push_str(&unsubscribe_foot(base, &format!("le {digest}"), &whole));
    for topic in topics.into_iter().filter(|t| t.is_chosen()) {
        let url = unsubscribe::link(conn, config, account, Target::Topic(topic), now).await?;
        body.push_str(&format!(
            "Pour ne plus recevoir « {} » par courriel : {url}\n",
            topic.label()
        ));
    }
    Ok(Mail {
        to: email,
        to_name: name,
        subject: format!("Portail des Maisons de l'Emploi : votre {digest} ({when})"),
        body,
        unsubscribe: Some(whole),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_day_is_due_from_seven_and_a_week_from_monday_seven() {
        // Monday 7 December 2026, 5:30 in Paris (4:30 UTC): neither.
        assert!(due(at("2026-12-07T04:30:00Z")).is_empty());
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        // 8:00 in Paris: both, the week starting that Monday.
        assert_eq!(
            due(at("2026-12-07T07:00:00Z")),
            vec![(Channel::Quotidien, day), (Channel::Hebdomadaire, day)]
        );
        // Wednesday 5:00: the week is still due (a server down on Monday sends it later), not the day.
        assert_eq!(
            due(at("2026-12-09T04:00:00Z")),
            vec![(Channel::Hebdomadaire, day)]
        );
    }
}
