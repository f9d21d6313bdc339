//! `/maisons/{id}`: a Maison's page. Nine bounded queries whatever the size of the network: the Maison with
//! its phase, its diagnostics and plans (those the reader may read), its copil's meetings, its territory with the population of
//! its communes, its partnerships, their contacts, its staff, its history.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use super::Phase;
use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::network as rules;
use crate::auth::policy::organisations::{self as org_rules, Manager, OrgControl};
use crate::copil::Meeting;
use crate::domain::diagnostic::Status as DiagnosticStatus;
use crate::domain::partnership::{RequestStatus, roles_label};
use crate::domain::plan::PlanStatus;
use crate::error::{AppError, AppResult};
use crate::web::forms::parse_id;
use crate::web::{Ctx, Signed, format};

#[derive(sqlx::FromRow)]
pub struct MaisonRow {
    pub id: i64,
    pub name: String,
    pub legal_form: String,
    pub region_name: String,
    pub departement_code: String,
    pub departement_name: String,
    pub address: String,
    pub postal_code: String,
    pub city: String,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub president: String,
    pub director: String,
    pub convention_date: Option<NaiveDate>,
    pub conventionnee: bool,
    pub grenelle_year: Option<i32>,
    pub grenelle_pilot: bool,
    pub phase: Option<String>,
}

impl MaisonRow {
    pub fn legal_form_label(&self) -> &'static str {
        legal_form_label(&self.legal_form)
    }
    pub fn convention_date_label(&self) -> String {
        self.convention_date
            .map(format::date)
            .unwrap_or_else(|| "non renseignée".into())
    }
    pub fn phase(&self) -> Phase {
        Phase::parse(self.phase.as_deref().unwrap_or(""))
    }
}

pub fn legal_form_label(code: &str) -> &'static str {
    match code {
        "gip" => "Groupement d'intérêt public (GIP)",
        _ => "Association",
    }
}

#[derive(sqlx::FromRow)]
pub struct TerritoryRow {
    pub siren: String,
    pub name: String,
    pub communes: i64,
    pub population: i64,
}

impl TerritoryRow {
    pub fn population_label(&self) -> String {
        format::int(self.population)
    }
}

#[derive(sqlx::FromRow)]
pub struct PartnerRow {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub type_name: String,
    pub founding_role: Option<String>,
    pub roles: Vec<String>,
    pub since: Option<NaiveDate>,
    /// Who controls the organisation (`OrgControl::columns`).
    pub created_by_maison: Option<i64>,
    pub creator_partners: bool,
    pub other_partners: i64,
}

pub struct Partner {
    pub row: PartnerRow,
    pub contacts: Vec<ContactRow>,
}

