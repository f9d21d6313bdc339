//! Checking a fiche's form: what it asks to save (`ActionInput`) or the French messages beside its
//! fields; the choices it offers (axes, filières, partner organisations, staff).

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::form::{ActionForm, Lines, at};
use crate::domain::sector;
use crate::plans::model::{
    self, Axis, CatalogueIndicator, Org, Person, Pilot, PilotReferent, Plan, Sector, StepStatus,
};
use crate::plans::queries::{self, PilotPerson};
use crate::web::format;
use crate::web::forms::FieldErrors;

/// The largest budget line accepted: beyond, it is a typing mistake (a Maison's yearly budget is a few M€).
const MAX_AMOUNT_CENTS: i64 = 5_000_000_000;

pub struct ActionInput {
    pub(super) number: i32,
    pub(super) title: String,
    pub(super) axis_id: i32,
    pub(super) sector_code: Option<String>,
    pub(super) objectives: String,
    pub(super) description: String,
    pub(super) target_public: String,
    pub(super) expected_results: String,
    pub(super) pilot: Pilot,
    pub(super) referent: Option<i64>,
    pub(super) pilot_referent: PilotReferent,
    pub(super) start: Option<NaiveDate>,
    pub(super) end: Option<NaiveDate>,
    pub(super) priority: String,
    pub(super) partners: Vec<(i64, String)>,
    pub(super) fundings: Vec<FundingInput>,
    pub(super) indicators: Vec<IndicatorInput>,
    pub(super) steps: Vec<StepInput>,
}

/// A step: its title, optional dates (the end not before the start), its status.
pub struct StepInput {
    pub(super) title: String,
    pub(super) start: Option<NaiveDate>,
    pub(super) end: Option<NaiveDate>,
    pub(super) status: StepStatus,
}

/// A budget line: its funder (the directory's organisation and its name, or a name typed as free text),
/// the amount in cents, acquis or sollicite.
pub struct FundingInput {
    pub(super) funder: String,
    pub(super) organisation_id: Option<i64>,
    pub(super) cents: i64,
    pub(super) state: String,
}

/// A result line: a catalogue indicator (its label and unit) or a free label and unit.
pub struct IndicatorInput {
    pub(super) indicator_id: Option<i64>,
    pub(super) label: String,
    pub(super) unit: String,
    pub(super) target: Option<f64>,
    pub(super) achieved: Option<f64>,
    pub(super) year: Option<i32>,
}

/// What the form needs to offer its choices (and to check them).
pub struct Choices {
    pub axes: Vec<Axis>,
    pub sectors: Vec<Sector>,
    pub orgs: Vec<Org>,
    pub staff: Vec<Person>,
    /// The Maison's name (the pilot option « the Maison itself »).
    pub maison_name: String,
    /// Who may be the pilot organisation's referent (`queries::pilot_people`).
    pub pilot_people: Vec<PilotPerson>,
    /// Funders of the directory the budget lines may name (`queries::funder_orgs`).
    pub funders: Vec<Org>,
    /// Catalogue indicators the results may name (`queries::catalogue_indicators`).
    pub catalogue: Vec<CatalogueIndicator>,
}

pub(super) async fn choices(conn: &mut PgConnection, plan: &Plan) -> sqlx::Result<Choices> {
    Ok(Choices {
        axes: queries::axes(conn, &plan.charter).await?,
        sectors: sector::all(&mut *conn).await?,
        orgs: queries::partner_orgs(conn, plan.maison_id).await?,
        staff: queries::staff_accounts(conn, plan.maison_id).await?,
        maison_name: plan.maison_name.clone(),
        pilot_people: queries::pilot_people(conn, plan.maison_id).await?,
        funders: queries::funder_orgs(conn, plan.maison_id, plan.id).await?,
        catalogue: queries::catalogue_indicators(conn, plan.id).await?,
    })
}

pub(super) fn opt_id(s: &str) -> Result<Option<i64>, ()> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        format::parse_int(s).map(Some).ok_or(())
    }
}

