//! `/comptes/{id}/effacer`: erasing an account (RGPD art. 17), by the network's administration, after a
//! confirmation page — it cannot be undone. What is the person's alone goes: sessions, links (invitation,
//! reset), notifications, refused sign-ins and requests of reset links with their address, the proposal
//! that named them for an account, a partner's contact card with their address, and the former names and
//! addresses the journal's changes refer to (`event_personal_value`). The account row stays, anonymised
//! (« Compte supprimé n° 123 », an address that cannot receive mail, no password, deactivated), so that the
//! comments, notes and journal entries it wrote keep an author, shown under that pseudonym: the journal
//! names people when it is read and holds no name itself, so it is not rewritten. Other people's
//! notifications, and the notes and answers of proposals and partnership requests, that named the person
//! are reworded with the pseudonym.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::PgConnection;

use super::queries::{self, AccountRow};
use super::{last_active_admin, refuse};
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, accounts as rules};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

/// The pseudonym of an erased account.
pub fn pseudonym(id: i64) -> String {
    format!("Compte supprimé n° {id}")
}

/// The address of an erased account: unique, and undeliverable (`.invalid` is reserved, RFC 2606).
pub fn erased_email(id: i64) -> String {
    format!("compte-{id}@efface.invalid")
}

/// What the confirmation page says will go and will stay.
#[derive(sqlx::FromRow)]
struct Counts {
    sessions: i64,
    links: i64,
    notifications: i64,
    comments: i64,
    notes: i64,
    events: i64,
}