impl Partner {
    pub fn control(&self) -> OrgControl {
        OrgControl {
            id: self.row.organisation_id,
            created_by_maison: self.row.created_by_maison,
            creator_partners: self.row.creator_partners,
            other_partners: self.row.other_partners,
        }
    }
    pub fn roles_label(&self) -> String {
        roles_label(&self.row.roles)
    }
    pub fn since_label(&self) -> String {
        format::opt_date(self.row.since)
    }
    pub fn has_role(&self, role: &str) -> bool {
        self.row.roles.iter().any(|r| r == role)
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct ContactRow {
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub phone: String,
}

#[derive(sqlx::FromRow)]
pub struct StaffRow {
    pub name: String,
    pub email: String,
    pub responsable: bool,
}

/// The founding members the 2009 cahier des charges requires and that no partnership provides.
pub fn missing_founders(partners: &[Partner]) -> Vec<&'static str> {
    let present: BTreeSet<&str> = partners
        .iter()
        .filter(|p| p.has_role("membre_constitutif"))
        .filter_map(|p| p.row.founding_role.as_deref())
        .collect();
    [
        ("etat", "l'État"),
        ("france_travail", "France Travail (ex-Pôle emploi)"),
        ("collectivite", "une collectivité territoriale ou un EPCI"),
    ]
    .iter()
    .filter(|(code, _)| !present.contains(code))
    .map(|(_, label)| *label)
    .collect()
}

#[derive(Template)]
#[template(path = "maisons/show.html")]
struct ShowPage {
    ctx: Ctx,
    m: MaisonRow,
    territory: Vec<TerritoryRow>,
    population: String,
    partners: Vec<Partner>,
    missing: Vec<&'static str>,
    staff: Vec<StaffRow>,
    history: Vec<HistoryEntry>,
    phases: [Phase; 5],
    can_edit: bool,
    can_manage: bool,
    can_see_organisations: bool,
    own_organisation: Option<i64>,
    /// Admins and the Maison's responsable: invitations of its team, and the links to their accounts.
    can_invite: bool,
    /// The partner organisations whose people this person may invite (those they manage).
    invitable: BTreeSet<i64>,
    /// The Maison's partnership requests (waiting, or answered lately), for those who manage its partners.
    requests: Vec<RequestRow>,
    diagnostics: Vec<Work<DiagnosticStatus>>,
    plans: Vec<Work<PlanStatus>>,
    /// The copil's next and past meetings, for those who may read them.
    meetings: Option<(Vec<Meeting>, Vec<Meeting>)>,
    can_record_meeting: bool,
    /// Its practices in the network's library and how often they were taken up (issue 18).
    practices: crate::practices::PracticeFigures,
}

/// One of the Maison's diagnostics or plans, with its status.
#[derive(sqlx::FromRow)]
pub struct Work<S> {
    id: i64,
    title: String,
    status: S,
    /// The reference year of a diagnostic, the period of a plan.
    period: String,
}

/// The Maison's diagnostics this person may read (the policy's list scope), the live ones first.
async fn diagnostics(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    maison_id: i64,
) -> sqlx::Result<Vec<Work<DiagnosticStatus>>> {
    let sql = format!(
        "select d.id, d.title, d.status, d.reference_year::text as period
         from diagnostic d where d.maison_id = $4 and {}
         order by d.status = 'archive', d.updated_at desc, d.id desc limit 20",
        crate::auth::policy::diagnostics::VISIBLE_SQL
    );
    visible(db, user, maison_id, &sql).await
}

/// The Maison's plans this person may read (the policy's list scope), the live ones first.
async fn plans(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    maison_id: i64,
) -> sqlx::Result<Vec<Work<PlanStatus>>> {
    let sql = format!(
        "select p.id, p.title, p.status,
                case when p.start_year = p.end_year then p.start_year::text
                     else p.start_year || '–' || p.end_year end as period
         from plan p where p.maison_id = $4 and {}
         order by p.status = 'cloture', p.start_year desc, p.id desc limit 20",
        crate::auth::policy::plans::PLAN_SCOPE_SQL
    );
    visible(db, user, maison_id, &sql).await
}

/// The rows of `sql`, whose policy scope reads the person as `$1`–`$3` (role, Maison, organisation) and
/// the Maison shown as `$4`.
async fn visible<S>(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    maison_id: i64,
    sql: &str,
) -> sqlx::Result<Vec<Work<S>>>
where
    Work<S>: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(user.role.as_str())
        .bind(user.maison_id)
        .bind(user.organisation_id)
        .bind(maison_id)
        .fetch_all(db)
        .await
}

/// A partnership request of the Maison to an organisation it did not create (`organisations` answers them).
#[derive(sqlx::FromRow)]
pub struct RequestRow {
    id: i64,
    organisation_id: i64,
    organisation_name: String,
    roles: Vec<String>,
    status: RequestStatus,
    requested_at: chrono::DateTime<chrono::Utc>,
    answer: String,
    /// Whether the organisation has a référent (who answers; else the admins).
    has_referent: bool,
}

impl RequestRow {
    fn roles_label(&self) -> String {
        roles_label(&self.roles)
    }
    fn requested(&self) -> String {
        format::date(self.requested_at.date_naive())
    }
    fn pending(&self) -> bool {
        self.status == RequestStatus::EnAttente
    }
}

async fn requests(db: &sqlx::PgPool, maison_id: i64) -> sqlx::Result<Vec<RequestRow>> {
    sqlx::query_as(
        "select r.id, r.organisation_id, o.name as organisation_name, r.roles, r.status, r.requested_at,
                r.answer,
                exists (select 1 from account x where x.organisation_id = o.id and x.role = 'partner'
                        and x.referent and x.active) as has_referent
         from partnership_request r join organisation o on o.id = r.organisation_id
         where r.maison_id = $1
           and (r.status = 'en_attente' or r.answered_at > now() - interval '90 days')
         order by r.status <> 'en_attente', r.requested_at desc, r.id desc
         limit 50",
    )
    .bind(maison_id)
    .fetch_all(db)
    .await
}

impl ShowPage {
    fn founders(&self) -> Vec<&Partner> {
        self.partners
            .iter()
            .filter(|p| p.has_role("membre_constitutif"))
            .collect()
    }
    fn copil(&self) -> Vec<&Partner> {
        self.partners
            .iter()
            .filter(|p| p.has_role("copil"))
            .collect()
    }
    fn links_organisation(&self, id: &i64) -> bool {
        self.can_see_organisations || self.own_organisation == Some(*id)
    }
    /// Whether this Maison manages the organisation (it created it and is its only partner).
    fn managed_here(&self, p: &Partner) -> bool {
        org_rules::manager(&p.control()) == Manager::Maison(self.m.id)
    }
    fn invitable(&self, id: &i64) -> bool {
        self.invitable.contains(id)
    }
    fn is_current(&self, p: &Phase) -> bool {
        *p == self.m.phase()
    }
}