/// What the form asks to save, or the French message of each field to correct.
pub(super) fn validate(form: &ActionForm, c: &Choices) -> (Option<ActionInput>, FieldErrors) {
    let mut e = FieldErrors::default();
    let mut input = head(form, c, &mut e);
    input.partners = partners(form, c, &mut e);
    input.fundings = fundings(form, c, &mut e);
    input.indicators = indicators(form, c, &mut e);
    input.steps = steps(form, &mut e);
    if e.is_empty() {
        (Some(input), e)
    } else {
        (None, e)
    }
}

/// The fiche's own fields (its tables left empty); values in error are replaced by defaults, the input
/// being dropped when `e` is not empty.
fn head(form: &ActionForm, c: &Choices, e: &mut FieldErrors) -> ActionInput {
    let number = format::parse_int(&form.number).filter(|n| (1..=9999).contains(n));
    if number.is_none() {
        e.add("number", "Indiquez un numéro de fiche entre 1 et 9 999.");
    }
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        e.add("title", "Indiquez l'intitulé de l'action.");
    } else if title.chars().count() > 200 {
        e.add("title", "L'intitulé ne peut dépasser 200 caractères.");
    }
    let axis_id = format::parse_int(&form.axis_id)
        .and_then(|id| c.axes.iter().find(|a| i64::from(a.id) == id))
        .map(|a| a.id);
    if axis_id.is_none() {
        e.add(
            "axis_id",
            if form.axis_id.trim().is_empty() {
                "Choisissez l'axe du cahier des charges."
            } else {
                "Cet axe n'existe pas pour ce plan."
            },
        );
    }
    let sector_code = match form.sector_code.trim() {
        "" => None,
        code if c.sectors.iter().any(|s| s.code == code) => Some(code.to_owned()),
        _ => {
            e.add("sector_code", "Cette filière n'existe pas.");
            None
        }
    };
    let (pilot, referent, pilot_referent) = super::people::people(form, c, e);
    let (start, end) = dates(form, e);
    ActionInput {
        number: number.unwrap_or(1) as i32,
        title,
        axis_id: axis_id.unwrap_or_default(),
        sector_code,
        objectives: form.objectives.trim().to_owned(),
        description: form.description.trim().to_owned(),
        target_public: form.target_public.trim().to_owned(),
        expected_results: form.expected_results.trim().to_owned(),
        pilot,
        referent,
        pilot_referent,
        start,
        end,
        priority: priority(form, e),
        partners: Vec::new(),
        fundings: Vec::new(),
        indicators: Vec::new(),
        steps: Vec::new(),
    }
}

/// The start and end dates, both optional, the end not before the start.
fn dates(form: &ActionForm, e: &mut FieldErrors) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let mut parse_opt_date = |s: &str, field: &'static str, label: &str| -> Option<NaiveDate> {
        if s.trim().is_empty() {
            return None;
        }
        let d = format::parse_date(s);
        if d.is_none() {
            e.add(
                field,
                format!("La date de {label} n'est pas valide (jj/mm/aaaa)."),
            );
        }
        d
    };
    let start = parse_opt_date(&form.start_date, "start_date", "début");
    let end = parse_opt_date(&form.end_date, "end_date", "fin");
    if let (Some(s), Some(en)) = (start, end)
        && en < s
    {
        e.add(
            "end_date",
            "La date de fin ne peut pas précéder la date de début.",
        );
    }
    (start, end)
}

/// The priority (moyenne when not chosen), and the length of the fiche's texts.
fn priority(form: &ActionForm, e: &mut FieldErrors) -> String {
    let priority = if form.priority.is_empty() {
        "moyenne".to_owned()
    } else {
        form.priority.clone()
    };
    if !model::PRIORITIES.iter().any(|(k, _)| *k == priority) {
        e.add(
            "priority",
            "Choisissez une priorité : haute, moyenne ou basse.",
        );
    }
    for t in [
        &form.objectives,
        &form.description,
        &form.target_public,
        &form.expected_results,
    ] {
        if t.chars().count() > 10_000 {
            e.add(
                "texts",
                "Chaque texte de la fiche est limité à 10 000 caractères.",
            );
        }
    }
    priority
}