async fn counts(conn: &mut PgConnection, id: i64) -> sqlx::Result<Counts> {
    sqlx::query_as(
        "select (select count(*) from session where account_id = $1) as sessions,
                (select count(*) from account_token where account_id = $1) as links,
                (select count(*) from notification where account_id = $1) as notifications,
                (select count(*) from comment where author_id = $1) as comments,
                (select count(*) from action_note where author_id = $1) as notes,
                (select count(*) from event where account_id = $1) as events",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

#[derive(Template)]
#[template(path = "accounts/erase.html")]
struct ErasePage {
    ctx: Ctx,
    account: AccountRow,
    counts: Counts,
    pseudonym: String,
    errors: FieldErrors,
}

/// The account, if `user` may erase it; otherwise 404.
async fn load_erasable(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<AccountRow> {
    let account = queries::load_visible(&mut *conn, user, id).await?;
    policy::ensure(rules::can_erase(user, &account.target()))?;
    Ok(account)
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    account: AccountRow,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let counts = counts(&mut conn, account.id).await?;
    let page = ErasePage {
        ctx,
        pseudonym: pseudonym(account.id),
        account,
        counts,
        errors,
    };
    forms::render(&page, status)
}

pub async fn confirm(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let account = load_erasable(&mut conn, &user, id).await?;
    drop(conn);
    page(&state, ctx, account, FieldErrors::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirmation: Option<String>,
}

pub async fn erase(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<EraseForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    // The row is locked: two erasures, or an erasure and an edit, of the same account run one after the other.
    sqlx::query("select id from account where id = $1 for update")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let account = load_erasable(&mut tx, &user, id).await?;
    if account.id == user.id {
        drop(tx);
        return refuse(
            &state,
            &ctx,
            id,
            "Vous ne pouvez pas effacer votre propre compte : demandez-le à une autre personne de l'administration du réseau.",
        )
        .await;
    }
    if last_active_admin(&mut tx, &account).await? {
        drop(tx);
        let message =
            "C'est le dernier compte d'administration actif : il ne peut pas être effacé.";
        return refuse(&state, &ctx, id, message).await;
    }
    if form.confirmation.as_deref() != Some("oui") {
        drop(tx);
        let mut errors = FieldErrors::default();
        errors.add(
            "confirmation",
            "Cochez cette case pour confirmer l'effacement, qui ne peut pas être annulé.",
        );
        return page(
            &state,
            ctx,
            account,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let done = erase_account(&mut tx, &account).await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: account.maison_id,
            object_type: "account",
            object_id: id,
            action: "effacement",
            summary: format!(
                "Compte effacé (RGPD) : nom et adresse remplacés, {} session(s), {} lien(s) et {} \
                 notification(s) supprimés ; ses contributions et le journal sont gardés sous le pseudonyme",
                done.sessions, done.links, done.notifications
            ),
            changes: vec![],
        },
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        &format!(
            "Le compte est effacé : il apparaît désormais sous le nom « {} ».",
            pseudonym(id)
        ),
        &format!("/comptes/{id}"),
    )
    .await
}

/// `text` as a PostgreSQL regular expression that matches it literally.
fn regex_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The texts other people wrote that may name the erased person: (table, column, the column's length
/// limit, which the longer pseudonym must not break).
const REWORDED: &[(&str, &str, i32)] = &[
    ("notification", "message", 100_000),
    ("account_proposal", "note", 1000),
    ("account_proposal", "answer", 1000),
    ("partnership_request", "note", 1000),
    ("partnership_request", "answer", 1000),
    // A message waiting in someone else's session (« X a été ajouté(e) aux contacts. »).
    ("session", "flash", 100_000),
];

struct Erased {
    sessions: u64,
    links: u64,
    notifications: u64,
}

async fn erase_account(conn: &mut PgConnection, account: &AccountRow) -> sqlx::Result<Erased> {
    let id = account.id;
    let pseudonym = pseudonym(id);
    let del = |sql: &'static str| sqlx::query(sql).bind(id);
    let sessions = del("delete from session where account_id = $1")
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let links = del("delete from account_token where account_id = $1")
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let notifications = del("delete from notification where account_id = $1")
        .execute(&mut *conn)
        .await?
        .rows_affected();
    del("delete from notification_preference where account_id = $1")
        .execute(&mut *conn)
        .await?;
    del("delete from notification_digest where account_id = $1")
        .execute(&mut *conn)
        .await?;
    del("delete from form_submission where account_id = $1")
        .execute(&mut *conn)
        .await?;
    del("delete from event_personal_value where account_id = $1")
        .execute(&mut *conn)
        .await?;
    sqlx::query("delete from login_failure where lower(email) = lower($1)")
        .bind(&account.email)
        .execute(&mut *conn)
        .await?;
    // The proposal that made the account holds the person's name and address.
    sqlx::query("delete from account_proposal where account_id = $2 or lower(email) = lower($1)")
        .bind(&account.email)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("delete from password_reset_request where email = lower($1)")
        .bind(&account.email)
        .execute(&mut *conn)
        .await?;
    // A partner organisation's contact card with the person's address is about the person.
    sqlx::query("delete from partnership_contact where lower(email) = lower($1)")
        .bind(&account.email)
        .execute(&mut *conn)
        .await?;
    // Other people's texts may name the person: notifications were written with it (« X a commenté… »),
    // and a proposal's or a partnership request's note or answer may. The name and the address, as whole
    // words, become the pseudonym.
    for (table, column, max) in REWORDED {
        for old in [&account.name, &account.email] {
            sqlx::query(&format!(
                "update {table} set {column} = left(regexp_replace({column}, $1, $2, 'g'), {max})
                 where strpos({column}, $3) > 0"
            ))
            .persistent(false)
            .bind(format!("\\m{}\\M", regex_quoted(old)))
            .bind(pseudonym.replace('\\', "\\\\").replace('&', "\\&"))
            .bind(old)
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query(
        "update account set name = $2, email = $3, password_hash = null, active = false,
                responsable = false, referent = false, last_login_at = null, erased_at = now(),
                version = version + 1
         where id = $1",
    )
    .bind(id)
    .bind(&pseudonym)
    .bind(erased_email(id))
    .execute(&mut *conn)
    .await?;
    Ok(Erased {
        sessions,
        links,
        notifications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_and_quoted_names() {
        assert_eq!(pseudonym(123), "Compte supprimé n° 123");
        assert_eq!(erased_email(123), "compte-123@efface.invalid");
        assert_eq!(regex_quoted("A. (B)+c*"), "A\\. \\(B\\)\\+c\\*");
    }
}
