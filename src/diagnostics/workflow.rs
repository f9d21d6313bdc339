//! The workflow (DESIGN.md section 4): brouillon → partagé (with chosen partner organisations) → validé
//! (copil date and decision; read-only, comments closed) → archivé; "nouvelle version" copies a validated
//! diagnostic into a new draft. Each transition is recorded with who, when and a comment.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Diagnostic, Status, load};
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::error::AppResult;
use crate::notifications;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, format, outcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/diagnostics/{id}/partage", get(share_form).post(share))
        .route(
            "/diagnostics/{id}/validation",
            get(validate_form).post(validate),
        )
        .route(
            "/diagnostics/{id}/archivage",
            get(archive_form).post(archive),
        )
        .route("/diagnostics/{id}/nouvelle-version", post(new_version))
}

const MAX_COMMENT: usize = 2000;

#[derive(sqlx::FromRow)]
struct Partner {
    id: i64,
    name: String,
    type_name: String,
}

#[derive(Deserialize, Default)]
struct ShareForm {
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

async fn current_shares(conn: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select organisation_id from diagnostic_share where diagnostic_id = $1")
        .bind(id)
        .fetch_all(conn)
        .await
}

async fn share_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    policy::ensure(rules::can_share(&user, &d.access()))?;
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

fn comment_of(raw: &str, errors: &mut FieldErrors) -> String {
    let c = raw.trim().to_owned();
    if c.chars().count() > MAX_COMMENT {
        errors.add(
            "comment",
            "Le commentaire ne doit pas dépasser 2 000 caractères.",
        );
    }
    c
}

async fn share(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ShareForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, true).await?;
    policy::ensure(rules::can_share(&user, &d.access()))?;
    let partners = partners(&mut tx, d.maison_id).await?;
    let mut errors = FieldErrors::default();
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
    sqlx::query(
        "delete from diagnostic_share where diagnostic_id = $1 and organisation_id <> all($2)",
    )
    .bind(id)
    .bind(&chosen)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into diagnostic_share (diagnostic_id, organisation_id, shared_by)
         select $1, unnest($2::bigint[]), $3 on conflict do nothing",
    )
    .bind(id)
    .bind(&added)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let names = |ids: &[i64]| -> Vec<String> {
        partners
            .iter()
            .filter(|p| ids.contains(&p.id))
            .map(|p| p.name.clone())
            .collect()
    };
    let first = d.status() == Status::Brouillon;
    if first {
        sqlx::query(
            "update diagnostic set status = 'partage', version = version + 1 where id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record_transition(
            &mut *tx,
            "diagnostic",
            id,
            Some(Status::Brouillon),
            Status::Partage,
            user.id,
            &comment,
        )
        .await?;
    } else {
        super::touch(&mut tx, id).await?;
    }
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "diagnostic",
            object_id: id,
            action: if first { "partage" } else { "partage_modifie" },
            summary: format!(
                "Diagnostic partagé avec {} organisation{}",
                chosen.len(),
                if chosen.len() > 1 { "s" } else { "" }
            ),
            changes: vec![audit::Change::new(
                "shares",
                "Partagé avec",
                names(&before),
                names(&chosen),
            )],
        },
    )
    .await?;
    let recipients = notifications::members_of_organisations(&mut tx, &added).await?;
    notifications::notify(
        &mut tx,
        &recipients,
        "partage",
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

#[derive(Deserialize, Default)]
struct ValidateForm {
    #[serde(default)]
    validated_on: String,
    #[serde(default)]
    copil_decision: String,
    #[serde(default)]
    comment: String,
}

#[derive(Template)]
#[template(path = "diagnostics/validate.html")]
struct ValidatePage {
    ctx: Ctx,
    d: Diagnostic,
    form: ValidateForm,
    errors: FieldErrors,
    open_comments: i64,
    /// The validated versions this one will replace (archived at validation).
    replaces: Vec<(i64, String)>,
}

async fn open_comments(conn: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from open_comment_thread where diagnostic_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The validated versions of the diagnostic's lineage (every diagnostic linked to it by "nouvelle
/// version", up and down), other than itself: validating a version replaces them. `lock`: for the write.
async fn validated_in_lineage(
    conn: &mut sqlx::PgConnection,
    id: i64,
    lock: bool,
) -> sqlx::Result<Vec<(i64, String)>> {
    let sql = format!(
        "with recursive up(id, previous_id) as (
             select id, previous_id from diagnostic where id = $1
             union select d.id, d.previous_id from diagnostic d join up on d.id = up.previous_id),
         down(id) as (
             select id from up where previous_id is null
             union select d.id from diagnostic d join down on d.previous_id = down.id)
         select d.id, d.title from diagnostic d
         where d.id in (select id from down) and d.id <> $1 and d.status = 'valide'
         order by d.id{}",
        if lock { " for update" } else { "" }
    );
    sqlx::query_as(&sql).bind(id).fetch_all(conn).await
}

async fn validate_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    policy::ensure(rules::can_validate(&user, &d.access()))?;
    let open_comments = open_comments(&mut conn, id).await?;
    let replaces = validated_in_lineage(&mut conn, id, false).await?;
    Ok(Html(
        ValidatePage {
            ctx,
            d,
            form: ValidateForm {
                validated_on: format::today().format("%Y-%m-%d").to_string(),
                ..ValidateForm::default()
            },
            errors: FieldErrors::default(),
            open_comments,
            replaces,
        }
        .render()?,
    )
    .into_response())
}