/// The partner organisations and their roles; blank lines are skipped, a line in error is named by its
/// number on screen.
fn partners(form: &ActionForm, c: &Choices, e: &mut FieldErrors) -> Vec<(i64, String)> {
    let mut partners: Vec<(i64, String)> = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Partners) {
        let org = at(&form.partner_org, i);
        let role = at(&form.partner_role, i).trim().to_owned();
        if org.trim().is_empty() {
            if !role.is_empty() {
                bad.push(format!("ligne {} : choisissez l'organisation", i + 1));
            }
            continue;
        }
        match format::parse_int(&org).filter(|id| c.orgs.iter().any(|o| o.id == *id)) {
            Some(id) if partners.iter().any(|(p, _)| *p == id) => {
                bad.push(format!("ligne {} : organisation en double", i + 1))
            }
            Some(id) if role.chars().count() <= 200 => partners.push((id, role)),
            Some(_) => bad.push(format!("ligne {} : rôle trop long", i + 1)),
            None => bad.push(format!("ligne {} : organisation inconnue", i + 1)),
        }
    }
    if !bad.is_empty() {
        e.add(
            "partners",
            format!("Partenaires à corriger — {}.", bad.join(" ; ")),
        );
    }
    partners
}

/// The budget lines: funder (chosen in the directory, or typed), amount in cents, acquis or sollicité.
fn fundings(form: &ActionForm, c: &Choices, e: &mut FieldErrors) -> Vec<FundingInput> {
    let mut fundings = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Fundings) {
        let org = at(&form.funding_org, i);
        let text = at(&form.funding_funder, i).trim().to_owned();
        let amount = at(&form.funding_amount, i);
        if org.trim().is_empty() && text.is_empty() && amount.trim().is_empty() {
            continue;
        }
        let funder = match funder_of(&org, &text, c) {
            Ok(f) => f,
            Err(why) => {
                bad.push(format!("ligne {} : {why}", i + 1));
                continue;
            }
        };
        let state = at(&form.funding_state, i);
        let state = if state == "acquis" {
            "acquis"
        } else {
            "sollicite"
        };
        match format::parse_money_cents(&amount) {
            Some(c) if c < 0 => bad.push(format!(
                "ligne {} : le montant ne peut pas être négatif",
                i + 1
            )),
            Some(c) if c > MAX_AMOUNT_CENTS => bad.push(format!(
                "ligne {} : montant invraisemblable (au plus {})",
                i + 1,
                format::money(MAX_AMOUNT_CENTS)
            )),
            Some(cents) => fundings.push(FundingInput {
                funder: funder.0,
                organisation_id: funder.1,
                cents,
                state: state.to_owned(),
            }),
            None => bad.push(format!(
                "ligne {} : montant illisible (exemple : 12 345,50)",
                i + 1
            )),
        }
    }
    if !bad.is_empty() {
        e.add(
            "fundings",
            format!("Budget à corriger — {}.", bad.join(" ; ")),
        );
    }
    fundings
}

/// A budget line's funder: the directory's organisation chosen (its name), or the name typed — not both.
fn funder_of(org: &str, text: &str, c: &Choices) -> Result<(String, Option<i64>), &'static str> {
    if org.trim().is_empty() {
        return if text.is_empty() || text.chars().count() > 200 {
            Err("indiquez le financeur")
        } else {
            Ok((text.to_owned(), None))
        };
    }
    let o = format::parse_int(org)
        .and_then(|id| c.funders.iter().find(|o| o.id == id))
        .ok_or("financeur inconnu de l'annuaire")?;
    if !text.is_empty() && text != o.name {
        return Err("choisissez le financeur dans l'annuaire ou écrivez son nom, pas les deux");
    }
    Ok((o.name.clone(), Some(o.id)))
}

/// A positive number below 10¹², or nothing when the field is empty.
fn opt_value(s: &str) -> Result<Option<f64>, ()> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        format::parse_decimal(s)
            .filter(|v| *v >= 0.0 && *v < 1e12)
            .map(Some)
            .ok_or(())
    }
}

