//! Who sees the network's figures, the axis pages, the comparisons and the search (issue 7).
//!
//! - The network dashboard, the Grenelle roll-up and the network view of an axis: AVE admins only.
//! - An axis page of one Maison: its staff (everything of their own Maison), admins (any Maison), and the
//!   members of an organisation partnering the Maison, limited to its validated plans.
//! - The indicator comparison: admins (any Maison, named) and staff (their own position against the
//!   network's anonymous distribution).
//! - The search across the network (issue 7): admins, and staff within what they may read (see
//!   `SearchScope`). Partners have no network-wide tool (DESIGN.md section 2: they read what was shared
//!   with their organisation, reached from their home page and the Maisons they partner): 404.

use super::CurrentUser;
use crate::domain::diagnostic::Status as DiagnosticStatus;
use crate::domain::plan::PlanStatus;

/// The dashboard `/reseau`, its exports and the Grenelle roll-up.
pub fn can_view_network(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// What an axis page shows to this person, before looking at the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisView {
    /// The whole network (admins without a chosen Maison).
    Network,
    /// One Maison, every plan status (its staff, or an admin who picked it).
    Maison(i64),
    /// The Maisons an organisation partners, validated plans only.
    Partner(i64),
}

pub fn axis_view(user: &CurrentUser, requested_maison: Option<i64>) -> Option<AxisView> {
    if user.is_admin() {
        return Some(match requested_maison {
            Some(id) => AxisView::Maison(id),
            None => AxisView::Network,
        });
    }
    if user.is_staff() {
        let own = user.maison_id?;
        // Staff read their own Maison's axis pages; another Maison's id is refused (404).
        return match requested_maison {
            None => Some(AxisView::Maison(own)),
            Some(id) if id == own => Some(AxisView::Maison(own)),
            Some(_) => None,
        };
    }
    if user.is_partner() {
        return user.organisation_id.map(AxisView::Partner);
    }
    None
}

/// Whether named Maisons' values may appear in an indicator comparison (admins); staff see only the
/// anonymous distribution and their own position.
pub fn can_compare_indicators(user: &CurrentUser) -> bool {
    user.is_admin() || user.is_staff()
}

pub fn can_name_maisons_in_comparison(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// The search's scope: `Everything` for admins; staff read their Maison's everything and other Maisons'
/// validated diagnostics and plans. Partners do not search (`None`: 404).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchScope {
    Everything,
    Staff(i64),
}

pub fn search_scope(user: &CurrentUser) -> Option<SearchScope> {
    if user.is_admin() {
        Some(SearchScope::Everything)
    } else if user.is_staff() {
        user.maison_id.map(SearchScope::Staff)
    } else {
        None
    }
}

/// Plan statuses a partner or another Maison may read: the published ones (`PlanStatus::is_published`).
pub const VALIDATED_PLAN_STATUSES: [PlanStatus; 3] = [
    PlanStatus::Valide,
    PlanStatus::EnOeuvre,
    PlanStatus::Cloture,
];
/// Diagnostic statuses another Maison may read, and that feed the network's distributions.
pub const VALIDATED_DIAGNOSTIC_STATUSES: [DiagnosticStatus; 1] = [DiagnosticStatus::Valide];

#[cfg(test)]
mod tests {
    use super::super::Role;
    use super::super::test_users::user;
    use super::*;

    #[test]
    fn axis_views() {
        let admin = user(Role::Admin, None, None);
        let staff = user(Role::Staff, Some(3), None);
        let partner = user(Role::Partner, None, Some(9));
        assert_eq!(axis_view(&admin, None), Some(AxisView::Network));
        assert_eq!(axis_view(&admin, Some(4)), Some(AxisView::Maison(4)));
        assert_eq!(axis_view(&staff, None), Some(AxisView::Maison(3)));
        assert_eq!(axis_view(&staff, Some(4)), None);
        assert_eq!(axis_view(&partner, Some(4)), Some(AxisView::Partner(9)));
        assert!(
            can_view_network(&admin) && !can_view_network(&staff) && !can_view_network(&partner)
        );
        assert!(!can_compare_indicators(&partner));
        assert_eq!(search_scope(&staff), Some(SearchScope::Staff(3)));
        assert_eq!(search_scope(&partner), None);
    }

    #[test]
    fn validated_statuses_are_the_published_ones() {
        let published: Vec<PlanStatus> = PlanStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_published())
            .collect();
        assert_eq!(published, VALIDATED_PLAN_STATUSES);
        assert_eq!(
            VALIDATED_DIAGNOSTIC_STATUSES.map(DiagnosticStatus::as_str),
            ["valide"]
        );
    }
}
