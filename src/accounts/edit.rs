//! `/comptes/{id}/modifier`: name, e-mail and the *responsable* flag, with optimistic locking (`version`).

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::queries::{self, AccountRow, role_label};
use super::validate;
use crate::audit::{self, Change, Diff, Event};
use crate::auth::policy::accounts as rules;
use crate::auth::session::FlashKind;
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors, violates};
use crate::web::{Ctx, Form, Signed, format, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    responsable: Option<String>,
    #[serde(default)]
    version: String,
}

#[derive(Template)]
#[template(path = "accounts/edit.html")]
struct EditPage {
    ctx: Ctx,
    account: AccountRow,
    form: EditForm,
    errors: FieldErrors,
    can_grant_responsable: bool,
}

impl EditPage {
    fn responsable_checked(&self) -> bool {
        validate::checked(&self.form.responsable)
    }
}

fn page(
    ctx: Ctx,
    user: &CurrentUser,
    account: AccountRow,
    form: EditForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let can_grant_responsable = rules::can_grant_responsable(user, &account.target());
    let page = EditPage {
        ctx,
        account,
        form,
        errors,
        can_grant_responsable,
    };
    forms::render(&page, status)
}

pub async fn form(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let account = queries::load_managed(&state.db, &user, id).await?;
    let form = EditForm {
        name: account.name.clone(),
        email: account.email.clone(),
        responsable: account.responsable.then(|| "on".to_owned()),
        version: account.version.to_string(),
    };
    page(
        ctx,
        &user,
        account,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

/// What the edit changes, for the journal. A former and a new name or address are the person's data:
/// kept beside the journal, not in it.
async fn changes(
    tx: &mut sqlx::PgConnection,
    account: &AccountRow,
    name: &str,
    email: &str,
    responsable: bool,
) -> sqlx::Result<Diff> {
    let mut diff = Diff::default();
    for (field, label, before, after) in [
        ("name", "Nom", account.name.as_str(), name),
        ("email", "Adresse e-mail", account.email.as_str(), email),
    ] {
        if before != after {
            diff.0.push(Change::new(
                field,
                label,
                audit::personal(&mut *tx, account.id, before).await?,
                audit::personal(&mut *tx, account.id, after).await?,
            ));
        }
    }
    diff.field(
        "role",
        "Rôle",
        role_label(account.role(), account.responsable),
        role_label(account.role(), responsable),
    );
    Ok(diff)
}

/// A form to correct: 422, the messages beside the fields.
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

pub async fn submit(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let account = queries::load_managed(&state.db, &user, id).await?;
    let mut errors = FieldErrors::default();
    let name = validate::name(&form.name).map_err(|e| errors.add("name", e));
    let email = validate::email(&form.email).map_err(|e| errors.add("email", e));
    let version = format::parse_int(&form.version).unwrap_or(-1);
    let (Ok(name), Ok(email)) = (name, email) else {
        return page(ctx, &user, account, form, errors, UNPROCESSABLE);
    };
    // Only staff accounts can be responsable, and only their managers change that.
    let responsable = if rules::can_grant_responsable(&user, &account.target()) {
        validate::checked(&form.responsable)
    } else {
        account.responsable
    };
    if name == account.name
        && email == account.email
        && responsable == account.responsable
        && i64::from(account.version) == version
    {
        outcome::flash(&state.db, &ctx, FlashKind::Info, "Aucune modification.").await?;
        return Ok(Redirect::to(&format!("/comptes/{id}")).into_response());
    }
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "update account set name = $3, email = $4, responsable = $5, version = version + 1
         where id = $1 and version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(&name)
    .bind(&email)
    .bind(responsable)
    .execute(&mut *tx)
    .await;
    let conflict = match updated {
        Ok(r) => r.rows_affected() == 0,
        Err(e) if violates(&e, "account_email_key") => {
            drop(tx);
            errors.add(
                "email",
                "Un autre compte utilise déjà cette adresse e-mail.",
            );
            return page(ctx, &user, account, form, errors, UNPROCESSABLE);
        }
        Err(e) => return Err(e.into()),
    };
    if conflict {
        drop(tx);
        // Reload what is stored now, keep what the person typed, and let them save again on purpose.
        let current = queries::load_managed(&state.db, &user, id).await?;
        errors.add(FieldErrors::CONFLICT, "Ce compte a été modifié par quelqu'un d'autre pendant que vous le modifiiez : vos changements \
             n'ont pas été enregistrés. Les valeurs actuelles sont rappelées sous chaque champ ; vérifiez, \
             puis enregistrez à nouveau."
                ,);
        let mut form = form;
        form.version = current.version.to_string();
        return page(ctx, &user, current, form, errors, StatusCode::CONFLICT);
    }
    let diff = changes(&mut tx, &account, &name, &email, responsable).await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            changes: diff.0,
            ..account.event(&user, "modification", "Compte modifié".into())
        },
        "Les modifications du compte sont enregistrées.",
        &format!("/comptes/{id}"),
    )
    .await
}

impl EditPage {
    fn is_staff(&self) -> bool {
        self.account.role() == Role::Staff
    }
}
