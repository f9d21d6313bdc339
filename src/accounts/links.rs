//! Issuing links for an account: a new invitation (the previous link stops working) or a password-reset
//! link. The link is e-mailed when SMTP is configured, and shown once, on the page that answers the POST
//! (it is stored nowhere in clear) — but only to those who manage the account (`policy::accounts::
//! shows_links`): the responsable of a Maison that an organisation partners without managing it may have a
//! link sent to one of its people, never see it (that would let them sign in as that person). Where no
//! e-mail can go, the page says to ask the network's admins, and no link is made.

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};

use super::queries::{self, AccountRow};
use super::tokens::{self, Issued, Purpose};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, accounts as rules};
use crate::error::AppResult;
use crate::mail::{self, Delivery, Mail};
use crate::state::AppState;
use crate::web::{Ctx, EmptyForm, Form, Signed, format};

/// The page that shows a link just made.
#[derive(Template)]
#[template(path = "accounts/link.html")]
pub struct LinkPage {
    pub ctx: Ctx,
    pub heading: &'static str,
    pub account_id: i64,
    pub name: String,
    pub email: String,
    pub link: String,
    pub expires: String,
    pub expires_iso: String,
    pub delivery: Delivery,
    pub purpose: Purpose,
    /// Whether the link is shown (to those who manage the account); otherwise it went by e-mail only.
    pub shown: bool,
}

impl LinkPage {
    pub fn is_invitation(&self) -> bool {
        self.purpose == Purpose::Invitation
    }

    pub fn sent(&self) -> bool {
        self.delivery == Delivery::Sent
    }

    pub fn not_configured(&self) -> bool {
        self.delivery == Delivery::NotConfigured
    }
}

/// Who the mail is about, for its wording.
pub struct Recipient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub affiliation: &'a str,
}

fn message(
    purpose: Purpose,
    who: &Recipient<'_>,
    by: &CurrentUser,
    link: &str,
    expires: &str,
) -> Mail {
    let signature = "-- \nPortail des Maisons de l'Emploi — Alliance Villes Emploi";
    let (subject, body) = match purpose {
        Purpose::Invitation => (
            "Invitation au Portail des Maisons de l'Emploi".to_owned(),
            format!(
                "Bonjour {name},\n\n{by} vous invite à rejoindre le Portail des Maisons de l'Emploi \
                 ({affiliation}).\n\nPour activer votre compte, choisissez votre mot de passe en ouvrant ce \
                 lien, utilisable une seule fois, jusqu'au {expires} :\n\n{link}\n\nVotre identifiant sera \
                 votre adresse e-mail : {email}\n\nSi vous n'attendiez pas cette invitation, vous pouvez \
                 ignorer ce message.\n\n{signature}\n",
                name = who.name,
                by = by.name,
                affiliation = who.affiliation,
                email = who.email,
            ),
        ),
        Purpose::Reset => (
            "Réinitialisation de votre mot de passe".to_owned(),
            format!(
                "Bonjour {name},\n\n{by} a créé pour vous un lien de réinitialisation de votre mot de passe \
                 sur le Portail des Maisons de l'Emploi.\n\nOuvrez ce lien, utilisable une seule fois, \
                 jusqu'au {expires}, pour choisir un nouveau mot de passe :\n\n{link}\n\nVos sessions \
                 ouvertes seront alors fermées. Si vous n'avez rien demandé, prévenez l'administration du \
                 réseau (Alliance Villes Emploi).\n\n{signature}\n",
                name = who.name,
                by = by.name,
            ),
        ),
    };
    Mail {
        to: who.email.to_owned(),
        to_name: who.name.to_owned(),
        subject,
        body,
        unsubscribe: None,
    }
}

/// Sends the link (after the transaction is committed) and builds the page that shows it (`shown`) or
/// says where it went.
#[expect(clippy::too_many_arguments, reason = "the page's parts, passed flat")]
pub async fn deliver_and_show(
    state: &AppState,
    ctx: Ctx,
    by: &CurrentUser,
    account_id: i64,
    who: Recipient<'_>,
    purpose: Purpose,
    issued: Issued,
    shown: bool,
) -> AppResult<Response> {
    let link = issued.url(&state.config.base_url, purpose);
    let expires = format::datetime(issued.expires_at);
    let mail = message(purpose, &who, by, &link, &expires);
    let delivery = mail::send(state.config.smtp.as_ref(), mail).await;
    let heading = heading(purpose);
    let mut page = LinkPage {
        ctx,
        heading,
        account_id,
        name: who.name.to_owned(),
        email: who.email.to_owned(),
        link,
        expires,
        expires_iso: format::iso_datetime(issued.expires_at),
        delivery,
        purpose,
        shown,
    };
    if !shown {
        // The link exists only in the e-mail: nothing on this page may carry it.
        page.link.clear();
    }
    Ok(Html(page.render()?).into_response())
}

/// Said instead of making a link nobody could receive: no e-mail can go, and the asker may not see it.
#[derive(Template)]
#[template(path = "accounts/link_by_admin.html")]
struct AskAdminPage {
    ctx: Ctx,
    heading: &'static str,
    account_id: i64,
    name: String,
}

fn heading(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Invitation => "Lien d'invitation",
        Purpose::Reset => "Lien de réinitialisation du mot de passe",
    }
}

async fn issue_for(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    purpose: Purpose,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let account: AccountRow = queries::load_visible(&mut *tx, user, id).await?;
    policy::ensure(rules::can_send_link(user, &account.target()))?;
    let shown = rules::shows_links(user, &account.target());
    let refusal = match purpose {
        _ if !account.active => Some("Ce compte est désactivé : réactivez-le d'abord."),
        Purpose::Invitation if account.has_password => Some(
            "Cette personne a déjà choisi son mot de passe : l'invitation n'est plus nécessaire.",
        ),
        Purpose::Reset if !account.has_password => Some(
            "Cette personne n'a pas encore choisi de mot de passe : renvoyez-lui plutôt l'invitation.",
        ),
        _ => None,
    };
    if let Some(message) = refusal {
        drop(tx);
        return super::refuse(state, &ctx, id, message).await;
    }
    if !shown && state.config.smtp.is_none() {
        drop(tx);
        let page = AskAdminPage {
            ctx,
            heading: heading(purpose),
            account_id: id,
            name: account.name,
        };
        return Ok(Html(page.render()?).into_response());
    }
    let issued = tokens::issue(&mut tx, id, purpose, Some(user.id)).await?;
    let (action, summary) = match purpose {
        Purpose::Invitation => (
            "invitation_renvoyee",
            "Nouveau lien d'invitation (le lien précédent n'est plus valable)".to_owned(),
        ),
        Purpose::Reset => (
            "lien_reinitialisation",
            "Lien de réinitialisation du mot de passe créé".to_owned(),
        ),
    };
    audit::record(&mut *tx, account.event(user, action, summary)).await?;
    tx.commit().await?;
    let affiliation = account.affiliation();
    let who = Recipient {
        name: &account.name,
        email: &account.email,
        affiliation: &affiliation,
    };
    deliver_and_show(state, ctx, user, id, who, purpose, issued, shown).await
}

pub async fn resend_invitation(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    issue_for(&state, &user, ctx, id, Purpose::Invitation).await
}

pub async fn reset_link(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    issue_for(&state, &user, ctx, id, Purpose::Reset).await
}
