//! The copil's validation: the date and the decision, the versions of the lineage it replaces archived,
//! comments closed.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgConnection;

use super::{comment_of, current_shares};
use crate::audit::{self, Change, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics as rules;
use crate::diagnostics::{Diagnostic, Status, begin_if, load_if, set_status};
use crate::error::AppResult;
use crate::notifications;
use crate::web::confirm::{self, Warning, Warnings};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, outcome};

#[derive(Deserialize, Default)]
pub struct ValidateForm {
    #[serde(default)]
    validated_on: String,
    #[serde(default)]
    copil_decision: String,
    #[serde(default)]
    comment: String,
    /// The stamp of the warnings confirmed (`web::confirm`).
    #[serde(default)]
    confirmation: String,
}

impl ValidateForm {
    /// The typed values, carried by the confirmation page.
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("validated_on", self.validated_on.clone()),
            ("copil_decision", self.copil_decision.clone()),
            ("comment", self.comment.clone()),
        ]
    }
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

pub async fn validate_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_validate).await?;
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

/// What the copil decided (the date of its meeting, the decision) and the comment of the step, or the
/// messages beside the fields.
fn check(form: &ValidateForm) -> Result<(NaiveDate, String, String), FieldErrors> {
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
    match date {
        Some(date) if errors.is_empty() => Ok((date, decision, comment)),
        _ => Err(errors),
    }
}

pub async fn validate(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ValidateForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_validate).await?;
    let (date, decision, comment) = match check(&form) {
        Ok(checked) => checked,
        Err(errors) => {
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
        }
    };
    let warnings = unfinished(&mut tx, id).await?;
    if !warnings.confirmed(&form.confirmation) {
        drop(tx);
        return confirm::page(ctx, step(&d), &warnings, form.fields(), &form.confirmation);
    }
    set_status(
        &mut tx,
        id,
        Status::Partage,
        Status::Valide,
        user.id,
        &comment,
    )
    .await?;
    // The validation refers to the copil's meeting of that day (recorded now if it was not).
    let meeting = crate::copil::meeting_of_day(&mut tx, d.maison_id, date, user.id, "", "").await?;
    sqlx::query(
        "update diagnostic set validated_on = $2, copil_decision = $3, copil_meeting_id = $4 where id = $1",
    )
    .bind(id)
    .bind(date)
    .bind(&decision)
    .bind(meeting)
    .execute(&mut *tx)
    .await?;
    let summary = format!(
        "Diagnostic validé par le comité de pilotage du {}",
        format::date(date)
    );
    let changes = vec![Change::new(
        "copil_decision",
        "Décision du copil",
        "",
        decision,
    )];
    audit::record(&mut *tx, d.change(&user, "validation", summary, changes)).await?;
    archive_replaced(&mut tx, &user, &d, date).await?;
    tell_partners(&mut tx, &d, date).await?;
    outcome::committed(
        tx,
        &ctx,
        "Diagnostic validé : il est désormais en lecture seule et les commentaires sont clos.",
        &d.url(),
    )
    .await
}

/// The validation as the confirmation page names it.
fn step(d: &Diagnostic) -> confirm::Step {
    confirm::Step {
        title: "Valider le diagnostic malgré ce qui reste à faire ?".into(),
        lead: format!(
            "Une fois validé, le diagnostic « {} » est en lecture seule et publié au réseau, et les \
             commentaires sont clos : ce qui suit restera en l'état.",
            d.title
        ),
        action: format!("/diagnostics/{}/validation", d.id),
        button: "Confirmer la validation",
        back: d.url(),
    }
}

/// The members of the organisations the diagnostic is shared with are told of its validation.
async fn tell_partners(conn: &mut PgConnection, d: &Diagnostic, date: NaiveDate) -> AppResult<()> {
    let orgs = current_shares(&mut *conn, d.id).await?;
    let recipients = notifications::members_of_organisations(&mut *conn, &orgs).await?;
    notifications::notify(
        &mut *conn,
        &recipients,
        crate::notifications::Kind::Validation,
        &format!(
            "Le diagnostic « {} » de {} a été validé par le comité de pilotage du {}.",
            d.title,
            d.maison_name,
            format::date(date)
        ),
        &d.url(),
    )
    .await?;
    Ok(())
}

/// What the validation of diagnostic `id` leaves as it is: its empty sections, its open comment threads,
/// its indicators without a source (read in the write's transaction: the list confirmed is the one at
/// commit).
async fn unfinished(conn: &mut PgConnection, id: i64) -> sqlx::Result<Warnings> {
    let url = format!("/diagnostics/{id}");
    let empty: Vec<(i64, String)> = sqlx::query_as(
        "select id, title from diagnostic_section where diagnostic_id = $1 and btrim(body) = ''
         order by position, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let open: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
        "select c.id, s.title, a.name, c.body from open_comment_thread t
         join comment c on c.id = t.id join account a on a.id = c.author_id
         left join diagnostic_section s on s.id = c.section_id
         where t.diagnostic_id = $1 order by c.created_at, c.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let unsourced: Vec<(String, i32)> = sqlx::query_as(
        "select i.label, v.year from indicator_value v join indicator i on i.id = v.indicator_id
         where v.diagnostic_id = $1 and btrim(v.source) = '' order by i.label, v.year, v.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut w = Warnings::default();
    w.add(
        "Sections à rédiger",
        empty
            .into_iter()
            .map(|(sid, title)| Warning::at(title, format!("{url}#section-{sid}")))
            .collect(),
    );
    w.add(
        "Commentaires ouverts, sans suite donnée",
        open.into_iter()
            .map(|(cid, section, author, body)| {
                let place = section.map_or("l'ensemble du diagnostic".to_owned(), |s| {
                    format!("la section « {s} »")
                });
                Warning::at(
                    format!("{author} sur {place} : « {} »", excerpt(&body)),
                    format!("{url}/commentaires/{cid}/traiter"),
                )
            })
            .collect(),
    );
    w.add(
        "Indicateurs sans source",
        unsourced
            .into_iter()
            .map(|(label, year)| {
                Warning::at(format!("{label} ({year})"), format!("{url}#indicateurs"))
            })
            .collect(),
    );
    Ok(w)
}

/// The first words of a comment, for a list.
fn excerpt(body: &str) -> String {
    let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.chars().count() <= 80 {
        body
    } else {
        format!("{}…", body.chars().take(80).collect::<String>().trim_end())
    }
}

/// The versions the validation of `d` on `date` replaces are archived: one validated diagnostic per
/// lineage.
async fn archive_replaced(
    conn: &mut PgConnection,
    user: &CurrentUser,
    d: &Diagnostic,
    date: NaiveDate,
) -> sqlx::Result<()> {
    let replaced = validated_in_lineage(&mut *conn, d.id, true).await?;
    let note = format!(
        "Remplacé par la version n° {} « {} », validée par le comité de pilotage du {}",
        d.id,
        d.title,
        format::date(date)
    );
    for (old_id, old_title) in &replaced {
        set_status(
            &mut *conn,
            *old_id,
            Status::Valide,
            Status::Archive,
            user.id,
            &note,
        )
        .await?;
        let event = Event {
            object_id: *old_id,
            ..d.change(
                user,
                "archivage",
                format!("Diagnostic « {old_title} » archivé : {note}"),
                vec![],
            )
        };
        audit::record(&mut *conn, event).await?;
    }
    Ok(())
}
