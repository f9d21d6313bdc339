//! Creating an organisation as a new partner of the Maison.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{insert_partnership, managed_maison};
use crate::domain::partnership::ROLES;
use crate::error::AppResult;
use crate::organisations::directory::{insert_org, siret_taken_message};
use crate::organisations::fields::{Choice, OrgForm, choices, parse_org, parse_roles, parse_since};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewPartnerForm {
    #[serde(flatten)]
    org: OrgForm,
    roles: Vec<String>,
    since: String,
    form_key: String,
}

impl NewPartnerForm {
    fn has_role(&self, role: &&str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

#[derive(Template)]
#[template(path = "organisations/new_partner.html")]
struct NewPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    f: NewPartnerForm,
    errors: FieldErrors,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    roles: &'static [(&'static str, &'static str)],
}

pub async fn new_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let region: Option<String> = sqlx::query_scalar("select region_code from maison where id = $1")
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    let (types, regions) = choices(&state.db).await?;
    let f = NewPartnerForm {
        org: OrgForm {
            region: region.unwrap_or_default(),
            ..OrgForm::default()
        },
        roles: vec!["associe".into()],
        form_key: ctx.form_key(),
        ..NewPartnerForm::default()
    };
    let page = NewPage {
        ctx,
        maison_id: id,
        maison_name: name,
        f,
        errors: FieldErrors::default(),
        types,
        regions,
        roles: ROLES,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<NewPartnerForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let (types, regions) = choices(&state.db).await?;
    let mut e = FieldErrors::default();
    let org = parse_org(&f.org, &types, &regions, &mut e);
    let roles = parse_roles(&f.roles, &mut e);
    let since = parse_since(&f.since, &mut e);
    if e.is_empty() {
        let mut tx = state.db.begin().await?;
        if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
            return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
        }
        match insert_org(&mut tx, &user, &org, Some(id)).await? {
            Ok(org_id) => {
                insert_partnership(&mut tx, &user, id, org_id, &org.name, &roles, since, "")
                    .await?;
                let msg = format!(
                    "L'organisation « {} » a été créée et ajoutée aux partenaires.",
                    org.name
                );
                return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires"))
                    .await;
            }
            Err(()) => {
                drop(tx);
                let msg =
                    siret_taken_message(&state.db, org.siret.as_deref().unwrap_or("")).await?;
                e.add("siret", msg);
            }
        }
    }
    let page = NewPage {
        ctx,
        maison_id: id,
        maison_name: name,
        f,
        errors: e,
        types,
        regions,
        roles: ROLES,
    };
    forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}
