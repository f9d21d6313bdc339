//! The fiche action's form as typed: its fields, and the four tables (partners, budget lines,
//! indicators, steps) that take any number of lines, added and removed without JavaScript.

use serde::Deserialize;

use crate::plans::model::{Action, Details};
use crate::web::format;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    pub number: String,
    pub title: String,
    pub axis_id: String,
    pub sector_code: String,
    pub objectives: String,
    pub description: String,
    pub target_public: String,
    pub expected_results: String,
    /// `maison`, a partner organisation's id, or empty (`model::Pilot::key`).
    pub pilot: String,
    pub referent_account_id: String,
    /// `compte-<id>`, `contact-<id>` or empty (`model::PilotReferent::key`).
    pub pilot_referent: String,
    pub start_date: String,
    pub end_date: String,
    pub priority: String,
    pub partner_org: Vec<String>,
    pub partner_role: Vec<String>,
    pub funding_funder: Vec<String>,
    pub funding_amount: Vec<String>,
    pub funding_state: Vec<String>,
    /// The funder chosen in the organisation directory (its id), or empty for a funder typed as text.
    pub funding_org: Vec<String>,
    /// The catalogue indicator chosen (its id), or empty for a free label.
    pub ind_indicator: Vec<String>,
    pub ind_label: Vec<String>,
    pub ind_unit: Vec<String>,
    pub ind_target: Vec<String>,
    pub ind_achieved: Vec<String>,
    pub ind_year: Vec<String>,
    pub step_title: Vec<String>,
    pub step_start: Vec<String>,
    pub step_end: Vec<String>,
    /// `StepStatus` codes.
    pub step_status: Vec<String>,
    pub version: String,
    pub form_key: String,
    /// Set by an « Ajouter une ligne » button: the group (`Lines::key`).
    pub ajouter: String,
    /// Set by a « Retirer » button: `group-line`.
    pub retirer: String,
    /// `suivante`: « Enregistrer et ajouter la suivante », the new fiche's form comes next.
    pub ensuite: String,
}

/// The text a line shows in its free field: nothing when the line names the catalogue or the directory.
fn free_text(chosen: Option<i64>, text: &str) -> String {
    if chosen.is_some() {
        String::new()
    } else {
        text.to_owned()
    }
}

pub(super) fn at(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

/// The four tables of the form that take any number of lines. Without JavaScript, a line is added or
/// removed by a submit button (`ajouter` = the group, `retirer` = `group-line`) that re-renders the form
/// with what was typed, saving nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lines {
    Partners,
    Fundings,
    Indicators,
    Steps,
}

impl Lines {
    const ALL: [Lines; 4] = [
        Lines::Partners,
        Lines::Fundings,
        Lines::Indicators,
        Lines::Steps,
    ];

    /// The value of the buttons, also the id of the group's fieldset.
    pub fn key(self) -> &'static str {
        match self {
            Lines::Partners => "partenaires",
            Lines::Fundings => "financements",
            Lines::Indicators => "indicateurs",
            Lines::Steps => "etapes",
        }
    }

    fn parse(s: &str) -> Option<Lines> {
        Lines::ALL.into_iter().find(|l| l.key() == s)
    }
}

/// Rows as the form shows them: what was typed (blank lines included, so that « ligne N » in an error
/// message is the N-th line on screen), ending with one blank line.
pub struct PartnerRow {
    pub org: String,
    pub role: String,
}
pub struct FundingRow {
    pub org: String,
    pub funder: String,
    pub amount: String,
    pub state: String,
}
pub struct StepRow {
    pub title: String,
    pub start: String,
    pub end: String,
    pub status: String,
}
pub struct IndicatorRow {
    pub indicator: String,
    pub label: String,
    pub unit: String,
    pub target: String,
    pub achieved: String,
    pub year: String,
}

