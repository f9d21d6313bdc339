//! Who may see and do what on diagnostics (DESIGN.md sections 2 and 4).
//!
//! - admins read every diagnostic, comment while it is open, hide abusive comments, keep the catalogue;
//!   they do not answer comments for a Maison;
//! - a Maison's staff read and write their own diagnostics, and read other Maisons' once validated
//!   (published to the network);
//! - partners read the diagnostics shared with their organisation (partagé, validé, archivé) and comment
//!   while they are partagés;
//! - nobody comments after validation.

use super::CurrentUser;
use crate::domain::diagnostic::Status;

/// What the policy needs to know of one diagnostic.
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub maison_id: i64,
    pub status: Status,
    /// Whether it is shared with the asking account's organisation.
    pub shared_with_user: bool,
}

fn published(status: Status) -> bool {
    matches!(status, Status::Valide | Status::Archive)
}

pub fn can_read(user: &CurrentUser, d: &Access) -> bool {
    user.is_admin()
        || user.is_staff_of(d.maison_id)
        || (user.is_staff() && published(d.status))
        || (user.is_partner() && d.shared_with_user && d.status != Status::Brouillon)
}

/// The SQL condition a list of diagnostics `d` is scoped with; binds `$1` role, `$2` the account's Maison
/// (or null), `$3` its organisation (or null). Mirrors `can_read`.
pub const VISIBLE_SQL: &str = "($1 = 'admin'
     or ($1 = 'staff' and (d.maison_id = $2 or d.status in ('valide', 'archive')))
     or ($1 = 'partner' and d.status in ('partage', 'valide', 'archive')
         and exists (select 1 from diagnostic_share s where s.diagnostic_id = d.id and s.organisation_id = $3)))";

pub fn can_create(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

/// Title, sectors, sections, indicators and documents: the Maison's staff, until validation.
pub fn can_edit(user: &CurrentUser, d: &Access) -> bool {
    user.is_staff_of(d.maison_id) && matches!(d.status, Status::Brouillon | Status::Partage)
}

/// Sharing (brouillon → partagé) or changing who it is shared with while partagé.
pub fn can_share(user: &CurrentUser, d: &Access) -> bool {
    can_edit(user, d)
}

/// partagé → validé (decision of the copil, recorded by the Maison).
pub fn can_validate(user: &CurrentUser, d: &Access) -> bool {
    user.is_staff_of(d.maison_id) && d.status == Status::Partage
}

/// validé → archivé.
pub fn can_archive(user: &CurrentUser, d: &Access) -> bool {
    user.is_staff_of(d.maison_id) && d.status == Status::Valide
}

/// A new draft copied from a validated diagnostic.
pub fn can_start_new_version(user: &CurrentUser, d: &Access) -> bool {
    user.is_staff_of(d.maison_id) && d.status == Status::Valide
}

/// Comments are open while the diagnostic is worked on: the Maison and admins from the draft on, partners
/// once it is shared with them; closed for everyone once validated.
pub fn can_comment(user: &CurrentUser, d: &Access) -> bool {
    match d.status {
        Status::Brouillon => user.is_staff_of(d.maison_id) || user.is_admin(),
        Status::Partage => can_read(user, d),
        Status::Valide | Status::Archive => false,
    }
}

/// Answering comments (pris en compte / sans suite) is the Maison's act: its staff, nobody else (admins
/// moderate, they do not answer for a Maison). Whether the diagnostic still takes answers is
/// `can_answer_comments`; a refusal on this rule is a 404, on that one a conflict.
pub fn answers_for_maison(user: &CurrentUser, d: &Access) -> bool {
    user.is_staff_of(d.maison_id)
}

/// The Maison answers comments while comments are open.
pub fn can_answer_comments(user: &CurrentUser, d: &Access) -> bool {
    answers_for_maison(user, d) && matches!(d.status, Status::Brouillon | Status::Partage)
}

/// An author edits their own comment within this many minutes, while comments are open.
pub const COMMENT_EDIT_MINUTES: i64 = 15;

pub fn can_edit_comment(
    user: &CurrentUser,
    d: &Access,
    author_id: i64,
    minutes_since: i64,
) -> bool {
    user.id == author_id && minutes_since < COMMENT_EDIT_MINUTES && can_comment(user, d)
}

/// Hiding an abusive comment: the Maison's staff and admins, whatever the status (kept in the journal).
pub fn can_hide_comment(user: &CurrentUser, d: &Access) -> bool {
    user.is_admin() || user.is_staff_of(d.maison_id)
}

/// The network's indicator catalogue.
pub fn can_manage_catalogue(user: &CurrentUser) -> bool {
    user.is_admin()
}

#[cfg(test)]
mod tests {
    use super::super::test_users::user;
    use super::*;
    use crate::auth::Role;

    fn access(status: Status, shared: bool) -> Access {
        Access {
            maison_id: 1,
            status,
            shared_with_user: shared,
        }
    }

    #[test]
    fn reading() {
        let own = user(Role::Staff, Some(1), None);
        let other = user(Role::Staff, Some(2), None);
        let partner = user(Role::Partner, None, Some(9));
        for s in [Status::Brouillon, Status::Partage] {
            assert!(can_read(&own, &access(s, false)));
            assert!(!can_read(&other, &access(s, false)));
        }
        assert!(can_read(&other, &access(Status::Valide, false)));
        assert!(!can_read(&partner, &access(Status::Brouillon, true)));
        assert!(can_read(&partner, &access(Status::Partage, true)));
        assert!(!can_read(&partner, &access(Status::Valide, false)));
    }

    #[test]
    fn commenting_closes_at_validation() {
        let partner = user(Role::Partner, None, Some(9));
        let admin = user(Role::Admin, None, None);
        assert!(can_comment(&partner, &access(Status::Partage, true)));
        assert!(!can_comment(&partner, &access(Status::Partage, false)));
        assert!(!can_comment(&partner, &access(Status::Valide, true)));
        assert!(!can_comment(&admin, &access(Status::Valide, true)));
        assert!(can_comment(&admin, &access(Status::Partage, false)));
    }

    #[test]
    fn answering_is_the_maisons_act() {
        let own = user(Role::Staff, Some(1), None);
        let admin = user(Role::Admin, None, None);
        let partner = user(Role::Partner, None, Some(9));
        assert!(can_answer_comments(&own, &access(Status::Partage, false)));
        assert!(answers_for_maison(&own, &access(Status::Valide, false)));
        assert!(!can_answer_comments(&own, &access(Status::Valide, false)));
        for s in [Status::Brouillon, Status::Partage, Status::Valide] {
            assert!(!answers_for_maison(&admin, &access(s, true)));
            assert!(!answers_for_maison(&partner, &access(s, true)));
        }
        // Admins moderate instead.
        assert!(can_hide_comment(&admin, &access(Status::Partage, false)));
    }
}
