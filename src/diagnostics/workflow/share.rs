//! Sharing a diagnostic with chosen partner organisations (brouillon → partagé, or a change of who it
//! is shared with).

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{comment_of, current_shares};
use crate::audit::{self, Change};
use crate::auth::policy::diagnostics as rules;
use crate::diagnostics::{Diagnostic, Status, begin_if, load_if, set_status, touch};
use crate::error::AppResult;
use crate::notifications;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

#[derive(sqlx::FromRow)]
struct Partner {
    id: i64,
    name: String,
    type_name: String,
}

#[derive(Deserialize, Default)]
pub struct ShareForm {
    #[serde(default)]
    organisations: Vec<String>,
    #[serde(default)]
    comment: String,
}

#[derive(Template)]
#[template(path = "diagnostics/share.html")]
struct SharePage {
    ctx: Ctx,
    d: Diagnostic,
    partners: Vec<Partner>,
    chosen: Vec<i64>,
    comment: String,
    errors: FieldErrors,
}

impl SharePage {
    fn is_chosen(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
    fn first_share(&self) -> bool {
        self.d.status() == Status::Brouillon
    }
}

async fn partners(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Vec<Partner>> {
    sqlx::query_as(
        "select o.id, o.name, t.name as type_name from partnership p
         join organisation o on o.id = p.organisation_id join partner_type t on t.code = o.type_code
         where p.maison_id = $1 order by t.position, o.name limit 500",
    )
    .bind(maison_id)
    .fetch_all(conn)
    .await
}

pub async fn share_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_share).await?;
    let partners = partners(&mut conn, d.maison_id).await?;
    let chosen = current_shares(&mut conn, id).await?;
    Ok(Html(
        SharePage {
            ctx,
            d,
            partners,
            chosen,
            comment: String::new(),
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

/// The partner organisations ticked in the form, each once; a message beside the field when none is, or
/// one is not a partner of the Maison.
fn chosen(form: &ShareForm, partners: &[Partner], errors: &mut FieldErrors) -> Vec<i64> {
    let mut chosen: Vec<i64> = Vec::new();
    for o in &form.organisations {
        match o
            .parse::<i64>()
            .ok()
            .filter(|i| partners.iter().any(|p| p.id == *i))
        {
            Some(i) if !chosen.contains(&i) => chosen.push(i),
            Some(_) => {}
            None => {
                errors.add(
                    "organisations",
                    "Organisation inconnue : rechargez la page et réessayez.",
                );
                break;
            }
        }
    }
    if chosen.is_empty() && !errors.has("organisations") {
        errors.add(
            "organisations",
            "Cochez au moins une organisation partenaire.",
        );
    }
    chosen
}

pub async fn share(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ShareForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_share).await?;
    let partners = partners(&mut tx, d.maison_id).await?;
    let mut errors = FieldErrors::default();
    let chosen = chosen(&form, &partners, &mut errors);
    let comment = comment_of(&form.comment, &mut errors);
    if !errors.is_empty() {
        drop(tx);
        let page = SharePage {
            ctx,
            d,
            partners,
            chosen,
            comment,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let before = current_shares(&mut tx, id).await?;
    let added: Vec<i64> = chosen
        .iter()
        .copied()
        .filter(|o| !before.contains(o))
        .collect();
    replace_shares(&mut tx, id, &chosen, &added, user.id).await?;
    let first = d.status() == Status::Brouillon;
    if first {
        set_status(
            &mut tx,
            id,
            Status::Brouillon,
            Status::Partage,
            user.id,
            &comment,
        )
        .await?;
    } else {
        touch(&mut tx, id).await?;
    }
    let names = |ids: &[i64]| -> Vec<String> {
        partners
            .iter()
            .filter(|p| ids.contains(&p.id))
            .map(|p| p.name.clone())
            .collect()
    };
    let summary = format!(
        "Diagnostic partagé avec {} organisation{}",
        chosen.len(),
        if chosen.len() > 1 { "s" } else { "" }
    );
    let shares = Change::new("shares", "Partagé avec", names(&before), names(&chosen));
    let action = if first { "partage" } else { "partage_modifie" };
    audit::record(&mut *tx, d.change(&user, action, summary, vec![shares])).await?;
    let recipients = notifications::members_of_organisations(&mut tx, &added).await?;
    notifications::notify(
        &mut tx,
        &recipients,
        crate::notifications::Kind::Partage,
        &format!(
            "{} partage avec votre organisation le diagnostic « {} » : vous pouvez le lire et le commenter.",
            d.maison_name, d.title
        ),
        &d.url(),
    )
    .await?;
    let msg = if first {
        "Diagnostic partagé : les organisations choisies peuvent le lire et le commenter."
    } else {
        "Partage mis à jour."
    };
    outcome::committed(tx, &ctx, msg, &d.url()).await
}

/// The diagnostic shared with the organisations `chosen` only, `added` being those it was not shared
/// with yet.
async fn replace_shares(
    conn: &mut PgConnection,
    id: i64,
    chosen: &[i64],
    added: &[i64],
    actor: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "delete from diagnostic_share where diagnostic_id = $1 and organisation_id <> all($2)",
    )
    .bind(id)
    .bind(chosen)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into diagnostic_share (diagnostic_id, organisation_id, shared_by)
         select $1, unnest($2::bigint[]), $3 on conflict do nothing",
    )
    .bind(id)
    .bind(added)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}
