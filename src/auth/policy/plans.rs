//! Plans d'actions and fiches actions: who may read, write, move and review them.
//!
//! - Admins (AVE) read every plan, drafts included (they "read everything", DESIGN.md section 2), and give
//!   the *avis du réseau* on plans submitted to or validated by the copil — never on a draft.
//! - Staff read and write their own Maison's plans; they read other Maisons' validated (and later) plans.
//! - Partners read validated (and later) plans of the Maisons their organisation partners, and add follow-up
//!   notes and progress on the actions their organisation pilots.

use super::CurrentUser;

/// The facts about a plan the rules need.
pub struct PlanFacts<'a> {
    pub maison_id: i64,
    pub status: &'a str,
    /// Whether the user's organisation partners the plan's Maison (partners only).
    pub partnered: bool,
}

/// A plan the copil has validated (and what follows).
pub fn is_published(status: &str) -> bool {
    matches!(status, "valide" | "en_oeuvre" | "cloture")
}

pub fn can_list_plans(_user: &CurrentUser) -> bool {
    true
}

pub fn can_read_plan(user: &CurrentUser, plan: &PlanFacts<'_>) -> bool {
    if user.is_admin() {
        return true;
    }
    if user.is_staff_of(plan.maison_id) {
        return true;
    }
    if user.is_staff() {
        return is_published(plan.status);
    }
    user.is_partner() && plan.partnered && is_published(plan.status)
}

/// Create plans, edit drafts, move the plan through its workflow, record copil decisions.
pub fn can_manage_plan(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

pub fn can_create_plan(user: &CurrentUser) -> bool {
    user.is_staff() && user.maison_id.is_some()
}

/// The *avis du réseau*: admins, on a plan submitted to or validated by its copil (or being run).
pub fn can_review_plan(user: &CurrentUser, status: &str) -> bool {
    user.is_admin() && matches!(status, "soumis" | "valide" | "en_oeuvre")
}

/// The transitions of the plan workflow (from, to); only the Maison's staff make them.
pub const PLAN_TRANSITIONS: &[(&str, &str)] = &[
    ("brouillon", "soumis"),
    ("soumis", "valide"),
    ("soumis", "brouillon"),
    ("valide", "en_oeuvre"),
    ("en_oeuvre", "cloture"),
];

pub fn plan_transition_exists(from: &str, to: &str) -> bool {
    PLAN_TRANSITIONS.contains(&(from, to))
}

/// Status changes and achieved values of an action (follow-up): the Maison's staff.
pub fn can_run_action(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

/// Follow-up notes and progress: the Maison's staff, and partners whose organisation pilots the action.
pub fn can_follow_up_action(user: &CurrentUser, maison_id: i64, pilot: Option<i64>) -> bool {
    user.is_staff_of(maison_id) || pilot.is_some_and(|org| user.is_member_of(org))
}

/// Follow-up happens once the copil has validated the plan and until it is closed.
pub fn plan_accepts_follow_up(status: &str) -> bool {
    matches!(status, "valide" | "en_oeuvre")
}

/// The content of a plan and its fiches can change only while it is a draft.
pub fn plan_content_editable(status: &str) -> bool {
    status == "brouillon"
}

/// The action workflow: à lancer → en cours ⇄ en pause → réalisée | abandonnée.
pub const ACTION_TRANSITIONS: &[(&str, &str)] = &[
    ("a_lancer", "en_cours"),
    ("a_lancer", "abandonnee"),
    ("en_cours", "en_pause"),
    ("en_pause", "en_cours"),
    ("en_cours", "realisee"),
    ("en_pause", "realisee"),
    ("en_cours", "abandonnee"),
    ("en_pause", "abandonnee"),
];

pub fn action_transition_exists(from: &str, to: &str) -> bool {
    ACTION_TRANSITIONS.contains(&(from, to))
}

/// The SQL condition scoping plan lists (alias `p`); binds: $1 role, $2 maison id, $3 organisation id.
/// Mirrors `can_read_plan`.
pub const PLAN_SCOPE_SQL: &str = "($1 = 'admin'
  or ($1 = 'staff' and (p.maison_id = $2 or p.status in ('valide', 'en_oeuvre', 'cloture')))
  or ($1 = 'partner' and p.status in ('valide', 'en_oeuvre', 'cloture')
      and exists (select 1 from partnership ps where ps.maison_id = p.maison_id and ps.organisation_id = $3)))";

#[cfg(test)]
mod tests {
    use super::super::Role;
    use super::super::test_users::user;
    use super::*;

    #[test]
    fn reading_rules() {
        let draft = PlanFacts {
            maison_id: 1,
            status: "brouillon",
            partnered: true,
        };
        let valid = PlanFacts {
            maison_id: 1,
            status: "valide",
            partnered: true,
        };
        let admin = user(Role::Admin, None, None);
        assert!(can_read_plan(&admin, &draft) && can_read_plan(&admin, &valid));
        assert!(!can_review_plan(&admin, "brouillon") && can_review_plan(&admin, "soumis"));
        assert!(can_read_plan(&user(Role::Staff, Some(1), None), &draft));
        assert!(!can_read_plan(&user(Role::Staff, Some(2), None), &draft));
        assert!(can_read_plan(&user(Role::Staff, Some(2), None), &valid));
        let partner = user(Role::Partner, None, Some(5));
        assert!(!can_read_plan(&partner, &draft) && can_read_plan(&partner, &valid));
        let stranger = PlanFacts {
            maison_id: 1,
            status: "valide",
            partnered: false,
        };
        assert!(!can_read_plan(&partner, &stranger));
        assert!(can_follow_up_action(&partner, 1, Some(5)));
        assert!(!can_follow_up_action(&partner, 1, Some(6)));
        assert!(!can_run_action(&partner, 1));
    }
}
