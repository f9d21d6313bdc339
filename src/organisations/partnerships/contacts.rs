//! A partnership's contact people: adding and removing one.

use axum::extract::Path;
use axum::response::Response;
use sqlx::{Postgres, Transaction};

use super::manage::{ContactForm, Forms, PartnershipRow, partnership, render_manage};
use super::managed_maison;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::web::forms::{FieldErrors, parse_id};
use crate::web::{Ctx, Form, Signed, outcome};

pub async fn add_contact(
    Signed { state, user, ctx }: Signed,
    Path((id, pid)): Path<(String, String)>,
    Form(c): Form<ContactForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let mut e = FieldErrors::default();
    let contact_name = e.name("contact_name", &c.name, 200);
    let job_title = e.text("job_title", &c.job_title, 200);
    let email = e.email("contact_email", &c.email);
    let phone = e.phone("contact_phone", &c.phone);
    let mut tx = state.db.begin().await?;
    let p = partnership(&mut *tx, id, &pid, true).await?;
    if !e.is_empty() {
        drop(tx);
        let forms = Forms {
            contact: c,
            contact_errors: e,
            ..Forms::shown(&p)
        };
        return render_manage(&state, ctx, (id, name), p, forms).await;
    }
    sqlx::query(
        "insert into partnership_contact (partnership_id, name, job_title, email, phone) values ($1, $2, $3, $4, $5)",
    )
    .bind(p.id)
    .bind(&contact_name)
    .bind(&job_title)
    .bind(&email)
    .bind(&phone)
    .execute(&mut *tx)
    .await?;
    // The contact's name is personal data: the journal, append-only, never holds it.
    let summary = format!("Contact ajouté pour {}", p.organisation_name);
    let event = Event::of_maison(user.id, id, "contact_ajout", summary);
    let msg = format!("{contact_name} a été ajouté(e) aux contacts.");
    done(tx, &ctx, event, &p, &msg).await
}

pub async fn remove_contact(
    Signed { state, user, ctx }: Signed,
    Path((id, pid, cid)): Path<(String, String, String)>,
    Form(_c): Form<ContactForm>,
) -> AppResult<Response> {
    let (id, _) = managed_maison(&state, &user, &id).await?;
    let cid = parse_id(&cid)?;
    let mut tx = state.db.begin().await?;
    let p = partnership(&mut *tx, id, &pid, true).await?;
    let removed: Option<String> = sqlx::query_scalar(
        "delete from partnership_contact where id = $1 and partnership_id = $2 returning name",
    )
    .bind(cid)
    .bind(p.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(contact) = removed else {
        return Err(AppError::NotFound);
    };
    let summary = format!("Contact retiré pour {}", p.organisation_name);
    let event = Event::of_maison(user.id, id, "contact_retrait", summary);
    let msg = format!("{contact} a été retiré(e) des contacts.");
    done(tx, &ctx, event, &p, &msg).await
}

/// The end of a change to the contacts: the event, the message, back to the partnership's page.
async fn done(
    tx: Transaction<'_, Postgres>,
    ctx: &Ctx,
    event: Event<'_>,
    p: &PartnershipRow,
    msg: &str,
) -> AppResult<Response> {
    let to = format!("/maisons/{}/partenaires/{}", event.object_id, p.id);
    outcome::done(tx, ctx, event, msg, &to).await
}
