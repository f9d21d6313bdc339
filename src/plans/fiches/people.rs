//! Who pilots a fiche and who its referents are, as its form says: the pilot (the Maison itself or one of
//! its partner organisations), the Maison's referent, the pilot organisation's referent; the choices of the
//! referent's select, grouped by organisation.

use super::form::ActionForm;
use super::input::{Choices, opt_id};
use crate::plans::model::{Pilot, PilotReferent};
use crate::plans::queries::PilotPerson;
use crate::web::format;
use crate::web::forms::FieldErrors;

/// The pilots' people of one organisation (an `<optgroup>` of the referent's select).
pub struct PeopleGroup<'a> {
    pub organisation: &'a str,
    pub people: Vec<&'a PilotPerson>,
}

impl Choices {
    /// `pilot_people` grouped by organisation, in their order.
    pub fn pilot_groups(&self) -> Vec<PeopleGroup<'_>> {
        let mut groups: Vec<PeopleGroup<'_>> = Vec::new();
        for p in &self.pilot_people {
            match groups.last_mut() {
                Some(g) if g.people[0].organisation_id == p.organisation_id => g.people.push(p),
                _ => groups.push(PeopleGroup {
                    organisation: &p.organisation,
                    people: vec![p],
                }),
            }
        }
        groups
    }
}

/// The pilot (the Maison itself or one of its partner organisations), the Maison's referent (one of its
/// staff) and the pilot organisation's referent (one of its partner accounts or contacts).
pub(super) fn people(
    form: &ActionForm,
    c: &Choices,
    e: &mut FieldErrors,
) -> (Pilot, Option<i64>, PilotReferent) {
    let pilot = match form.pilot.trim() {
        "" => Pilot::None,
        Pilot::MAISON => Pilot::Maison,
        id => match format::parse_int(id).filter(|id| c.orgs.iter().any(|o| o.id == *id)) {
            Some(id) => Pilot::Organisation(id),
            None => {
                e.add(
                    "pilot",
                    "Le pilote doit être la Maison ou l'un de ses partenaires.",
                );
                Pilot::None
            }
        },
    };
    let referent = match opt_id(&form.referent_account_id) {
        Ok(Some(id)) if c.staff.iter().any(|p| p.id == id) => Some(id),
        Ok(None) => None,
        _ => {
            e.add(
                "referent",
                "Le référent doit être un membre de l'équipe de la Maison.",
            );
            None
        }
    };
    (pilot, referent, pilot_referent(form, c, pilot, e))
}

/// The pilot organisation's referent: one of its people, and none when the Maison pilots.
fn pilot_referent(
    form: &ActionForm,
    c: &Choices,
    pilot: Pilot,
    e: &mut FieldErrors,
) -> PilotReferent {
    let key = form.pilot_referent.trim();
    if key.is_empty() {
        return PilotReferent::None;
    }
    let person = c
        .pilot_people
        .iter()
        .find(|p| p.key == key && Some(p.organisation_id) == pilot.organisation());
    let parsed = |prefix: &str| key.strip_prefix(prefix).and_then(format::parse_int);
    let referent = match person {
        Some(_) if key.starts_with("compte-") => parsed("compte-").map(PilotReferent::Account),
        Some(_) => parsed("contact-").map(PilotReferent::Contact),
        None => None,
    };
    referent.unwrap_or_else(|| {
        e.add(
            "pilot_referent",
            "Le référent du pilote doit être une personne de l'organisation pilote (compte ou contact).",
        );
        PilotReferent::None
    })
}
