//! The Maison withdraws its practice (`POST /pratiques/{id}/retrait`): out of the library and the
//! pipeline; its versions stay, and the fiches other Maisons already made from it are theirs and stay too.

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::model;
use crate::audit::{self, Diff, Event};
use crate::auth::policy::{self, practices as rules};
use crate::auth::session::FlashKind;
use crate::domain::practice::PracticeStatus;
use crate::error::{AppError, AppResult};
use crate::web::{Form, Signed, outcome};

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    version: String,
}

pub async fn withdraw(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<WithdrawForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = model::by_id(&mut tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_propose_practice(&user, p.maison_id))?;
    let back = format!("/pratiques/{id}");
    if !rules::practice_withdrawable(p.status) {
        return Err(AppError::Conflict(format!(
            "Cette pratique est « {} » : elle n'est déjà plus proposée au réseau.",
            p.status_label()
        )));
    }
    if f.version.trim() != p.version.to_string() {
        drop(tx);
        let message = "La pratique a changé pendant que vous la lisiez (un examen de l'Alliance Villes Emploi, \
                       peut-être) : elle n'a pas été retirée. Relisez-la, puis retirez-la si vous le souhaitez.";
        return outcome::nothing_done(&state.db, &ctx, FlashKind::Error, message, &back).await;
    }
    let to = PracticeStatus::Retiree;
    sqlx::query(
        "update practice set status = $2, remarkable = false, version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(to)
    .execute(&mut *tx)
    .await?;
    audit::record_transition(&mut *tx, "practice", id, Some(p.status), to, user.id, "").await?;
    let mut diff = Diff::default();
    diff.field("status", "Statut", p.status_label(), to.label());
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(p.maison_id),
        object_type: "practice",
        object_id: id,
        action: "withdraw",
        summary: "Pratique retirée par la Maison".to_owned(),
        changes: diff.0,
    };
    let message = "Pratique retirée : elle n'est plus dans la bibliothèque. Les fiches déjà reprises par \
                   d'autres Maisons restent les leurs.";
    outcome::done(tx, &ctx, event, message, &back).await
}