/// The indicators: catalogue indicator or free label and unit, target, achieved, year.
fn indicators(form: &ActionForm, c: &Choices, e: &mut FieldErrors) -> Vec<IndicatorInput> {
    let mut indicators = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Indicators) {
        let chosen = at(&form.ind_indicator, i);
        let label = at(&form.ind_label, i).trim().to_owned();
        let unit = at(&form.ind_unit, i).trim().to_owned();
        let target = at(&form.ind_target, i);
        let achieved = at(&form.ind_achieved, i);
        let year = at(&form.ind_year, i);
        if chosen.trim().is_empty()
            && label.is_empty()
            && unit.is_empty()
            && target.trim().is_empty()
            && achieved.trim().is_empty()
        {
            continue;
        }
        let (indicator_id, label, unit) = match measure_of(&chosen, label, unit, c) {
            Ok(m) => m,
            Err(why) => {
                bad.push(format!("ligne {} : {why}", i + 1));
                continue;
            }
        };
        let y = if year.trim().is_empty() {
            Ok(None)
        } else {
            format::parse_int(&year)
                .filter(|y| (2000..=2100).contains(y))
                .map(|y| Some(y as i32))
                .ok_or(())
        };
        match (opt_value(&target), opt_value(&achieved), y) {
            (Ok(target), Ok(achieved), Ok(year)) => indicators.push(IndicatorInput {
                indicator_id,
                label,
                unit,
                target,
                achieved,
                year,
            }),
            (Err(_), _, _) | (_, Err(_), _) => bad.push(format!(
                "ligne {} : cible ou réalisé doit être un nombre positif",
                i + 1
            )),
            _ => bad.push(format!("ligne {} : année entre 2000 et 2100", i + 1)),
        }
    }
    if !bad.is_empty() {
        e.add(
            "indicators",
            format!("Indicateurs à corriger — {}.", bad.join(" ; ")),
        );
    }
    indicators
}

/// What a result line measures: the catalogue indicator chosen (its label and unit), or the label and
/// unit typed — not both.
fn measure_of(
    chosen: &str,
    label: String,
    unit: String,
    c: &Choices,
) -> Result<(Option<i64>, String, String), &'static str> {
    if chosen.trim().is_empty() {
        return if label.is_empty() || label.chars().count() > 200 {
            Err("choisissez un indicateur du catalogue ou indiquez le libellé")
        } else if unit.chars().count() > 50 {
            Err("unité trop longue")
        } else {
            Ok((None, label, unit))
        };
    }
    let ind = format::parse_int(chosen)
        .and_then(|id| c.catalogue.iter().find(|i| i.id == id))
        .ok_or("indicateur inconnu du catalogue")?;
    if (!label.is_empty() && label != ind.label) || (!unit.is_empty() && unit != ind.unit) {
        return Err(
            "choisissez un indicateur du catalogue ou écrivez un libellé libre, pas les deux",
        );
    }
    Ok((Some(ind.id), ind.label.clone(), ind.unit.clone()))
}

/// The steps: a title, optional dates (jj/mm/aaaa or the date field's), a status; blank lines skipped.
fn steps(form: &ActionForm, e: &mut FieldErrors) -> Vec<StepInput> {
    let mut steps = Vec::new();
    let mut bad = Vec::new();
    let date = |s: &str| -> Result<Option<NaiveDate>, ()> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            format::parse_date(s).map(Some).ok_or(())
        }
    };
    for i in 0..form.count(Lines::Steps) {
        let title = at(&form.step_title, i).trim().to_owned();
        let (start, end) = (at(&form.step_start, i), at(&form.step_end, i));
        if title.is_empty() && start.trim().is_empty() && end.trim().is_empty() {
            continue;
        }
        let status = at(&form.step_status, i).parse::<StepStatus>();
        match (date(&start), date(&end), status) {
            _ if title.is_empty() => bad.push(format!("ligne {} : indiquez l'intitulé", i + 1)),
            _ if title.chars().count() > 200 => {
                bad.push(format!("ligne {} : intitulé trop long", i + 1))
            }
            (Ok(Some(s)), Ok(Some(en)), _) if en < s => bad.push(format!(
                "ligne {} : la fin ne peut pas précéder le début",
                i + 1
            )),
            (Ok(start), Ok(end), Ok(status)) => steps.push(StepInput {
                title,
                start,
                end,
                status,
            }),
            (Ok(_), Ok(_), Err(_)) => bad.push(format!("ligne {} : statut inconnu", i + 1)),
            _ => bad.push(format!("ligne {} : date illisible (jj/mm/aaaa)", i + 1)),
        }
    }
    if !bad.is_empty() {
        e.add("steps", format!("Étapes à corriger — {}.", bad.join(" ; ")));
    }
    steps
}
