//! Adding an existing organisation as a partner: searched by name or SIRET (without JavaScript), then
//! either attached at once or, for an organisation the Maison did not create, asked of its référents.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{PartnershipForm, already_processed, insert_partnership, managed_maison};
use crate::auth::policy::organisations::{self as org_rules, OrgControl};
use crate::domain::partnership::ROLES;
use crate::error::AppResult;
use crate::organisations::asking;
use crate::organisations::fields::{parse_roles, parse_since, siret_label};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, contains_pattern};
use crate::web::{Ctx, Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddQuery {
    q: String,
    organisation: String,
}

#[derive(sqlx::FromRow)]
pub struct Candidate {
    id: i64,
    name: String,
    type_name: String,
    siret: Option<String>,
    region_name: Option<String>,
    already: bool,
    /// Whether the Maison already waits for this organisation's answer to a partnership request.
    pending: bool,
    #[sqlx(flatten)]
    control: OrgControl,
}

impl Candidate {
    fn siret_label(&self) -> String {
        self.siret.as_deref().map(siret_label).unwrap_or_default()
    }
}

/// The columns of a [`Candidate`] (organisation `o`) for the Maison bound as `$maison`.
fn candidate_columns(maison: &str) -> String {
    format!(
        "o.id, o.name, t.name as type_name, o.siret, r.name as region_name,
         exists (select 1 from partnership p where p.maison_id = {maison} and p.organisation_id = o.id) as already,
         exists (select 1 from partnership_request q where q.maison_id = {maison} and q.organisation_id = o.id
                 and q.status = 'en_attente') as pending,
         {}",
        OrgControl::columns("o")
    )
}

#[derive(Template)]
#[template(path = "organisations/add_partner.html")]
struct AddPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    q: String,
    searched: bool,
    results: Vec<Candidate>,
    chosen: Option<Candidate>,
    /// Whether attaching the chosen organisation is a request to its référents (it is not the Maison's).
    asks: bool,
    f: PartnershipForm,
    errors: FieldErrors,
    roles: &'static [(&'static str, &'static str)],
}

async fn search(state: &AppState, maison_id: i64, q: &str) -> sqlx::Result<Vec<Candidate>> {
    let Some(pattern) = contains_pattern(q) else {
        return Ok(Vec::new());
    };
    let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let siret_prefix =
        (!digits.is_empty() && digits.len() <= 14 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{digits}%"));
    sqlx::query_as(&format!(
        "select {}
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.name_key like f_unaccent(lower($1)) or ($2::text is not null and o.siret like $2)
         order by o.name_key, o.id
         limit 20",
        candidate_columns("$3")
    ))
    .persistent(false)
    .bind(pattern)
    .bind(siret_prefix)
    .bind(maison_id)
    .fetch_all(&state.db)
    .await
}

async fn candidate(state: &AppState, maison_id: i64, org: &str) -> sqlx::Result<Option<Candidate>> {
    let Ok(org) = org.trim().parse::<i64>() else {
        return Ok(None);
    };
    sqlx::query_as(&format!(
        "select {}
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.id = $1",
        candidate_columns("$2")
    ))
    .persistent(false)
    .bind(org)
    .bind(maison_id)
    .fetch_optional(&state.db)
    .await
}

#[expect(clippy::too_many_arguments, reason = "the page's parts, passed flat")]
async fn render_add(
    state: &AppState,
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    f: PartnershipForm,
    chosen: Option<Candidate>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let results = search(state, maison_id, &f.q).await?;
    let asks = match (&chosen, &ctx.user) {
        (Some(c), Some(u)) => !org_rules::attaches_directly(u, &c.control, maison_id),
        _ => false,
    };
    let page = AddPage {
        ctx,
        maison_id,
        maison_name,
        q: f.q.clone(),
        searched: !f.q.trim().is_empty(),
        results,
        chosen,
        asks,
        f,
        errors,
        roles: ROLES,
    };
    forms::render(&page, status)
}

pub async fn add_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Query(q): Query<AddQuery>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let chosen = candidate(&state, id, &q.organisation).await?;
    let f = PartnershipForm {
        organisation: q.organisation,
        roles: vec!["associe".into()],
        form_key: ctx.form_key(),
        q: q.q,
        ..PartnershipForm::default()
    };
    render_add(
        &state,
        ctx,
        id,
        name,
        f,
        chosen,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn already_partner(organisation: &str) -> String {
    format!("{organisation} est déjà partenaire de cette Maison.")
}

fn already_asked(organisation: &str) -> String {
    format!(
        "La Maison a déjà demandé à devenir partenaire de {organisation} : la demande attend sa réponse."
    )
}

/// The message of a request sent to the organisation's référents (`to_referents`) or to the admins.
fn request_sent(organisation: &str, to_referents: bool) -> String {
    let who = if to_referents {
        "à ses référents"
    } else {
        "à l'administration du réseau (elle n'a pas encore de référent)"
    };
    format!(
        "Votre demande de partenariat avec {organisation} a été envoyée {who}. Le partenariat commencera \
         quand elle sera acceptée."
    )
}

pub async fn add(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<PartnershipForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    if already_processed(&state, &user, &f.form_key).await? {
        return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
    }
    let mut e = FieldErrors::default();
    let chosen = candidate(&state, id, &f.organisation).await?;
    match &chosen {
        None => e.add(
            "organisation",
            "Choisissez une organisation dans les résultats de la recherche.",
        ),
        Some(c) if c.already => e.add("organisation", already_partner(&c.name)),
        Some(c) if c.pending => e.add("organisation", already_asked(&c.name)),
        Some(_) => {}
    }
    let roles = parse_roles(&f.roles, &mut e);
    let since = parse_since(&f.since, &mut e);
    let note = e.text("note", &f.note, 1000);
    if let (Some(c), true) = (&chosen, e.is_empty()) {
        let mut tx = state.db.begin().await?;
        if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
            return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
        }
        if !org_rules::attaches_directly(&user, &c.control, id) {
            // An organisation the Maison did not create: a request, which grants nothing until accepted.
            let asking = asking::Asking {
                maison_id: id,
                maison_name: &name,
                organisation_id: c.id,
                organisation_name: &c.name,
                roles: &roles,
                since,
                note: &note,
            };
            if let asking::Asked::Sent { to_referents } =
                asking::ask(&mut tx, &user, &asking).await?
            {
                let msg = request_sent(&c.name, to_referents);
                return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#demandes"))
                    .await;
            }
            drop(tx);
            e.add("organisation", already_asked(&c.name));
        } else if insert_partnership(&mut tx, &user, id, c.id, &c.name, &roles, since, &note)
            .await?
        {
            let msg = format!("{} est désormais partenaire de la Maison.", c.name);
            return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires")).await;
        } else {
            e.add("organisation", already_partner(&c.name));
        }
    }
    render_add(
        &state,
        ctx,
        id,
        name,
        f,
        chosen,
        e,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
