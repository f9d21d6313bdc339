//! The person's open sessions on `/profil` — the device each one runs on (read from the browser's
//! User-Agent), when it was opened and last used, this one marked — and « Se déconnecter partout »: end
//! every other session, or all of them (this one too). Journaled on the account (how many, no device).

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::session::{self, OpenSession};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, Form, Signed, format, outcome};

/// One line of the list.
pub struct SessionLine {
    pub device: String,
    pub opened: String,
    pub last_used: String,
    pub current: bool,
}

pub async fn lines(
    state: &AppState,
    user: &CurrentUser,
    ctx: &Ctx,
) -> sqlx::Result<Vec<SessionLine>> {
    let open: Vec<OpenSession> = session::open_sessions(&state.db, user.id).await?;
    Ok(open
        .into_iter()
        .map(|s| SessionLine {
            device: device(&s.user_agent),
            opened: format::datetime(s.created_at),
            last_used: format::datetime(s.last_seen_at),
            current: ctx.session_hash.as_deref() == Some(s.id_hash.as_str()),
        })
        .collect())
}

/// « Firefox sur Windows », from a User-Agent; « Appareil inconnu » when it says nothing we know.
pub fn device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        Some("Opera")
    } else if ua.contains("Firefox/") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        Some("Chrome")
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} sur {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("Navigateur sur {s}"),
        (None, None) => "Appareil inconnu".to_owned(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    /// `toutes`: this session too; anything else: the others.
    portee: String,
}

pub async fn end(
    Signed { state, user, ctx }: Signed,
    jar: CookieJar,
    Form(f): Form<EndForm>,
) -> AppResult<Response> {
    let all = f.portee == "toutes";
    let keep = ctx.session_hash.clone().unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let ended = if all {
        session::destroy_all(&mut *tx, user.id).await?
    } else {
        session::destroy_others(&mut *tx, user.id, &keep).await?
    };
    let event = Event::of_own_account(
        user.id,
        user.maison_id,
        "deconnexion_partout",
        if all {
            format!("Déconnexion partout : {ended} session(s) fermée(s), celle-ci comprise")
        } else {
            format!("Déconnexion partout : {ended} autre(s) session(s) fermée(s)")
        },
    );
    if all {
        audit::record(&mut *tx, event).await?;
        tx.commit().await?;
        let jar = jar.add(session::removal_cookie(state.config.secure_cookies));
        return Ok((jar, Redirect::to("/connexion?deconnexion=1")).into_response());
    }
    let message = match ended {
        0 => "Vous n'aviez pas d'autre session ouverte.".to_owned(),
        1 => "Votre autre session a été fermée.".to_owned(),
        n => format!("Vos {n} autres sessions ont été fermées."),
    };
    outcome::done(tx, &ctx, event, &message, "/profil").await
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_read_from_the_user_agent() {
        assert_eq!(
            device(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
            ),
            "Firefox sur Windows"
        );
        assert_eq!(
            device(
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0 Mobile Safari/537.36"
            ),
            "Chrome sur Android"
        );
        assert_eq!(
            device(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like \
                 Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
            ),
            "Safari sur iPhone"
        );
        assert_eq!(
            device(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0 Safari/537.36 Edg/131.0"
            ),
            "Edge sur macOS"
        );
        assert_eq!(device(""), "Appareil inconnu");
        assert_eq!(device("curl/8.5.0"), "Appareil inconnu");
    }
}