pub async fn load_maison(db: &sqlx::PgPool, id: i64) -> AppResult<MaisonRow> {
    sqlx::query_as(
        "select m.id, m.name, m.legal_form, r.name as region_name, m.departement_code,
                d.name as departement_name, m.address, m.postal_code, m.city, m.website, m.email, m.phone,
                m.president, m.director, m.convention_date, m.conventionnee, m.grenelle_year,
                m.grenelle_pilot, ph.phase
         from maison m
         join region r on r.code = m.region_code
         join departement d on d.code = m.departement_code
         left join maison_phase ph on ph.maison_id = m.id
         where m.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// The EPCI of a Maison's territory, with the population of their communes.
pub async fn territory(db: impl sqlx::PgExecutor<'_>, id: i64) -> sqlx::Result<Vec<TerritoryRow>> {
    sqlx::query_as(
        "select e.siren, e.name, count(c.code) as communes,
                coalesce(sum(c.population), 0)::bigint as population
         from maison_epci me
         join epci e on e.siren = me.epci_siren
         left join commune c on c.epci_siren = e.siren
         where me.maison_id = $1
         group by e.siren, e.name
         order by e.name",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// A partnership with its contact people, in one statement (the contacts as a JSON array per row).
#[derive(sqlx::FromRow)]
struct PartnerWithContacts {
    #[sqlx(flatten)]
    row: PartnerRow,
    contacts: sqlx::types::Json<Vec<ContactRow>>,
}

pub async fn partners(db: &sqlx::PgPool, id: i64) -> sqlx::Result<Vec<Partner>> {
    let rows: Vec<PartnerWithContacts> = sqlx::query_as(&format!(
        "select p.id, p.organisation_id, o.name as organisation_name, t.name as type_name, t.founding_role,
                p.roles, p.since, {control},
                coalesce((select json_agg(json_build_object(
                                   'name', c.name,
                                   'job_title', c.job_title, 'email', c.email, 'phone', c.phone)
                                 order by c.name, c.id)
                          from partnership_contact c where c.partnership_id = p.id), '[]') as contacts
         from partnership p
         join organisation o on o.id = p.organisation_id
         join partner_type t on t.code = o.type_code
         where p.maison_id = $1
         order by cardinality(p.roles) desc, t.position, o.name",
        control = OrgControl::columns("o")
    ))
    .persistent(false)
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Partner {
            row: r.row,
            contacts: r.contacts.0,
        })
        .collect())
}

pub async fn show(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    super::ensure_visible(&state.db, &user, id).await?;
    let m = load_maison(&state.db, id).await?;
    let territory = territory(&state.db, id).await?;
    let population = format::int(territory.iter().map(|t| t.population).sum());
    let partners = partners(&state.db, id).await?;
    let missing = missing_founders(&partners);
    let invitable = partners
        .iter()
        .map(Partner::control)
        .filter(|c| crate::auth::policy::accounts::can_invite_people_of(&user, c))
        .map(|c| c.id)
        .collect();
    let staff: Vec<StaffRow> = sqlx::query_as(
        "select name, email, responsable from account
         where maison_id = $1 and active order by responsable desc, name limit 100",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let history = {
        let mut conn = state.db.acquire().await?;
        audit::history(&mut conn, "maison", id).await?
    };
    let meetings = if crate::auth::policy::copil::can_read_meetings(&user, id) {
        Some(crate::copil::meetings_of(&state.db, id).await?)
    } else {
        None
    };
    let can_manage = rules::can_manage_partners(&user, id);
    let requests = if can_manage {
        requests(&state.db, id).await?
    } else {
        Vec::new()
    };
    Ok(Html(
        ShowPage {
            ctx,
            m,
            territory,
            population,
            partners,
            missing,
            staff,
            history,
            phases: Phase::ALL,
            can_edit: rules::can_edit_maison(&user, id),
            can_manage,
            can_see_organisations: rules::can_list_organisations(&user),
            own_organisation: user.organisation_id,
            can_invite: crate::auth::policy::accounts::can_invite_staff_of(&user, id),
            invitable,
            requests,
            diagnostics: diagnostics(&state.db, &user, id).await?,
            plans: plans(&state.db, &user, id).await?,
            meetings,
            can_record_meeting: crate::auth::policy::copil::can_record_meeting(&user, id),
            practices: crate::practices::figures_of_maison(&state.db, id).await?,
        }
        .render()?,
    )
    .into_response())
}