impl ActionForm {
    /// How many lines the group has (its longest column).
    pub(super) fn count(&self, lines: Lines) -> usize {
        let columns: &[&Vec<String>] = match lines {
            Lines::Partners => &[&self.partner_org, &self.partner_role],
            Lines::Fundings => &[
                &self.funding_funder,
                &self.funding_amount,
                &self.funding_state,
                &self.funding_org,
            ],
            Lines::Indicators => &[
                &self.ind_label,
                &self.ind_unit,
                &self.ind_target,
                &self.ind_achieved,
                &self.ind_year,
                &self.ind_indicator,
            ],
            Lines::Steps => &[
                &self.step_title,
                &self.step_start,
                &self.step_end,
                &self.step_status,
            ],
        };
        columns.iter().map(|c| c.len()).max().unwrap_or(0)
    }

    fn columns(&mut self, lines: Lines) -> Vec<&mut Vec<String>> {
        match lines {
            Lines::Partners => vec![&mut self.partner_org, &mut self.partner_role],
            Lines::Fundings => vec![
                &mut self.funding_funder,
                &mut self.funding_amount,
                &mut self.funding_state,
                &mut self.funding_org,
            ],
            Lines::Indicators => vec![
                &mut self.ind_label,
                &mut self.ind_unit,
                &mut self.ind_target,
                &mut self.ind_achieved,
                &mut self.ind_year,
                &mut self.ind_indicator,
            ],
            Lines::Steps => vec![
                &mut self.step_title,
                &mut self.step_start,
                &mut self.step_end,
                &mut self.step_status,
            ],
        }
    }

    /// Gives every column of the group the same number of lines; returns it.
    fn even_out(&mut self, lines: Lines) -> usize {
        let n = self.count(lines);
        for c in self.columns(lines) {
            c.resize(n, String::new());
        }
        n
    }

    /// The column of a group that is a choice with a default, not typing (a budget line's state, a
    /// step's status), and that default.
    fn choice_column(lines: Lines) -> Option<(usize, &'static str)> {
        match lines {
            Lines::Fundings => Some((2, "sollicite")),
            Lines::Steps => Some((3, "a_faire")),
            Lines::Partners | Lines::Indicators => None,
        }
    }

