//! `/organisations/{id}`: an organisation's page — its profile, the Maisons it partners, who manages it, its
//! people (with its référents, whom the admins designate and remove there, and a référent hands over to a
//! colleague: `referents.rs`) and its *Historique*.

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};

use super::fields::siret_label;
use crate::audit::{self, HistoryEntry};
use crate::auth::policy::organisations::{self as org_rules, Manager, OrgControl};
use crate::auth::policy::{self, network as rules};
use crate::domain::partnership::roles_label;
use crate::error::{AppError, AppResult};
use crate::web::forms::parse_id;
use crate::web::{Ctx, Signed};

#[derive(sqlx::FromRow)]
pub struct OrgRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) type_code: String,
    type_name: String,
    pub(super) siret: Option<String>,
    pub(super) region_code: Option<String>,
    region_name: Option<String>,
    pub(super) address: String,
    pub(super) website: String,
    pub(super) email: String,
    pub(super) phone: String,
    pub(super) version: i32,
    #[sqlx(flatten)]
    pub(super) control: OrgControl,
    /// The name of the Maison that created it, if known.
    created_by_name: Option<String>,
}

impl OrgRow {
    fn siret_label(&self) -> String {
        self.siret.as_deref().map(siret_label).unwrap_or_default()
    }
}

#[derive(sqlx::FromRow)]
pub struct PartneredMaison {
    id: i64,
    name: String,
    region_name: String,
    roles: Vec<String>,
}

impl PartneredMaison {
    fn roles_label(&self) -> String {
        roles_label(&self.roles)
    }
}

#[derive(sqlx::FromRow)]
pub struct Member {
    id: i64,
    name: String,
    email: String,
    referent: bool,
}

#[derive(Template)]
#[template(path = "organisations/show.html")]
struct ShowPage {
    ctx: Ctx,
    o: OrgRow,
    maisons: Vec<PartneredMaison>,
    members: Vec<Member>,
    history: Vec<HistoryEntry>,
    can_edit: bool,
    /// Those who manage its people: invitations, their accounts.
    can_invite: bool,
    /// Admins: designate and remove référents.
    can_designate: bool,
    /// A référent of it: hands the role to a colleague.
    can_hand_over: bool,
    /// The responsable of a Maison it partners that does not manage its people: proposes a person.
    can_propose: bool,
    /// Admins: merge another record of the same organisation into this one.
    can_merge: bool,
    /// Who manages the organisation, in words.
    management: String,
    /// Partnership requests waiting for this person's answer.
    pending_requests: i64,
}

impl ShowPage {
    /// The colleagues a référent may hand the role to.
    fn colleagues(&self) -> Vec<&Member> {
        self.members
            .iter()
            .filter(|m| m.id != self.ctx_user_id() && !m.referent)
            .collect()
    }

    fn ctx_user_id(&self) -> i64 {
        self.ctx.user.as_ref().map(|u| u.id).unwrap_or_default()
    }
}

/// Who manages the organisation, as its page (and the Maisons' pages) say it.
pub fn management_sentence(
    manager: Manager,
    created_by_name: Option<&str>,
    referents: &[String],
) -> String {
    let referents = if referents.is_empty() {
        "elle n'a pas encore de référent".to_owned()
    } else {
        format!("référents : {}", referents.join(", "))
    };
    match (manager, created_by_name) {
        (Manager::Maison(_), Some(m)) => format!(
            "Sa fiche et les comptes de ses personnes sont gérés par {m}, qui l'a créée et en est la seule \
             Maison partenaire, avec l'administration du réseau ({referents}). Dès qu'une autre Maison \
             deviendra partenaire, la gestion passera à ses référents et à l'administration du réseau."
        ),
        _ => format!(
            "Sa fiche et les comptes de ses personnes sont gérés par ses référents et par l'administration du \
             réseau (Alliance Villes Emploi), non par une Maison : {referents}."
        ),
    }
}

fn management_note(o: &OrgRow, referents: &[String]) -> String {
    management_sentence(
        org_rules::manager(&o.control),
        o.created_by_name.as_deref(),
        referents,
    )
}

pub(super) async fn load(db: impl sqlx::PgExecutor<'_>, id: i64) -> AppResult<OrgRow> {
    sqlx::query_as(&format!(
        "select o.id, o.name, o.type_code, t.name as type_name, o.siret, o.region_code, r.name as region_name,
                o.address, o.website, o.email, o.phone, o.version, {control},
                (select c.name from maison c where c.id = o.created_by_maison) as created_by_name
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.id = $1",
        control = OrgControl::columns("o")
    ))
    .persistent(false)
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn show(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_view_organisation(&user, id))?;
    let o = load(&state.db, id).await?;
    let maisons: Vec<PartneredMaison> = sqlx::query_as(
        "select m.id, m.name, r.name as region_name, p.roles
         from partnership p join maison m on m.id = p.maison_id join region r on r.code = m.region_code
         where p.organisation_id = $1
         order by m.sort_key limit 500",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let members: Vec<Member> = sqlx::query_as(
        "select id, name, email, referent from account
         where organisation_id = $1 and active order by name, id limit 100",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let history = {
        let mut conn = state.db.acquire().await?;
        audit::history(&mut conn, "organisation", id).await?
    };
    let referents: Vec<String> = members
        .iter()
        .filter(|m| m.referent)
        .take(20)
        .map(|m| m.name.clone())
        .collect();
    let management = management_note(&o, &referents);
    let pending_requests = super::asking::pending_for(&state.db, &user, id).await?;
    Ok(Html(
        ShowPage {
            ctx,
            can_edit: org_rules::can_edit_profile(&user, &o.control),
            can_invite: policy::accounts::can_invite_people_of(&user, &o.control),
            can_designate: org_rules::can_designate_referents(&user),
            can_hand_over: org_rules::can_hand_over_referent(&user, id),
            can_merge: org_rules::can_merge(&user),
            can_propose: policy::accounts::can_propose(
                &user,
                &o.control,
                maisons
                    .iter()
                    .any(|m| Some(m.id) == policy::accounts::managed_maison(&user)),
            ),
            o,
            maisons,
            members,
            history,
            management,
            pending_requests,
        }
        .render()?,
    )
    .into_response())
}
