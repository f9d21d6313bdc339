//! Who may see and change the network: Maisons, their territories, partner organisations and partnerships.
//!
//! - admins see and change everything;
//! - staff see every Maison's page (the network directory) and the organisations directory, change their
//!   own Maison's profile and territory (not the convention fields), and manage its partnerships;
//! - partners see the pages of the Maisons their organisation partners, and their organisation's page.

use super::{CurrentUser, Role};

/// Which Maisons a list shows to this account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaisonScope {
    All,
    /// Only the Maisons this organisation partners.
    PartneredBy(i64),
}

pub fn maison_scope(user: &CurrentUser) -> MaisonScope {
    match (user.role, user.organisation_id) {
        (Role::Partner, Some(org)) => MaisonScope::PartneredBy(org),
        // A partner without an organisation sees nothing: id 0 never exists.
        (Role::Partner, None) => MaisonScope::PartneredBy(0),
        _ => MaisonScope::All,
    }
}

/// `organisation_partners_it`: whether the account's organisation partners this Maison.
pub fn can_view_maison(user: &CurrentUser, organisation_partners_it: bool) -> bool {
    match user.role {
        Role::Admin | Role::Staff => true,
        Role::Partner => organisation_partners_it,
    }
}

pub fn can_create_maison(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// The profile and the territory.
pub fn can_edit_maison(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_admin() || user.is_staff_of(maison_id)
}

/// Conventionnée, convention date, Grenelle year and pilot, legal form: the network's business.
pub fn can_edit_convention(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// Adding, changing and removing the Maison's partnerships and their contacts, creating an organisation
/// for it.
pub fn can_manage_partners(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_admin() || user.is_staff_of(maison_id)
}

pub fn can_list_organisations(user: &CurrentUser) -> bool {
    user.is_admin() || user.is_staff()
}

pub fn can_view_organisation(user: &CurrentUser, organisation_id: i64) -> bool {
    can_list_organisations(user) || user.is_member_of(organisation_id)
}

/// An organisation on its own, outside any Maison.
pub fn can_create_organisation(user: &CurrentUser) -> bool {
    user.is_admin()
}

// Editing an organisation's profile: `organisations::can_edit_profile` (who manages it).

#[cfg(test)]
mod tests {
    use super::super::test_users::user;
    use super::*;

    #[test]
    fn roles_on_the_network() {
        let admin = user(Role::Admin, None, None);
        let staff = user(Role::Staff, Some(1), None);
        let partner = user(Role::Partner, None, Some(9));
        assert!(can_create_maison(&admin) && !can_create_maison(&staff));
        assert!(can_edit_maison(&staff, 1) && !can_edit_maison(&staff, 2));
        assert!(!can_edit_maison(&partner, 1));
        assert!(can_view_maison(&staff, false));
        assert!(!can_view_maison(&partner, false) && can_view_maison(&partner, true));
        assert!(!can_edit_convention(&staff) && can_edit_convention(&admin));
        assert!(can_manage_partners(&staff, 1) && !can_manage_partners(&staff, 2));
        assert!(!can_manage_partners(&partner, 1));
        assert!(can_view_organisation(&partner, 9) && !can_view_organisation(&partner, 8));
        assert!(!can_list_organisations(&partner));
        assert_eq!(maison_scope(&partner), MaisonScope::PartneredBy(9));
        assert_eq!(maison_scope(&staff), MaisonScope::All);
    }
}