    /// A line with nothing typed (its choice column aside).
    fn line_is_blank(&mut self, lines: Lines, i: usize) -> bool {
        let choice = Self::choice_column(lines).map(|(k, _)| k);
        self.columns(lines)
            .iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != choice)
            .all(|(_, c)| c.get(i).is_none_or(|v| v.trim().is_empty()))
    }

    fn add_line(&mut self, lines: Lines) {
        self.even_out(lines);
        let choice = Self::choice_column(lines);
        for (k, c) in self.columns(lines).into_iter().enumerate() {
            c.push(match choice {
                Some((ck, default)) if ck == k => default.into(),
                _ => String::new(),
            });
        }
    }

    /// Removes line `line` (counted from 1 as on screen) of the group.
    fn remove_line(&mut self, lines: Lines, line: usize) {
        let n = self.even_out(lines);
        if (1..=n).contains(&line) {
            for c in self.columns(lines) {
                c.remove(line - 1);
            }
        }
    }

    /// What the form shows: the lines as typed, then a blank line if the last one is not.
    pub fn with_blank_lines(mut self) -> Self {
        for lines in Lines::ALL {
            let n = self.even_out(lines);
            if n == 0 || !self.line_is_blank(lines, n - 1) {
                self.add_line(lines);
            }
        }
        self
    }

    /// Applies an « Ajouter une ligne » or « Retirer » button; false when the form was sent to be saved.
    pub(super) fn edit_lines(&mut self) -> bool {
        let add = std::mem::take(&mut self.ajouter);
        let remove = std::mem::take(&mut self.retirer);
        if add.is_empty() && remove.is_empty() {
            return false;
        }
        if let Some(lines) = Lines::parse(&add) {
            self.add_line(lines);
        }
        if let Some((group, line)) = remove.rsplit_once('-')
            && let (Some(lines), Ok(line)) = (Lines::parse(group), line.parse::<usize>())
        {
            self.remove_line(lines, line);
        }
        true
    }

    pub fn partner_rows(&self) -> Vec<PartnerRow> {
        (0..self.count(Lines::Partners))
            .map(|i| PartnerRow {
                org: at(&self.partner_org, i),
                role: at(&self.partner_role, i),
            })
            .collect()
    }
    pub fn funding_rows(&self) -> Vec<FundingRow> {
        (0..self.count(Lines::Fundings))
            .map(|i| FundingRow {
                org: at(&self.funding_org, i),
                funder: at(&self.funding_funder, i),
                amount: at(&self.funding_amount, i),
                state: at(&self.funding_state, i),
            })
            .collect()
    }
    pub fn indicator_rows(&self) -> Vec<IndicatorRow> {
        (0..self.count(Lines::Indicators))
            .map(|i| IndicatorRow {
                indicator: at(&self.ind_indicator, i),
                label: at(&self.ind_label, i),
                unit: at(&self.ind_unit, i),
                target: at(&self.ind_target, i),
                achieved: at(&self.ind_achieved, i),
                year: at(&self.ind_year, i),
            })
            .collect()
    }

    pub fn step_rows(&self) -> Vec<StepRow> {
        (0..self.count(Lines::Steps))
            .map(|i| StepRow {
                title: at(&self.step_title, i),
                start: at(&self.step_start, i),
                end: at(&self.step_end, i),
                status: at(&self.step_status, i),
            })
            .collect()
    }

    pub(super) fn from_action(a: &Action, d: &Details) -> Self {
        let steps = d.steps.get(&a.id).cloned().unwrap_or_default();
        let partners = d.partners.get(&a.id).cloned().unwrap_or_default();
        let fundings = d.fundings.get(&a.id).cloned().unwrap_or_default();
        let indicators = d.indicators.get(&a.id).cloned().unwrap_or_default();
        ActionForm {
            number: a.number.to_string(),
            title: a.title.clone(),
            axis_id: a.axis_id.to_string(),
            sector_code: a.sector_code.clone().unwrap_or_default(),
            objectives: a.objectives.clone(),
            description: a.description.clone(),
            target_public: a.target_public.clone(),
            expected_results: a.expected_results.clone(),
            pilot: a.pilot_choice().key(),
            pilot_referent: a.pilot_referent_choice().key(),
            referent_account_id: a
                .referent_account_id
                .map(|x| x.to_string())
                .unwrap_or_default(),
            start_date: a.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: a.end_date.map(|d| d.to_string()).unwrap_or_default(),
            priority: a.priority.clone(),
            partner_org: partners
                .iter()
                .map(|p| p.organisation_id.to_string())
                .collect(),
            partner_role: partners.iter().map(|p| p.role.clone()).collect(),
            // A directory funder is shown by its choice, a free-text one by its text.
            funding_org: fundings
                .iter()
                .map(|f| f.organisation_id.map(|o| o.to_string()).unwrap_or_default())
                .collect(),
            funding_funder: fundings
                .iter()
                .map(|f| free_text(f.organisation_id, &f.funder))
                .collect(),
            funding_amount: fundings
                .iter()
                .map(|f| format::decimal(f.amount_cents as f64 / 100.0, 2))
                .collect(),
            funding_state: fundings.iter().map(|f| f.state.clone()).collect(),
            // A catalogue indicator is shown by its choice (its label and unit are the catalogue's).
            ind_indicator: indicators
                .iter()
                .map(|i| i.indicator_id.map(|x| x.to_string()).unwrap_or_default())
                .collect(),
            ind_label: indicators
                .iter()
                .map(|i| free_text(i.indicator_id, &i.label))
                .collect(),
            ind_unit: indicators
                .iter()
                .map(|i| free_text(i.indicator_id, &i.unit))
                .collect(),
            ind_target: indicators.iter().map(|i| i.target_text()).collect(),
            ind_achieved: indicators.iter().map(|i| i.achieved_text()).collect(),
            ind_year: indicators.iter().map(|i| i.year_text()).collect(),
            step_title: steps.iter().map(|s| s.title.clone()).collect(),
            step_start: steps
                .iter()
                .map(|s| s.start_date.map(|d| d.to_string()).unwrap_or_default())
                .collect(),
            step_end: steps
                .iter()
                .map(|s| s.end_date.map(|d| d.to_string()).unwrap_or_default())
                .collect(),
            step_status: steps.iter().map(|s| s.status.as_str().to_owned()).collect(),
            version: a.version.to_string(),
            ..Default::default()
        }
    }
}
