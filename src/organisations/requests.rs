//! Partnership requests (issue 14, DESIGN.md section 2): a Maison that attaches an existing organisation it
//! did not create asks for it (`partnerships::add::add` calls `asking::ask`); the request grants nothing until the
//! organisation's référents — or the network's admins, who are told of it where it has no référent —
//! accept it on `/organisations/demandes`. Both sides are notified; every step is in the journal of the
//! Maison and of the organisation. The Maison may withdraw a request while it waits. Making a request and
//! who answers it: `asking.rs`.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::partnerships::insert_partnership;
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::organisations as org_rules;
use crate::auth::policy::{self, network as rules};
use crate::auth::session::FlashKind;
use crate::domain::partnership::{RequestStatus, roles_label};
use crate::error::{AppError, AppResult};
use crate::notifications::{askers_of_maison, notify};
use crate::state::AppState;
use crate::web::answers::{AnswerForm, Refusal, Table, reason_sentence};
use crate::web::forms::{self, parse_id};
use crate::web::{Ctx, Form, Signed, format, outcome};

/// Where the answers are given.
const LIST: &str = "/organisations/demandes";

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    id: i64,
    maison_id: i64,
    maison_name: String,
    organisation_id: i64,
    organisation_name: String,
    roles: Vec<String>,
    since: Option<NaiveDate>,
    note: String,
    status: RequestStatus,
    requested_by: Option<i64>,
    requested_by_name: Option<String>,
    requested_at: DateTime<Utc>,
    answered_by_name: Option<String>,
    answered_at: Option<DateTime<Utc>>,
    answer: String,
    /// Whether the organisation has an active référent (admins answer those that have none).
    has_referent: bool,
    /// How many Maisons partner it now (accepting makes it shared: its management passes to its référents).
    partners: i64,
}

impl RequestRow {
    fn roles_label(&self) -> String {
        roles_label(&self.roles)
    }
    fn since_label(&self) -> String {
        self.since.map(format::date).unwrap_or_default()
    }
    fn requested(&self) -> String {
        format::datetime(self.requested_at)
    }
    fn answered(&self) -> String {
        self.answered_at.map(format::datetime).unwrap_or_default()
    }
    fn pending(&self) -> bool {
        self.status == RequestStatus::EnAttente
    }
}

const REQUESTS: Table = Table {
    columns: "r.id, r.maison_id, m.name as maison_name, r.organisation_id,
        o.name as organisation_name, r.roles, r.since, r.note, r.status,
        r.requested_by, ra.name as requested_by_name, r.requested_at, aa.name as answered_by_name, r.answered_at, r.answer,
        exists (select 1 from account x where x.organisation_id = o.id and x.role = 'partner'
                and x.referent and x.active) as has_referent,
        (select count(*) from partnership p where p.organisation_id = o.id) as partners
     from partnership_request r
     join maison m on m.id = r.maison_id
     join organisation o on o.id = r.organisation_id
     left join account ra on ra.id = r.requested_by
     left join account aa on aa.id = r.answered_by",
    alias: "r",
    asked_at: "requested_at",
};

#[derive(Template)]
#[template(path = "organisations/requests.html")]
struct RequestsPage {
    ctx: Ctx,
    admin: bool,
    pending: Vec<RequestRow>,
    answered: Vec<RequestRow>,
    /// The refusal that comes back (a reason too long), if any.
    refusal: Refusal,
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    refusal: Refusal,
) -> AppResult<Response> {
    let scope = org_rules::requests_scope(user).ok_or(AppError::NotFound)?;
    // Admins see first the requests of organisations without a référent: theirs to answer.
    let (pending, answered) = REQUESTS.lists(&state.db, scope).await?;
    let status = refusal.status();
    let page = RequestsPage {
        ctx,
        admin: user.is_admin(),
        pending,
        answered,
        refusal,
    };
    forms::render(&page, status)
}

pub async fn list(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    policy::ensure(org_rules::can_list_requests(&user))?;
    render_list(&state, &user, ctx, Refusal::default()).await
}

/// The request, locked for the answer, once `user` may answer it (404 otherwise).
async fn locked(tx: &mut PgConnection, user: &CurrentUser, id: &str) -> AppResult<RequestRow> {
    let id = parse_id(id)?;
    let r: RequestRow = REQUESTS.locked(tx, id).await?.ok_or(AppError::NotFound)?;
    policy::ensure(org_rules::can_answer_requests(user, r.organisation_id))?;
    Ok(r)
}

/// A request answered meanwhile: said, back to the list.
async fn already_answered(state: &AppState, ctx: &Ctx, r: &RequestRow) -> AppResult<Response> {
    let message = format!(
        "La demande de {} a déjà reçu une réponse ({}).",
        r.maison_name,
        r.status.label().to_lowercase()
    );
    outcome::nothing_done(&state.db, ctx, FlashKind::Error, &message, LIST).await
}

async fn set_status(
    tx: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    to: RequestStatus,
    answer: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update partnership_request set status = $2, answered_by = $3, answered_at = now(), answer = $4
         where id = $1 and status = 'en_attente'",
    )
    .bind(id)
    .bind(to)
    .bind(user.id)
    .bind(answer)
    .execute(tx)
    .await?;
    Ok(())
}

