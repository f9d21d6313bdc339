//! `/comptes/inviter`: a new account comes by invitation. The account is created without a password, with a
//! single-use link (7 days) that is shown to the inviter and e-mailed when SMTP is configured. A partner
//! invited by a Maison's responsable keeps that Maison (`account.invited_by_maison`): once several Maisons
//! partner the organisation, the admins review such accounts (`/organisations/a-examiner`).
//! Admins invite anyone; a responsable invites staff of their Maison (possibly responsable) and people of
//! the organisations that partner it — anything else is a 404, as if the Maison did not exist.
//!
//! An invitation starts from its context, never from a list of the whole network (2,050 Maisons and
//! ~19,000 organisations at `mde demo --scale 10`): « Inviter un membre de l'équipe » on a Maison's page
//! (`?maison=ID`), « Inviter une personne » on an organisation's page or on a Maison's partner list
//! (`?organisation=ID`), `?role=admin` for the network's administrators. Without a context the page is a
//! chooser (`choose.rs`).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::create::{self, Refused};
use super::queries::{self, Choice};
use super::validate;
use crate::auth::policy::accounts::{self as rules, AccountTarget};
use crate::auth::policy::organisations::OrgControl;
use crate::auth::session::FlashKind;
use crate::auth::{CurrentUser, Role, policy};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    maison: String,
    #[serde(default)]
    organisation: String,
    responsable: Option<String>,
    #[serde(default)]
    form_key: String,
}

/// The invitation form, its context fixed: the Maison or the organisation the person joins is shown, not
/// chosen (it came from the page the inviter started from, or from the chooser).
#[derive(Template)]
#[template(path = "accounts/invite.html")]
struct InvitePage {
    ctx: Ctx,
    form: InviteForm,
    errors: FieldErrors,
    /// The Maison a staff member joins.
    maison: Option<Choice>,
    /// The organisation a partner belongs to.
    organisation: Option<Choice>,
    /// Whether the role and its Maison or organisation are known; otherwise (only after a form that was
    /// tampered with, or whose Maison was removed meanwhile) the role is asked again, with the errors.
    fixed: bool,
    admin: bool,
}

impl InvitePage {
    fn responsable_checked(&self) -> bool {
        validate::checked(&self.form.responsable)
    }

    fn heading(&self) -> &'static str {
        match (self.fixed, self.form.role.as_str()) {
            (true, "admin") => "Inviter un membre de l'administration du réseau",
            (true, "staff") => "Inviter un membre de l'équipe",
            (true, "partner") => "Inviter une personne de l'organisation",
            _ => "Inviter une personne",
        }
    }

    fn shows_responsable(&self) -> bool {
        self.form.role == "staff" || self.errors.has("responsable")
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    form: InviteForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let role = Role::parse(form.role.trim());
    let maison = match (role, format::parse_int(&form.maison)) {
        (Some(Role::Staff), Some(id)) => queries::maison_name(&mut *conn, id)
            .await?
            .map(|name| Choice { id, name }),
        _ => None,
    };
    let organisation = match (role, format::parse_int(&form.organisation)) {
        (Some(Role::Partner), Some(id)) => queries::organisation_name(&mut *conn, id)
            .await?
            .map(|name| Choice { id, name }),
        _ => None,
    };
    let fixed = match role {
        Some(Role::Admin) => user.is_admin(),
        Some(Role::Staff) => maison.is_some() && !errors.has("maison"),
        Some(Role::Partner) => organisation.is_some() && !errors.has("organisation"),
        None => false,
    };
    let page = InvitePage {
        ctx,
        form,
        errors,
        maison,
        organisation,
        fixed,
        admin: user.is_admin(),
    };
    forms::render(&page, status)
}

#[derive(Deserialize, Default)]
pub struct Prefill {
    #[serde(default)]
    role: String,
    #[serde(default)]
    maison: String,
    #[serde(default)]
    organisation: String,
    /// The chooser's searches (admins).
    #[serde(default)]
    pub(super) maison_q: String,
    #[serde(default)]
    pub(super) organisation_q: String,
}

