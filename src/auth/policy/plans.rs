//! Plans d'actions and fiches actions: who may read, write, move and review them.
//!
//! - Admins (AVE) read every plan, drafts included (they "read everything", DESIGN.md section 2), and give
//!   the *avis du réseau* on plans submitted to or validated by the copil — never on a draft.
//! - Staff read and write their own Maison's plans; they read other Maisons' validated (and later) plans.
//! - Partners read validated (and later) plans of the Maisons their organisation partners. The pilot role:
//!   the partners of the organisation that pilots an action report on it (status, progress, achieved
//!   values, notes) in those plans, and list the actions it pilots (« Mes actions »); the Maison's staff keep
//!   the right to correct.

use super::CurrentUser;
pub use crate::domain::plan::{ActionStatus, PlanStatus};

/// The facts about a plan the rules need.
pub struct PlanFacts {
    pub maison_id: i64,
    pub status: PlanStatus,
    /// Whether the user's organisation partners the plan's Maison (partners only).
    pub partnered: bool,
}

/// A plan the copil has validated (and what follows).
pub fn is_published(status: PlanStatus) -> bool {
    status.is_published()
}

pub fn can_list_plans(_user: &CurrentUser) -> bool {
    true
}

pub fn can_read_plan(user: &CurrentUser, plan: &PlanFacts) -> bool {
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
pub fn can_review_plan(user: &CurrentUser, status: PlanStatus) -> bool {
    user.is_admin()
        && match status {
            PlanStatus::Soumis | PlanStatus::Valide | PlanStatus::EnOeuvre => true,
            PlanStatus::Brouillon | PlanStatus::Cloture => false,
        }
}

/// Who speaks in the conversation under an avis du réseau.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReviewSide {
    /// The plan's Maison (its staff).
    Maison,
    /// The Alliance Villes Emploi (admins).
    Reseau,
}

impl ReviewSide {
    /// The code stored in `network_review_reply.side`.
    pub fn code(self) -> &'static str {
        match self {
            ReviewSide::Maison => "maison",
            ReviewSide::Reseau => "reseau",
        }
    }
}

/// The replies under an avis du réseau: the plan's Maison (its staff) answers it, AVE (admins) answers
/// back, whatever the plan's state; they alone read the thread. Partners and other Maisons: `None` (404).
pub fn review_reply_side(user: &CurrentUser, maison_id: i64) -> Option<ReviewSide> {
    if user.is_admin() {
        Some(ReviewSide::Reseau)
    } else if user.is_staff_of(maison_id) {
        Some(ReviewSide::Maison)
    } else {
        None
    }
}

/// The transitions of the plan workflow (`PlanStatus::next`); only the Maison's staff make them.
pub fn plan_transition_exists(from: PlanStatus, to: PlanStatus) -> bool {
    from.can_move_to(to)
}

/// The follow-up (status, progress, achieved values, notes): the Maison's staff, and the partners whose
/// organisation pilots the action (the pilot role; the plan must also be readable, `can_read_plan`).
pub fn can_follow_up_action(user: &CurrentUser, maison_id: i64, pilot: Option<i64>) -> bool {
    user.is_staff_of(maison_id) || pilot.is_some_and(|org| user.is_member_of(org))
}

/// Proofs (documents) on a fiche action: the Maison's staff while the plan is not closed (a convention may be
/// joined to a draft); the pilot (partners of the organisation that pilots it) while the plan is followed up.
/// Reading them is reading the fiche (`can_read_plan`).
pub fn can_add_action_document(
    user: &CurrentUser,
    maison_id: i64,
    pilot: Option<i64>,
    status: PlanStatus,
) -> bool {
    let open_to_staff = match status {
        PlanStatus::Brouillon | PlanStatus::Soumis | PlanStatus::Valide | PlanStatus::EnOeuvre => {
            true
        }
        PlanStatus::Cloture => false,
    };
    (user.is_staff_of(maison_id) && open_to_staff)
        || (pilot.is_some_and(|org| user.is_member_of(org)) && plan_accepts_follow_up(status))
}

/// Removing a proof: whoever may add one, the Maison's staff any proof (they correct), the pilot those its
/// account added.
pub fn can_remove_action_document(
    user: &CurrentUser,
    maison_id: i64,
    pilot: Option<i64>,
    status: PlanStatus,
    uploaded_by: Option<i64>,
) -> bool {
    can_add_action_document(user, maison_id, pilot, status)
        && (user.is_staff_of(maison_id) || uploaded_by == Some(user.id))
}

/// « Mes actions »: the partners, for the actions their organisation pilots (`PILOTED_SCOPE_SQL`).
pub fn can_list_piloted_actions(user: &CurrentUser) -> bool {
    user.is_partner() && user.organisation_id.is_some()
}

/// The SQL condition of « Mes actions » (aliases `a` the action, `p` its plan); binds: $1 the user's
/// organisation. The actions it pilots in the plans it may read (`can_read_plan` for a partner:
/// validated or later, of a Maison it partners).
pub const PILOTED_SCOPE_SQL: &str = "a.pilot_organisation_id = $1
  and p.status in ('valide', 'en_oeuvre', 'cloture')
  and exists (select 1 from partnership ps where ps.maison_id = p.maison_id and ps.organisation_id = $1)";

/// Follow-up happens once the copil has validated the plan and until it is closed.
pub fn plan_accepts_follow_up(status: PlanStatus) -> bool {
    match status {
        PlanStatus::Valide | PlanStatus::EnOeuvre => true,
        PlanStatus::Brouillon | PlanStatus::Soumis | PlanStatus::Cloture => false,
    }
}