/// Records `action` in the journals of both the request's Maison and its organisation.
async fn record_both(
    tx: &mut PgConnection,
    user: &CurrentUser,
    r: &RequestRow,
    action: &str,
    summary: &str,
) -> sqlx::Result<()> {
    for (object_type, object_id) in [("maison", r.maison_id), ("organisation", r.organisation_id)] {
        let event = Event {
            actor: Some(user.id),
            maison_id: Some(r.maison_id),
            object_type,
            object_id,
            action,
            summary: summary.to_owned(),
            changes: vec![],
        };
        audit::record(&mut *tx, event).await?;
    }
    Ok(())
}

pub async fn accept(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(_f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let r = locked(&mut tx, &user, &id).await?;
    if !r.pending() {
        drop(tx);
        return already_answered(&state, &ctx, &r).await;
    }
    set_status(&mut tx, &user, r.id, RequestStatus::Acceptee, "").await?;
    // The partnership starts now (it may exist already if an admin added it meanwhile).
    insert_partnership(
        &mut tx,
        &user,
        r.maison_id,
        r.organisation_id,
        &r.organisation_name,
        &r.roles,
        r.since,
        &r.note,
    )
    .await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(r.maison_id),
            object_type: "organisation",
            object_id: r.organisation_id,
            action: "partenariat_demande_acceptee",
            summary: format!(
                "Demande de partenariat acceptée : {} est partenaire de {}",
                r.maison_name, r.organisation_name
            ),
            changes: vec![],
        },
    )
    .await?;
    let to = askers_of_maison(&mut tx, r.maison_id, r.requested_by).await?;
    notify(
        &mut tx,
        &to,
        crate::notifications::Kind::PartenariatAcceptee,
        &format!(
            "{} a accepté la demande de partenariat de {} : le partenariat commence.",
            r.organisation_name, r.maison_name
        ),
        &format!("/maisons/{}#partenaires", r.maison_id),
    )
    .await?;
    let msg = format!(
        "La demande de {} est acceptée : {} est désormais partenaire de cette Maison.",
        r.maison_name, r.organisation_name
    );
    outcome::committed(tx, &ctx, &msg, LIST).await
}

pub async fn refuse(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let r = locked(&mut tx, &user, &id).await?;
    if !r.pending() {
        drop(tx);
        return already_answered(&state, &ctx, &r).await;
    }
    let answer = match f.reason(r.id) {
        Ok(answer) => answer,
        Err(refusal) => {
            drop(tx);
            return render_list(&state, &user, ctx, refusal).await;
        }
    };
    set_status(&mut tx, &user, r.id, RequestStatus::Refusee, &answer).await?;
    let reason = reason_sentence(&answer);
    let summary = format!(
        "Demande de partenariat refusée : {} ne devient pas partenaire de {}.{reason}",
        r.maison_name, r.organisation_name
    );
    record_both(&mut tx, &user, &r, "partenariat_demande_refusee", &summary).await?;
    let to = askers_of_maison(&mut tx, r.maison_id, r.requested_by).await?;
    notify(
        &mut tx,
        &to,
        crate::notifications::Kind::PartenariatRefusee,
        &format!(
            "{} a refusé la demande de partenariat de {}.{reason}",
            r.organisation_name, r.maison_name
        ),
        &format!("/maisons/{}#demandes", r.maison_id),
    )
    .await?;
    let msg = format!("La demande de {} est refusée.", r.maison_name);
    outcome::committed(tx, &ctx, &msg, LIST).await
}

/// `POST /maisons/{id}/partenaires/demandes/{rid}/retirer`: the Maison withdraws a request still waiting.
pub async fn withdraw(
    Signed { state, user, ctx }: Signed,
    Path((id, rid)): Path<(String, String)>,
    Form(_f): Form<AnswerForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_manage_partners(&user, id))?;
    let rid = parse_id(&rid)?;
    let mut tx = state.db.begin().await?;
    let r: RequestRow = sqlx::query_as(&format!(
        "select {} where r.id = $1 and r.maison_id = $2 for update of r",
        REQUESTS.columns
    ))
    .persistent(false)
    .bind(rid)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let to = format!("/maisons/{id}#demandes");
    if !r.pending() {
        drop(tx);
        let message = format!(
            "La demande a déjà reçu une réponse ({}).",
            r.status.label().to_lowercase()
        );
        return outcome::nothing_done(&state.db, &ctx, FlashKind::Error, &message, &to).await;
    }
    set_status(&mut tx, &user, r.id, RequestStatus::Retiree, "").await?;
    let summary = format!(
        "Demande de partenariat retirée : {} ne demande plus à devenir partenaire de {}",
        r.maison_name, r.organisation_name
    );
    record_both(&mut tx, &user, &r, "partenariat_demande_retiree", &summary).await?;
    let msg = format!(
        "La demande de partenariat avec {} est retirée.",
        r.organisation_name
    );
    outcome::committed(tx, &ctx, &msg, &to).await
}
