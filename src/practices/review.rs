//! AVE's curation of a proposal (`POST /pratiques/{id}/examen`): accept it as *pratique repérée*, ask for
//! changes with a comment, or decline it with a comment (the Maison's text is kept); and *remarquable*
//! (`POST /pratiques/{id}/remarquable`) on an accepted one. Both carry the practice's version: when two
//! admins examine it at once, the first decision wins and the second sees the conflict (409), nothing
//! overwritten.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{self, Practice};
use super::show;
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, practices as rules};
use crate::domain::practice::PracticeStatus;
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Form, Signed, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub version: String,
}

impl ReviewForm {
    pub fn of(p: &Practice) -> Self {
        ReviewForm {
            version: p.version.to_string(),
            ..ReviewForm::default()
        }
    }
}

/// The practice `id` an admin curates, locked for the write.
async fn curated(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Practice> {
    policy::ensure(rules::can_curate_practices(user))?;
    model::by_id(conn, id, true)
        .await?
        .ok_or(AppError::NotFound)
}

fn conflict_message(p: &Practice) -> String {
    format!(
        "Un autre administrateur a examiné cette pratique pendant que vous la lisiez : elle est maintenant \
         « {} ». Votre décision n'a pas été enregistrée ; votre commentaire est conservé ci-dessous.",
        p.status_label()
    )
}

/// The decision read from the form, the comment, and the errors beside the fields (the conflict's when the
/// form was answering an older version of the proposal).
fn checked(p: &Practice, f: &ReviewForm) -> (Option<PracticeStatus>, String, FieldErrors) {
    let mut errors = FieldErrors::default();
    let stale = f.version.trim() != p.version.to_string();
    if stale {
        errors.add(FieldErrors::CONFLICT, conflict_message(p));
    }
    let to =
        PracticeStatus::decision(&f.decision).filter(|to| rules::curation_exists(p.status, *to));
    let comment = errors.text("comment", &f.comment, 3000);
    match to {
        None if !stale => errors.add(
            "decision",
            "Choisissez une décision : accepter, demander des modifications ou décliner.",
        ),
        Some(PracticeStatus::AModifier | PracticeStatus::Declinee) if comment.is_empty() => errors
            .add(
                "comment",
                "Expliquez à la Maison ce qui manque ou pourquoi la pratique est déclinée.",
            ),
        _ => {}
    }
    (to, comment, errors)
}

/// What the Maison is told of the decision `to` on its practice `title`.
fn told(to: PracticeStatus, title: &str) -> String {
    match to {
        PracticeStatus::Acceptee => format!(
            "Votre pratique « {} » est acceptée : elle est dans la bibliothèque du réseau.",
            title
        ),
        PracticeStatus::AModifier => format!(
            "L'Alliance Villes Emploi demande des modifications à votre pratique « {} ».",
            title
        ),
        PracticeStatus::Declinee | PracticeStatus::Proposee | PracticeStatus::Retiree => {
            format!(
                "L'Alliance Villes Emploi a décliné votre pratique « {} ».",
                title
            )
        }
    }
}

pub async fn decide(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = curated(&mut tx, &user, id).await?;
    let (to, comment, errors) = checked(&p, &f);
    let Some(to) = to.filter(|_| errors.is_empty()) else {
        drop(tx);
        let mut conn = state.db.acquire().await?;
        let status = errors.status();
        return show::render(&mut conn, &user, ctx, id, Some((f, errors)), status).await;
    };
    sqlx::query(
        "update practice set status = $2, review_comment = $3, reviewed_by = $4, reviewed_at = now(),
                version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(&comment)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    audit::record_transition(
        &mut *tx,
        "practice",
        id,
        Some(p.status),
        to,
        user.id,
        &comment,
    )
    .await?;
    let askers = notifications::askers_of_maison(&mut tx, p.maison_id, p.proposed_by).await?;
    let told = told(to, &p.title);
    notifications::notify(
        &mut tx,
        &askers,
        crate::notifications::Kind::Pratique,
        &told,
        &format!("/pratiques/{id}"),
    )
    .await?;
    let mut diff = Diff::default();
    diff.field("status", "Statut", p.status_label(), to.label())
        .field_ref(
            "review_comment",
            "Commentaire de l'examen",
            &p.review_comment,
            &comment,
        );
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(p.maison_id),
        object_type: "practice",
        object_id: id,
        action: "review",
        summary: format!("Pratique examinée : {}", to.label().to_lowercase()),
        changes: diff.0,
    };
    let message = format!("Décision enregistrée : {}.", to.label().to_lowercase());
    outcome::done(tx, &ctx, event, &message, &format!("/pratiques/{id}")).await
}

#[derive(Deserialize, Default)]
pub struct RemarkForm {
    #[serde(default)]
    remarkable: String,
    #[serde(default)]
    version: String,
}

pub async fn remarkable(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<RemarkForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = curated(&mut tx, &user, id).await?;
    if !p.accepted() {
        return Err(AppError::Conflict(
            "Seule une pratique acceptée peut être marquée remarquable.".into(),
        ));
    }
    if f.version.trim() != p.version.to_string() {
        drop(tx);
        let errors = FieldErrors::one(FieldErrors::CONFLICT, conflict_message(&p));
        let mut conn = state.db.acquire().await?;
        return show::render(
            &mut conn,
            &user,
            ctx,
            id,
            Some((ReviewForm::of(&p), errors)),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let on = forms::checked(&f.remarkable);
    sqlx::query("update practice set remarkable = $2, version = version + 1 where id = $1")
        .bind(id)
        .bind(on)
        .execute(&mut *tx)
        .await?;
    let mut diff = Diff::default();
    diff.field("remarkable", "Pratique remarquable", p.remarkable, on);
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(p.maison_id),
        object_type: "practice",
        object_id: id,
        action: "remarkable",
        summary: if on {
            "Pratique marquée remarquable".to_owned()
        } else {
            "Marque « remarquable » retirée".to_owned()
        },
        changes: diff.0,
    };
    let message = if on {
        "La pratique est marquée remarquable."
    } else {
        "La pratique n'est plus marquée remarquable."
    };
    outcome::done(tx, &ctx, event, message, &format!("/pratiques/{id}")).await
}
