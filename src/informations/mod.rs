//! The pages every French public-service site owes its users, readable signed out and linked from every
//! page's footer: the accessibility statement (RGAA 4.1 form), the legal notices (LCEN art. 6), the
//! personal-data page (RGPD art. 13), the site map and the help. Who runs the portal comes from the settings
//! (`config::Operator`); what the pages state about retention comes from the settings and constants the
//! code applies, so that the page says what the portal does.

mod site_map;

use std::sync::OnceLock;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::config::Operator;
use crate::domain::labels;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accessibilite", get(accessibility))
        .route("/mentions-legales", get(legal_notice))
        .route("/donnees-personnelles", get(personal_data))
        .route("/plan-du-site", get(site_map))
        .route("/aide", get(help))
}

/// The footer's links, in the order of the footer (the site map lists them too).
pub const PAGES: &[(&str, &str)] = &[
    ("/accessibilite", "Accessibilité : partiellement conforme"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/plan-du-site", "Plan du site"),
    ("/aide", "Aide"),
];

/// The date this accessibility statement was written (RGAA: « Établissement de cette déclaration »).
const STATEMENT_DATE: &str = "2 décembre 2026";

/// One setting of the operator as a page shows it: its value, or that it is still to be set and where.
pub struct Setting {
    pub value: Option<String>,
    pub name: &'static str,
}

impl Setting {
    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }
}

/// The operator's settings for the templates.
pub struct Who {
    pub name: Setting,
    pub address: Setting,
    pub contact: Setting,
    pub publication_director: Setting,
    pub host: Setting,
    pub dpo_contact: Setting,
}

impl Who {
    fn of(op: &Operator) -> Who {
        let s = |value: &Option<String>, name| Setting {
            value: value.clone(),
            name,
        };
        Who {
            name: s(&op.name, "MDE_OPERATOR_NAME"),
            address: s(&op.address, "MDE_OPERATOR_ADDRESS"),
            contact: s(&op.contact, "MDE_OPERATOR_CONTACT"),
            publication_director: s(&op.publication_director, "MDE_PUBLICATION_DIRECTOR"),
            host: s(&op.host, "MDE_HOST"),
            dpo_contact: s(&op.dpo_contact, "MDE_DPO_CONTACT"),
        }
    }
}

/// The versions of the test tools, as `package-lock.json` pins them (the file the suite installs from).
pub struct ToolVersions {
    pub axe: String,
    pub vnu: String,
    pub playwright: String,
}

fn tool_versions() -> &'static ToolVersions {
    static VERSIONS: OnceLock<ToolVersions> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        let lock: serde_json::Value =
            serde_json::from_str(include_str!("../../package-lock.json")).unwrap_or_default();
        let version = |package: &str| {
            lock.get("packages")
                .and_then(|p| p.get(format!("node_modules/{package}")))
                .and_then(|p| p.get("version"))
                .and_then(|v| v.as_str())
                .unwrap_or("(version inconnue)")
                .to_owned()
        };
        ToolVersions {
            axe: version("axe-core"),
            vnu: version("vnu-jar"),
            playwright: version("playwright-core"),
        }
    })
}

#[derive(Template)]
#[template(path = "informations/accessibilite.html")]
struct AccessibilityPage {
    ctx: Ctx,
    who: Who,
    base_url: String,
    tools: &'static ToolVersions,
    statement_date: &'static str,
}

async fn accessibility(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let page = AccessibilityPage {
        ctx,
        who: Who::of(&state.config.operator),
        base_url: state.config.base_url.clone(),
        tools: tool_versions(),
        statement_date: STATEMENT_DATE,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "informations/mentions.html")]
struct LegalNoticePage {
    ctx: Ctx,
    who: Who,
    base_url: String,
}

async fn legal_notice(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let page = LegalNoticePage {
        ctx,
        who: Who::of(&state.config.operator),
        base_url: state.config.base_url.clone(),
    };
    Ok(Html(page.render()?).into_response())
}

/// How long the portal keeps what, from the settings and constants the code applies.
pub struct Retention {
    pub session_idle: String,
    pub invitation: String,
    pub reset: String,
    /// The retention task's periods (`config::Retention`).
    pub inactive: String,
    pub notice: String,
    pub notification: String,
    pub link: String,
    pub proposal: String,
    /// Refused sign-ins and requests of reset links (`auth::session::THROTTLE_KEPT_DAYS`).
    pub throttle: String,
}