async fn validate(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ValidateForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, true).await?;
    policy::ensure(rules::can_validate(&user, &d.access()))?;
    let mut errors = FieldErrors::default();
    let date: Option<NaiveDate> = format::parse_date(&form.validated_on);
    match date {
        None if form.validated_on.trim().is_empty() => {
            errors.add("validated_on", "Indiquez la date du comité de pilotage.")
        }
        None => errors.add(
            "validated_on",
            "Date invalide : saisissez-la au format JJ/MM/AAAA, par exemple 27/11/2026.",
        ),
        Some(d) if d > format::today() => errors.add(
            "validated_on",
            "La date du comité de pilotage ne peut pas être dans le futur.",
        ),
        Some(_) => {}
    }
    let decision = form.copil_decision.trim().to_owned();
    if decision.is_empty() {
        errors.add(
            "copil_decision",
            "Indiquez la décision du comité de pilotage.",
        );
    } else if decision.chars().count() > 5000 {
        errors.add("copil_decision", "5 000 caractères au plus.");
    }
    let comment = comment_of(&form.comment, &mut errors);
    let (Some(date), true) = (date, errors.is_empty()) else {
        let open_comments = open_comments(&mut tx, id).await?;
        let replaces = validated_in_lineage(&mut tx, id, false).await?;
        drop(tx);
        let page = ValidatePage {
            ctx,
            d,
            form,
            errors,
            open_comments,
            replaces,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    sqlx::query(
        "update diagnostic set status = 'valide', validated_on = $2, copil_decision = $3, version = version + 1
         where id = $1",
    )
    .bind(id)
    .bind(date)
    .bind(&decision)
    .execute(&mut *tx)
    .await?;
    audit::record_transition(
        &mut *tx,
        "diagnostic",
        id,
        Some(Status::Partage),
        Status::Valide,
        user.id,
        &comment,
    )
    .await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "diagnostic",
            object_id: id,
            action: "validation",
            summary: format!(
                "Diagnostic validé par le comité de pilotage du {}",
                format::date(date)
            ),
            changes: vec![audit::Change::new(
                "copil_decision",
                "Décision du copil",
                "",
                decision,
            )],
        },
    )
    .await?;
    // The version this one replaces is archived: one validated diagnostic per lineage.
    let replaced = validated_in_lineage(&mut tx, id, true).await?;
    let note = format!(
        "Remplacé par la version n° {id} « {} », validée par le comité de pilotage du {}",
        d.title,
        format::date(date)
    );
    for (old_id, old_title) in &replaced {
        sqlx::query(
            "update diagnostic set status = 'archive', version = version + 1 where id = $1",
        )
        .bind(old_id)
        .execute(&mut *tx)
        .await?;
        audit::record_transition(
            &mut *tx,
            "diagnostic",
            *old_id,
            Some(Status::Valide),
            Status::Archive,
            user.id,
            &note,
        )
        .await?;
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(d.maison_id),
                object_type: "diagnostic",
                object_id: *old_id,
                action: "archivage",
                summary: format!("Diagnostic « {old_title} » archivé : {note}"),
                changes: vec![],
            },
        )
        .await?;
    }
    let orgs = current_shares(&mut tx, id).await?;
    let recipients = notifications::members_of_organisations(&mut tx, &orgs).await?;
    notifications::notify(
        &mut tx,
        &recipients,
        "validation",
        &format!(
            "Le diagnostic « {} » de {} a été validé par le comité de pilotage du {}.",
            d.title,
            d.maison_name,
            format::date(date)
        ),
        &d.url(),
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        "Diagnostic validé : il est désormais en lecture seule et les commentaires sont clos.",
        &d.url(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct CommentOnly {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "diagnostics/archive.html")]
struct ArchivePage {
    ctx: Ctx,
    d: Diagnostic,
    comment: String,
    errors: FieldErrors,
}

async fn archive_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    policy::ensure(rules::can_archive(&user, &d.access()))?;
    Ok(Html(
        ArchivePage {
            ctx,
            d,
            comment: String::new(),
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

async fn archive(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentOnly>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, true).await?;
    policy::ensure(rules::can_archive(&user, &d.access()))?;
    let mut errors = FieldErrors::default();
    let comment = comment_of(&form.comment, &mut errors);
    if !errors.is_empty() {
        drop(tx);
        let page = ArchivePage {
            ctx,
            d,
            comment,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    sqlx::query("update diagnostic set status = 'archive', version = version + 1 where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record_transition(
        &mut *tx,
        "diagnostic",
        id,
        Some(Status::Valide),
        Status::Archive,
        user.id,
        &comment,
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "diagnostic",
            object_id: id,
            action: "archivage",
            summary: "Diagnostic archivé".into(),
            changes: vec![],
        },
        "Diagnostic archivé.",
        &d.url(),
    )
    .await
}

async fn new_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CommentOnly>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, true).await?;
    policy::ensure(rules::can_start_new_version(&user, &d.access()))?;
    if !crate::web::idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&d.url()).into_response());
    }
    let new_id: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, previous_id, created_by)
         select maison_id, title, reference_year, id, $2 from diagnostic where id = $1 returning id",
    )
    .bind(id)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "insert into diagnostic_sector (diagnostic_id, sector_code)
         select $2, sector_code from diagnostic_sector where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, body, updated_by)
         select $2, position, kind, title, body, $3 from diagnostic_section where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source,
                                      comparison_level, comparison_value)
         select $2, indicator_id, value, year, territory, source, comparison_level, comparison_value
         from indicator_value where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *tx)
    .await?;
    let note = format!(
        "Nouvelle version du diagnostic validé « {} » (n° {id})",
        d.title
    );
    audit::record_transition(
        &mut *tx,
        "diagnostic",
        new_id,
        None,
        Status::Brouillon,
        user.id,
        &note,
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "diagnostic",
            object_id: new_id,
            action: "creation",
            summary: note,
            changes: vec![],
        },
        "Nouvelle version créée en brouillon, à partir du diagnostic validé.",
        &format!("/diagnostics/{new_id}"),
    )
    .await
}