pub async fn form(
    Signed { state, user, ctx }: Signed,
    Query(prefill): Query<Prefill>,
) -> AppResult<Response> {
    policy::ensure(rules::can_manage_accounts(&user))?;
    let own = rules::managed_maison(&user);
    let role = Role::parse(prefill.role.trim());
    let maison = format::parse_int(&prefill.maison);
    let organisation = format::parse_int(&prefill.organisation);
    // The context the link carries: a Maison means its team, an organisation its people.
    let target = match (role, maison, organisation) {
        (Some(Role::Admin), _, _) => Some((Role::Admin, None, None)),
        (Some(Role::Staff) | None, Some(m), _) => Some((Role::Staff, Some(m), None)),
        (Some(Role::Partner) | None, _, Some(o)) => Some((Role::Partner, None, Some(o))),
        (Some(Role::Staff), None, None) => own.map(|m| (Role::Staff, Some(m), None)),
        // A référent invites people of their organisation.
        (Some(Role::Partner) | None, None, None) => {
            rules::referent_organisation(&user).map(|o| (Role::Partner, None, Some(o)))
        }
        _ => None,
    };
    let Some((role, maison, organisation)) = target else {
        return super::choose::choose(&state, &user, ctx, &prefill).await;
    };
    let target = target_of(&state, &user, role, maison, organisation).await?;
    policy::ensure(rules::can_invite(&user, &target))?;
    // A Maison or an organisation that does not exist is not found, like any other id in a link.
    if let Some(m) = maison {
        queries::maison_name(&state.db, m)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    if let Some(o) = organisation {
        queries::organisation_name(&state.db, o)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let id = |x: Option<i64>| x.map(|x| x.to_string()).unwrap_or_default();
    let form = InviteForm {
        role: role.as_str().to_owned(),
        maison: id(maison),
        organisation: id(organisation),
        ..InviteForm::default()
    };
    render(
        &state,
        &user,
        ctx,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// What the inviter asked for, once checked.
struct Invitation {
    email: String,
    name: String,
    role: Role,
    maison: Option<i64>,
    organisation: Option<i64>,
    responsable: bool,
}

/// Whether the organisation partners the Maison (for a responsable's invitations).
async fn partners(state: &AppState, maison: i64, organisation: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from partnership where maison_id = $1 and organisation_id = $2)",
    )
    .bind(maison)
    .bind(organisation)
    .fetch_one(&state.db)
    .await
}

/// The account an invitation would make, with what the policy needs about its organisation.
async fn target_of(
    state: &AppState,
    user: &CurrentUser,
    role: Role,
    maison: Option<i64>,
    organisation: Option<i64>,
) -> AppResult<AccountTarget> {
    let (control, partners_maison) = match organisation {
        Some(o) => {
            let control = OrgControl::load(&state.db, o).await?;
            let partners_maison = match rules::managed_maison(user) {
                Some(m) => partners(state, m, o).await?,
                None => false,
            };
            // One that does not exist is managed by nobody but the admins (whose form then says it is gone).
            let control = control.unwrap_or(OrgControl {
                id: o,
                ..OrgControl::default()
            });
            (Some(control), partners_maison)
        }
        None => (None, false),
    };
    Ok(AccountTarget {
        role,
        maison_id: maison,
        organisation: control,
        organisation_partners_maison: partners_maison,
        erased: false,
    })
}

/// Checks the form; a request outside the inviter's rights is a 404 before anything else.
async fn check(
    state: &AppState,
    user: &CurrentUser,
    form: &mut InviteForm,
) -> AppResult<Result<Invitation, FieldErrors>> {
    let mut errors = FieldErrors::default();
    let role = Role::parse(form.role.trim());
    let own = rules::managed_maison(user);
    // A responsable's form has no choice of Maison: theirs is implied.
    if own.is_some() && form.maison.trim().is_empty() {
        form.maison = own.map(|m| m.to_string()).unwrap_or_default();
    }
    let maison = format::parse_int(&form.maison);
    let organisation = format::parse_int(&form.organisation);
    let (maison, organisation) = match role {
        Some(Role::Staff) => (maison, None),
        Some(Role::Partner) => (None, organisation),
        _ => (None, None),
    };
    if let Some(role) = role {
        let target = target_of(state, user, role, maison, organisation).await?;
        let complete = match role {
            Role::Admin => true,
            Role::Staff => maison.is_some(),
            Role::Partner => organisation.is_some(),
        };
        if complete {
            policy::ensure(rules::can_invite(user, &target))?;
        } else {
            policy::ensure(user.is_admin() || role != Role::Admin)?;
        }
    } else {
        errors.add("role", "Choisissez le rôle de la personne.");
    }
    let email = validate::email(&form.email).map_err(|e| errors.add("email", e));
    let name = validate::name(&form.name).map_err(|e| errors.add("name", e));
    if role == Some(Role::Staff) && maison.is_none() {
        errors.add(
            "maison",
            "Choisissez la Maison dont la personne fait partie.",
        );
    }
    if role == Some(Role::Partner) && organisation.is_none() {
        errors.add(
            "organisation",
            "Choisissez l'organisation partenaire de la personne.",
        );
    }
    let responsable = validate::checked(&form.responsable);
    if responsable && role.is_some_and(|r| r != Role::Staff) {
        errors.add(
            "responsable",
            "Seul un membre de l'équipe d'une Maison peut en être responsable : décochez la case \
             ou choisissez le rôle « Équipe de la Maison ».",
        );
    }
    match (email, name, role) {
        (Ok(email), Ok(name), Some(role)) if errors.is_empty() => Ok(Ok(Invitation {
            email,
            name,
            role,
            maison,
            organisation,
            responsable,
        })),
        _ => Ok(Err(errors)),
    }
}

/// The invitation form sent back, its messages beside the fields (422).
async fn sent_back(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    form: InviteForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    render(
        state,
        user,
        ctx,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn submit(
    Signed { state, user, ctx }: Signed,
    Form(mut form): Form<InviteForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_manage_accounts(&user))?;
    let inv = match check(&state, &user, &mut form).await? {
        Ok(inv) => inv,
        Err(errors) => {
            return sent_back(&state, &user, ctx, form, errors).await;
        }
    };
    let mut tx = state.db.begin().await?;
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        drop(tx);
        outcome::flash(&state.db, &ctx, FlashKind::Info, "Cette invitation a déjà été enregistrée : le formulaire n'a pas été traité une seconde fois.").await?;
        return Ok(Redirect::to("/comptes").into_response());
    }
    let new = create::NewAccount {
        email: &inv.email,
        name: &inv.name,
        role: inv.role,
        maison: inv.maison,
        organisation: inv.organisation,
        responsable: inv.responsable,
        invited_by_maison: rules::managed_maison(&user)
            .filter(|_| inv.role == Role::Partner && !user.is_admin()),
    };
    let created = match create::invited(&mut tx, &user, &new).await? {
        Ok(created) => created,
        Err(refused) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            match refused {
                Refused::EmailTaken => errors.add(
                    "email",
                    "Un compte existe déjà avec cette adresse e-mail. Retrouvez-le dans la liste des \
                     comptes (ou demandez à l'Alliance Villes Emploi s'il n'y figure pas).",
                ),
                // The Maison or the organisation was removed while the form was open.
                Refused::Gone if inv.maison.is_some() => errors.add(
                    "maison",
                    "Cette Maison n'existe plus : choisissez-en une autre.",
                ),
                Refused::Gone => errors.add(
                    "organisation",
                    "Cette organisation n'existe plus : choisissez-en une autre.",
                ),
            }
            return sent_back(&state, &user, ctx, form, errors).await;
        }
    };
    // Whoever may invite manages the account: the link is theirs to see.
    create::commit_and_send(tx, &state, ctx, &user, &new, created).await
}