/// `1` → « 1 jour », `365` → « 365 jours ».
fn days_label(days: u32) -> String {
    match days {
        1 => "1 jour".into(),
        d => format!("{} jours", crate::web::format::int(d.into())),
    }
}

/// `120` minutes → « 2 heures »; `90` → « 90 minutes ».
fn minutes_label(minutes: u64) -> String {
    match minutes {
        1 => "1 minute".into(),
        m if m % 60 == 0 && m >= 60 => match m / 60 {
            1 => "1 heure".into(),
            h if h % 24 == 0 && h / 24 > 1 => format!("{} jours", h / 24),
            24 => "24 heures".into(),
            h => format!("{h} heures"),
        },
        m => format!("{m} minutes"),
    }
}

#[derive(Template)]
#[template(path = "informations/donnees.html")]
struct PersonalDataPage {
    ctx: Ctx,
    who: Who,
    retention: Retention,
}

async fn personal_data(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let link = |purpose: crate::accounts::LinkPurpose| {
        minutes_label(purpose.lifetime().num_minutes().max(0) as u64)
    };
    let page = PersonalDataPage {
        ctx,
        who: Who::of(&state.config.operator),
        retention: Retention {
            session_idle: minutes_label(state.config.session_idle.as_secs() / 60),
            invitation: link(crate::accounts::LinkPurpose::Invitation),
            reset: link(crate::accounts::LinkPurpose::Reset),
            inactive: days_label(state.config.retention.inactive_days),
            notice: days_label(state.config.retention.notice_days),
            notification: days_label(state.config.retention.notification_days),
            link: days_label(state.config.retention.link_days),
            proposal: days_label(state.config.retention.proposal_days),
            throttle: days_label(crate::auth::session::THROTTLE_KEPT_DAYS.unsigned_abs()),
        },
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "informations/plan.html")]
struct SiteMapPage {
    ctx: Ctx,
    sections: Vec<site_map::Entry>,
    pages: &'static [(&'static str, &'static str)],
}

async fn site_map(ctx: Ctx) -> AppResult<Response> {
    // The sections are the main navigation's, and the pages under them those the policy lets the visitor open.
    let sections = site_map::entries(ctx.user.as_ref());
    let page = SiteMapPage {
        ctx,
        sections,
        pages: PAGES,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "informations/aide.html")]
struct HelpPage {
    ctx: Ctx,
    /// The method's steps, as headings (« Mobilisation des acteurs »).
    phases: [String; 5],
    /// The sections of the navigation the visitor may open: the page links those, names the others.
    sections: Vec<String>,
}

impl HelpPage {
    fn opens(&self, href: &str) -> bool {
        self.sections.iter().any(|s| s == href)
    }
}

/// « mise en œuvre » → « Mise en œuvre ».
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn help(ctx: Ctx) -> AppResult<Response> {
    let phases = labels::PHASES.map(|p| capitalised(labels::phase_label(p)));
    let sections = crate::web::nav::items(ctx.user.as_ref(), "")
        .into_iter()
        .map(|i| i.href.to_owned())
        .collect();
    let page = HelpPage {
        ctx,
        phases,
        sections,
    };
    Ok(Html(page.render()?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_french() {
        assert_eq!(minutes_label(120), "2 heures");
        assert_eq!(minutes_label(60), "1 heure");
        assert_eq!(minutes_label(90), "90 minutes");
        assert_eq!(minutes_label(24 * 60), "24 heures");
        assert_eq!(minutes_label(7 * 24 * 60), "7 jours");
        assert_eq!(days_label(1), "1 jour");
        assert_eq!(days_label(365), "365 jours");
        assert_eq!(capitalised("mise en œuvre"), "Mise en œuvre");
        assert_eq!(capitalised("évaluation"), "Évaluation");
    }

    #[test]
    fn tool_versions_come_from_the_lock_file() {
        let v = tool_versions();
        for version in [&v.axe, &v.vnu, &v.playwright] {
            assert!(
                version.chars().next().is_some_and(|c| c.is_ascii_digit()),
                "{version}"
            );
        }
    }
}
