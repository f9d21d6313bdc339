//! What the pilot organisation's partner accounts are told (issue 16): that their organisation was named
//! pilot of a fiche, that a plan where it pilots actions was validated, that one of its actions became
//! late (the periodic job `late_actions`, once per action). Links go to pages they may read: « Mes
//! actions » while the plan is a draft, the fiche once the plan is validated.

use sqlx::{PgConnection, PgPool};

use crate::notifications::{members_of_organisations, notify};
use crate::plans::model::Plan;
use crate::web::format;

/// The organisation named pilot of fiche `number` « `title` » of `plan` (a draft: the partners read it
/// once the copil has validated it).
pub(super) async fn named_pilot(
    conn: &mut PgConnection,
    plan: &Plan,
    organisation: i64,
    number: i32,
    title: &str,
) -> sqlx::Result<()> {
    let to = members_of_organisations(&mut *conn, &[organisation]).await?;
    let message = format!(
        "Votre organisation est désignée pilote de la fiche action n° {number} « {title} » du plan « {} » \
         de la {} (en préparation). Vous la suivrez dans « Mes actions » une fois le plan validé par le \
         comité de pilotage.",
        plan.title, plan.maison_name
    );
    notify(
        conn,
        &to,
        crate::notifications::Kind::PiloteDesigne,
        &message,
        "/mes-actions",
    )
    .await
}

/// The copil validated the plan: each organisation piloting some of its fiches is told how many.
pub async fn plan_validated(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<()> {
    let (title, maison_id, maison_name): (String, i64, String) = sqlx::query_as(
        "select p.title, p.maison_id, m.name from plan p join maison m on m.id = p.maison_id where p.id = $1",
    )
    .bind(plan_id)
    .fetch_one(&mut *conn)
    .await?;
    let pilots: Vec<(i64, i64)> = sqlx::query_as(
        "select pilot_organisation_id, count(*) from action
         where plan_id = $1 and pilot_organisation_id is not null group by pilot_organisation_id",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    for (organisation, n) in pilots {
        let to = members_of_organisations(&mut *conn, &[organisation]).await?;
        let actions = if n > 1 {
            format!("les {n} fiches actions")
        } else {
            "la fiche action".to_owned()
        };
        let message = format!(
            "Le plan « {} » de la {} est validé par le comité de pilotage : votre organisation pilote {actions} \
             qui vous sont confiées. Renseignez-en le suivi dans « Mes actions ».",
            title, maison_name
        );
        let link = format!("/mes-actions?maison={maison_id}");
        notify(
            &mut *conn,
            &to,
            crate::notifications::Kind::PlanValidePilote,
            &message,
            &link,
        )
        .await?;
    }
    Ok(())
}

/// The largest number of late actions told per run (the next run tells the rest).
const LATE_BATCH: i64 = 500;

#[derive(sqlx::FromRow)]
struct Late {
    id: i64,
    number: i32,
    title: String,
    organisation: i64,
    maison_name: String,
}

/// The job `late_actions`: the partners of the organisation piloting an action that became late (its end
/// date past, not réalisée nor abandonnée, in a validated or running plan) are told, once per action.
pub async fn tell_late_actions(pool: PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let late: Vec<Late> = sqlx::query_as(
        "select a.id, a.number, a.title, a.pilot_organisation_id as organisation, m.name as maison_name
         from action a join plan p on p.id = a.plan_id join maison m on m.id = p.maison_id
         where a.late_notified_at is null and a.pilot_organisation_id is not null
           and a.status in ('a_lancer', 'en_cours', 'en_pause') and a.end_date < $1
           and p.status in ('valide', 'en_oeuvre')
         order by a.end_date, a.id
         limit $2
         for update of a skip locked",
    )
    .bind(format::today())
    .bind(LATE_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for a in &late {
        // Told only where they may read it: the organisation still partners the Maison.
        let to: Vec<i64> = sqlx::query_scalar(
            "select x.id from account x
             join action a on a.id = $2 join plan p on p.id = a.plan_id
             join partnership ps on ps.maison_id = p.maison_id and ps.organisation_id = x.organisation_id
             where x.organisation_id = $1 and x.role = 'partner' and x.active",
        )
        .bind(a.organisation)
        .bind(a.id)
        .fetch_all(&mut *tx)
        .await?;
        let message = format!(
            "La fiche action n° {} « {} » de la {} est en retard : sa date de fin est passée. Mettez à jour \
             son statut et son avancement.",
            a.number, a.title, a.maison_name
        );
        let link = format!("/actions/{}", a.id);
        notify(
            &mut tx,
            &to,
            crate::notifications::Kind::ActionEnRetard,
            &message,
            &link,
        )
        .await?;
    }
    let ids: Vec<i64> = late.iter().map(|a| a.id).collect();
    sqlx::query("update action set late_notified_at = now() where id = any($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
