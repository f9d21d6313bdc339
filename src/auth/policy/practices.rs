//! The library of practices (issue 18): who reads, proposes, curates, withdraws and reuses them.
//!
//! - Every signed-in person (admins, staff, partners) reads the practices AVE accepted (*pratiques
//!   repérées*); a proposal, a practice sent back for changes, declined or withdrawn is read only by its
//!   Maison's staff and by the admins (DESIGN.md section 2: partners read accepted practices, never
//!   proposals). Anything else is a 404.
//! - The Maison's staff propose a practice from one of its evaluated actions (`plans::can_evaluate_action`
//!   and an evaluation), rework it while it is proposed or sent back, and withdraw it.
//! - The admins (AVE) curate: accept, ask for changes, decline a proposal; mark an accepted one
//!   *remarquable*; they see the whole pipeline, a Maison's staff their own proposals.
//! - A Maison's staff take an accepted practice up in one of their Maison's draft plans.

use super::CurrentUser;
pub use crate::domain::practice::PracticeStatus;

/// The library (`/pratiques`): every signed-in person.
pub fn can_browse_library(_user: &CurrentUser) -> bool {
    true
}

pub fn can_read_practice(user: &CurrentUser, maison_id: i64, status: PracticeStatus) -> bool {
    status == PracticeStatus::Acceptee || user.is_admin() || user.is_staff_of(maison_id)
}

/// Propose a practice from one of the Maison's actions, rework a proposal, withdraw it.
pub fn can_propose_practice(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

/// The Maison reworks its text while AVE has not accepted or declined it.
pub fn practice_editable(status: PracticeStatus) -> bool {
    match status {
        PracticeStatus::Proposee | PracticeStatus::AModifier => true,
        PracticeStatus::Acceptee | PracticeStatus::Declinee | PracticeStatus::Retiree => false,
    }
}

/// A practice the Maison may still withdraw (a declined or withdrawn one is already out of the library).
pub fn practice_withdrawable(status: PracticeStatus) -> bool {
    match status {
        PracticeStatus::Proposee | PracticeStatus::AModifier | PracticeStatus::Acceptee => true,
        PracticeStatus::Declinee | PracticeStatus::Retiree => false,
    }
}

/// AVE's curation: the admins.
pub fn can_curate_practices(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// The decisions AVE may take on a practice in `from`: only a proposal is accepted, sent back or declined.
pub fn curation_exists(from: PracticeStatus, to: PracticeStatus) -> bool {
    from == PracticeStatus::Proposee
        && match to {
            PracticeStatus::Acceptee | PracticeStatus::AModifier | PracticeStatus::Declinee => true,
            PracticeStatus::Proposee | PracticeStatus::Retiree => false,
        }
}

/// The pipeline page (`/pratiques/propositions`): the admins (every Maison) and staff (their own).
pub fn can_see_pipeline(user: &CurrentUser) -> bool {
    user.is_admin() || (user.is_staff() && user.maison_id.is_some())
}

/// « Reprendre dans mon plan »: a Maison's staff, from an accepted practice.
pub fn can_reuse_practice(user: &CurrentUser, status: PracticeStatus) -> bool {
    user.is_staff() && user.maison_id.is_some() && status == PracticeStatus::Acceptee
}

/// The SQL condition of what a reader sees of the practices (alias `p`); binds: $1 role, $2 the staff
/// member's Maison. Mirrors `can_read_practice`.
pub const PRACTICE_SCOPE_SQL: &str = "(p.status = 'acceptee' or $1 = 'admin'
  or ($1 = 'staff' and p.maison_id = $2))";

#[cfg(test)]
mod tests {
    use super::super::Role;
    use super::super::test_users::user;
    use super::*;

    #[test]
    fn reading_and_curating() {
        let admin = user(Role::Admin, None, None);
        let staff = user(Role::Staff, Some(1), None);
        let other = user(Role::Staff, Some(2), None);
        let partner = user(Role::Partner, None, Some(5));
        for s in PracticeStatus::ALL {
            let accepted = *s == PracticeStatus::Acceptee;
            assert!(can_read_practice(&admin, 1, *s) && can_read_practice(&staff, 1, *s));
            assert_eq!(can_read_practice(&other, 1, *s), accepted);
            assert_eq!(can_read_practice(&partner, 1, *s), accepted);
        }
        assert!(can_curate_practices(&admin) && !can_curate_practices(&staff));
        assert!(can_propose_practice(&staff, 1) && !can_propose_practice(&other, 1));
        assert!(!can_propose_practice(&admin, 1) && !can_propose_practice(&partner, 1));
        assert!(curation_exists(
            PracticeStatus::Proposee,
            PracticeStatus::Acceptee
        ));
        assert!(!curation_exists(
            PracticeStatus::Acceptee,
            PracticeStatus::Declinee
        ));
        assert!(can_reuse_practice(&other, PracticeStatus::Acceptee));
        assert!(!can_reuse_practice(&other, PracticeStatus::Proposee));
        assert!(!can_reuse_practice(&partner, PracticeStatus::Acceptee));
        assert!(can_see_pipeline(&staff) && !can_see_pipeline(&partner));
    }
}