/// The content of a plan and its fiches can change only while it is a draft.
pub fn plan_content_editable(status: PlanStatus) -> bool {
    status == PlanStatus::Brouillon
}

/// The action workflow (`ActionStatus::next`): à lancer → en cours ⇄ en pause → réalisée | abandonnée.
pub fn action_transition_exists(from: ActionStatus, to: ActionStatus) -> bool {
    from.can_move_to(to)
}

/// The evaluation of a fiche action (issue 18): written by the Maison's staff; read by whoever reads the
/// plan (`can_read_plan`).
pub fn can_evaluate_action(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

/// An action is evaluated once réalisée or abandonnée (what failed teaches too), in a plan the copil
/// validated, or once its plan is closed, whatever became of it.
pub fn action_evaluable(plan: PlanStatus, action: ActionStatus) -> bool {
    match plan {
        PlanStatus::Cloture => true,
        PlanStatus::Valide | PlanStatus::EnOeuvre => match action {
            ActionStatus::Realisee | ActionStatus::Abandonnee => true,
            ActionStatus::ALancer | ActionStatus::EnCours | ActionStatus::EnPause => false,
        },
        PlanStatus::Brouillon | PlanStatus::Soumis => false,
    }
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
            status: PlanStatus::Brouillon,
            partnered: true,
        };
        let valid = PlanFacts {
            maison_id: 1,
            status: PlanStatus::Valide,
            partnered: true,
        };
        let admin = user(Role::Admin, None, None);
        assert!(can_read_plan(&admin, &draft) && can_read_plan(&admin, &valid));
        assert!(
            !can_review_plan(&admin, PlanStatus::Brouillon)
                && can_review_plan(&admin, PlanStatus::Soumis)
        );
        assert!(can_read_plan(&user(Role::Staff, Some(1), None), &draft));
        assert!(!can_read_plan(&user(Role::Staff, Some(2), None), &draft));
        assert!(can_read_plan(&user(Role::Staff, Some(2), None), &valid));
        let partner = user(Role::Partner, None, Some(5));
        assert!(!can_read_plan(&partner, &draft) && can_read_plan(&partner, &valid));
        let stranger = PlanFacts {
            maison_id: 1,
            status: PlanStatus::Valide,
            partnered: false,
        };
        assert!(!can_read_plan(&partner, &stranger));
        assert!(can_follow_up_action(&partner, 1, Some(5)));
        assert!(!can_follow_up_action(&partner, 1, Some(6)));
        assert!(can_follow_up_action(
            &user(Role::Staff, Some(1), None),
            1,
            Some(6)
        ));
        assert!(!can_follow_up_action(
            &user(Role::Staff, Some(2), None),
            1,
            None
        ));
        assert!(can_list_piloted_actions(&partner));
        assert!(!can_list_piloted_actions(&user(Role::Staff, Some(1), None)));
    }

    #[test]
    fn evaluation_rules() {
        assert!(can_evaluate_action(&user(Role::Staff, Some(1), None), 1));
        assert!(!can_evaluate_action(&user(Role::Staff, Some(2), None), 1));
        assert!(!can_evaluate_action(&user(Role::Admin, None, None), 1));
        assert!(!can_evaluate_action(&user(Role::Partner, None, Some(5)), 1));
        assert!(action_evaluable(
            PlanStatus::EnOeuvre,
            ActionStatus::Abandonnee
        ));
        assert!(action_evaluable(PlanStatus::Valide, ActionStatus::Realisee));
        assert!(!action_evaluable(
            PlanStatus::EnOeuvre,
            ActionStatus::EnCours
        ));
        assert!(action_evaluable(PlanStatus::Cloture, ActionStatus::EnCours));
        assert!(!action_evaluable(
            PlanStatus::Brouillon,
            ActionStatus::Realisee
        ));
    }

    #[test]
    fn proof_rules() {
        let partner = user(Role::Partner, None, Some(5));
        assert!(can_add_action_document(
            &partner,
            1,
            Some(5),
            PlanStatus::EnOeuvre
        ));
        assert!(!can_add_action_document(
            &partner,
            1,
            Some(5),
            PlanStatus::Cloture
        ));
        assert!(!can_add_action_document(
            &partner,
            1,
            Some(6),
            PlanStatus::EnOeuvre
        ));
        let staff = user(Role::Staff, Some(1), None);
        assert!(can_add_action_document(
            &staff,
            1,
            None,
            PlanStatus::Brouillon
        ));
        assert!(!can_add_action_document(
            &staff,
            1,
            None,
            PlanStatus::Cloture
        ));
        assert!(can_remove_action_document(
            &staff,
            1,
            Some(5),
            PlanStatus::Valide,
            None
        ));
        assert!(!can_remove_action_document(
            &partner,
            1,
            Some(5),
            PlanStatus::Valide,
            None
        ));
        assert!(can_remove_action_document(
            &partner,
            1,
            Some(5),
            PlanStatus::Valide,
            Some(partner.id)
        ));
    }

    #[test]
    fn review_conversation_sides() {
        let admin = user(Role::Admin, None, None);
        assert_eq!(review_reply_side(&admin, 1), Some(ReviewSide::Reseau));
        assert_eq!(
            review_reply_side(&user(Role::Staff, Some(1), None), 1),
            Some(ReviewSide::Maison)
        );
        assert_eq!(
            review_reply_side(&user(Role::Staff, Some(2), None), 1),
            None
        );
        assert_eq!(
            review_reply_side(&user(Role::Partner, None, Some(5)), 1),
            None
        );
    }
}
