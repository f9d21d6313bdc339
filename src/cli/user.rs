use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Args;

use crate::accounts::{LinkPurpose, issue_link};
use crate::audit::{self, Event};
use crate::auth::{Role, password};
use crate::web::forms::violates;

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// admin, staff or partner
    #[arg(long)]
    pub role: String,
    /// The Maison of a staff account.
    #[arg(long)]
    pub maison: Option<i64>,
    /// The organisation of a partner account.
    #[arg(long)]
    pub organisation: Option<i64>,
    /// A staff account that manages its Maison's accounts.
    #[arg(long)]
    pub responsable: bool,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

pub async fn create(database_url: &str, args: CreateArgs) -> anyhow::Result<()> {
    let (role, email, name) = checked(&args)?;
    let pw = password_from_stdin()?;
    let pool = crate::db::prepare(database_url, 2).await?;
    let hash = tokio::task::spawn_blocking(move || password::hash_blocking(&pw)).await??;
    let mut tx = pool.begin().await?;
    let maison = if role == Role::Staff {
        args.maison
    } else {
        None
    };
    let organisation = if role == Role::Partner {
        args.organisation
    } else {
        None
    };
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "insert into account (email, name, role, maison_id, organisation_id, responsable, password_hash)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(&email)
    .bind(&name)
    .bind(role.as_str())
    .bind(maison)
    .bind(organisation)
    .bind(args.responsable)
    .bind(&hash)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if violates(&e, "account_email_key") => {
            bail!("un compte existe déjà avec l'adresse {email} / e-mail already used")
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => {
            bail!("Maison ou organisation introuvable / unknown Maison or organisation")
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut *tx,
        Event::of_account_by_system(
            id,
            maison,
            "creation",
            format!("Compte créé en ligne de commande ({})", role.label()),
        ),
    )
    .await?;
    tx.commit().await?;
    println!("Compte n° {id} créé pour {email} ({}).", role.label());
    Ok(())
}

/// The arguments checked before anything is read or written: the role, the trimmed e-mail and name.
fn checked(args: &CreateArgs) -> anyhow::Result<(Role, String, String)> {
    let Some(role) = Role::parse(&args.role) else {
        bail!(
            "rôle inconnu « {} » : admin, staff ou partner / unknown role",
            args.role
        );
    };
    let email = args.email.trim().to_owned();
    if !email.contains('@') || email.len() > 254 {
        bail!("adresse e-mail invalide / invalid e-mail: {email}");
    }
    let name = args.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("le nom est obligatoire (200 caractères au plus) / name required");
    }
    match role {
        Role::Staff if args.maison.is_none() => {
            bail!("un compte staff exige --maison ID / staff needs --maison")
        }
        Role::Partner if args.organisation.is_none() => {
            bail!("un compte partner exige --organisation ID / partner needs --organisation")
        }
        _ => {}
    }
    if args.responsable && role != Role::Staff {
        bail!("--responsable ne s'applique qu'à un compte staff / --responsable is for staff only");
    }
    if !args.password_stdin {
        bail!("indiquez --password-stdin et passez le mot de passe sur l'entrée standard");
    }
    Ok((role, email, name))
}

/// The password, from the first line of standard input, checked like any new password.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("lecture de l'entrée standard")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if let Err(msg) = password::check_new(&pw, &pw) {
        bail!("{msg}");
    }
    Ok(pw)
}

/// Issues a password-reset link for the account (the one `/comptes/{id}/reinitialisation` gives), records it
/// in the account's history, and prints it: for an administrator who cannot sign in any more, or an account
/// whose Maison has no responsable at hand.
pub async fn reset_password(
    database_url: &str,
    bind: std::net::SocketAddr,
    email: &str,
) -> anyhow::Result<()> {
    let config = crate::config::Config::from_env(database_url.to_owned(), bind)?;
    let pool = crate::db::prepare(database_url, 2).await?;
    let mut tx = pool.begin().await?;
    let account: Option<(i64, String, bool, bool, Option<i64>)> = sqlx::query_as(
        "select id, email, active, password_hash is not null, maison_id from account
         where lower(email) = lower($1)",
    )
    .bind(email.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, email, active, has_password, maison_id)) = account else {
        bail!(
            "aucun compte n'a l'adresse {} / no such account",
            email.trim()
        );
    };
    if !active {
        bail!(
            "le compte {email} est désactivé : réactivez-le d'abord / the account is deactivated"
        );
    }
    if !has_password {
        bail!(
            "{email} n'a pas encore choisi de mot de passe : renvoyez-lui l'invitation depuis sa fiche \
             (Comptes) / no password yet: re-send the invitation"
        );
    }
    let issued = issue_link(&mut tx, id, LinkPurpose::Reset, None).await?;
    audit::record(
        &mut *tx,
        Event::of_account_by_system(
            id,
            maison_id,
            "lien_reinitialisation",
            "Lien de réinitialisation du mot de passe créé en ligne de commande".into(),
        ),
    )
    .await?;
    tx.commit().await?;
    println!("{}", issued.url(&config.base_url, LinkPurpose::Reset));
    eprintln!(
        "Lien à usage unique pour {email}, valable jusqu'au {} (les liens précédents ne valent plus).",
        crate::web::format::datetime(issued.expires_at)
    );
    Ok(())
}
