//! Who manages an organisation (DESIGN.md section 2, issue 14). An organisation is one record that many
//! Maisons partner (France Travail Nouvelle-Aquitaine works with 25 of them): no single Maison may gain power
//! over it or its people, nor widen what they read.
//!
//! An organisation is managed — its network-wide profile, its people's accounts (invitations, reset links,
//! deactivation) — by:
//! - the network's admins, always;
//! - its *référents* (partner accounts of the organisation, designated by the admins);
//! - the Maison that created it, **while it is its only partner**. As soon as a second Maison partners it,
//!   management passes to its référents and the admins. An organisation whose creator is unknown (created
//!   by the admins, or before the journal said so) is managed by its référents and the admins.
//!
//! [`manages`] is that rule, the one every route touching an organisation's profile or its people asks
//! (through [`manages_people`] for accounts: among a Maison's staff, only its responsable manages accounts).

use super::CurrentUser;

/// What the policy needs to know about an organisation to say who manages it. Load it with
/// [`OrgControl::columns`] in the query that reads the organisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgControl {
    pub id: i64,
    /// The Maison that created it; `None`: created by the admins, or unknown.
    pub created_by_maison: Option<i64>,
    /// Whether that Maison partners it now.
    pub creator_partners: bool,
    /// How many Maisons other than the creator partner it.
    pub other_partners: i64,
}

impl OrgControl {
    /// Loads the organisation's control facts; `None` when it does not exist.
    pub async fn load(
        db: impl sqlx::PgExecutor<'_>,
        organisation_id: i64,
    ) -> sqlx::Result<Option<OrgControl>> {
        sqlx::query_as(&format!(
            "select o.id, {} from organisation o where o.id = $1",
            OrgControl::columns("o")
        ))
        .persistent(false)
        .bind(organisation_id)
        .fetch_optional(db)
        .await
    }

    /// The columns `created_by_maison`, `creator_partners`, `other_partners` of the organisation whose
    /// alias in the query is `o` (an organisation left-joined may be null: the columns are then null,
    /// false and 0).
    pub fn columns(o: &str) -> String {
        format!(
            "{o}.created_by_maison,
             coalesce(exists (select 1 from partnership cp
                               where cp.organisation_id = {o}.id and cp.maison_id = {o}.created_by_maison),
                      false) as creator_partners,
             (select count(*) from partnership op
               where op.organisation_id = {o}.id
                 and op.maison_id is distinct from {o}.created_by_maison) as other_partners"
        )
    }

    /// The Maison that manages the organisation, if one does: its creator, while it is its only partner.
    pub fn managing_maison(&self) -> Option<i64> {
        self.created_by_maison
            .filter(|_| self.creator_partners && self.other_partners == 0)
    }

    /// Whether several Maisons partner it (then no Maison manages it).
    pub fn shared(&self) -> bool {
        self.other_partners + i64::from(self.creator_partners) > 1
    }
}

/// Who, besides the admins, manages an organisation: what both Maisons' pages say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    /// The Maison that created it and is its only partner (its référents, if any, too).
    Maison(i64),
    /// Its référents and the admins.
    Referents,
}

pub fn manager(org: &OrgControl) -> Manager {
    match org.managing_maison() {
        Some(m) => Manager::Maison(m),
        None => Manager::Referents,
    }
}

/// THE rule: whether `user` manages the organisation (its profile; see [`manages_people`] for accounts).
pub fn manages(user: &CurrentUser, org: &OrgControl) -> bool {
    user.is_admin()
        || is_referent_of(user, org.id)
        || org.managing_maison().is_some_and(|m| user.is_staff_of(m))
}

/// Whether `user` manages the accounts of the organisation's people: those who manage it, except that a
/// Maison's accounts are its responsable's business.
pub fn manages_people(user: &CurrentUser, org: &OrgControl) -> bool {
    manages(user, org) && (!user.is_staff() || user.responsable)
}

/// Whether `user` is a référent of this organisation.
pub fn is_referent_of(user: &CurrentUser, organisation_id: i64) -> bool {
    user.is_member_of(organisation_id) && user.referent
}

/// The organisation's profile (name, SIRET, e-mail, website…), which every Maison it partners shows.
pub fn can_edit_profile(user: &CurrentUser, org: &OrgControl) -> bool {
    manages(user, org)
}

/// Whether a Maison attaches an existing organisation at once rather than asking for it (a partnership
/// request, which grants nothing until the organisation accepts): at once for the admins, and for the Maison
/// that created the organisation while no other Maison partners it (it would then manage it again). Any
/// other Maison asks.
pub fn attaches_directly(user: &CurrentUser, org: &OrgControl, maison_id: i64) -> bool {
    user.is_admin() || (org.created_by_maison == Some(maison_id) && org.other_partners == 0)
}

/// Whether `user` answers (accepts or refuses) the partnership requests made to this organisation: its
/// référents, and the admins (who are told of them where it has no référent).
pub fn can_answer_requests(user: &CurrentUser, organisation_id: i64) -> bool {
    user.is_admin() || is_referent_of(user, organisation_id)
}

/// Whether `user` sees the page of partnership requests to answer (`/organisations/demandes`).
pub fn can_list_requests(user: &CurrentUser) -> bool {
    user.is_admin()
        || user
            .organisation_id
            .is_some_and(|o| is_referent_of(user, o))
}

/// Which requests that page lists: every organisation's for the admins, their own for a référent.
pub fn requests_scope(user: &CurrentUser) -> Option<Option<i64>> {
    if user.is_admin() {
        Some(None)
    } else {
        user.organisation_id
            .filter(|o| is_referent_of(user, *o))
            .map(Some)
    }
}

/// Whether `user` designates or removes the référents of an organisation: the network's admins only.
pub fn can_designate_referents(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// Whether `user` hands their référent role over to a colleague of the same organisation: a référent of it.
pub fn can_hand_over_referent(user: &CurrentUser, organisation_id: i64) -> bool {
    is_referent_of(user, organisation_id)
}

/// Whether `user` sees `/organisations/a-examiner` (partner accounts invited by one Maison into an
/// organisation several Maisons share, organisations shared without a référent) and marks accounts
/// reviewed: the network's admins.
pub fn can_review_accounts(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// Whether `user` merges two records of the same organisation into one: the network's admins only.
pub fn can_merge(user: &CurrentUser) -> bool {
    user.is_admin()
}

#[cfg(test)]
mod tests {
    use super::super::test_users::with_responsable as user;
    use super::*;
    use crate::auth::Role;

    fn org(created_by: Option<i64>, creator_partners: bool, others: i64) -> OrgControl {
        OrgControl {
            id: 9,
            created_by_maison: created_by,
            creator_partners,
            other_partners: others,
        }
    }

    #[test]
    fn the_creating_maison_manages_while_it_is_the_only_partner() {
        let resp = user(Role::Staff, Some(3), None, true);
        let staff = user(Role::Staff, Some(3), None, false);
        let local = org(Some(3), true, 0);
        assert!(manages(&resp, &local) && manages_people(&resp, &local));
        assert!(manages(&staff, &local) && !manages_people(&staff, &local));
        assert_eq!(manager(&local), Manager::Maison(3));
        // A second Maison partners it: management passes to its référents and the admins.
        let shared = org(Some(3), true, 1);
        assert!(shared.shared());
        assert!(!manages(&resp, &shared) && !manages_people(&resp, &shared));
        assert_eq!(manager(&shared), Manager::Referents);
        // The creator no longer partners it: no more power over it.
        assert!(!manages(&resp, &org(Some(3), false, 1)));
        assert!(!manages(&resp, &org(Some(3), false, 0)));
        // Another Maison that partners it, and an organisation without a known creator.
        assert!(!manages(&user(Role::Staff, Some(4), None, true), &local));
        assert!(!manages(&resp, &org(None, false, 1)));
    }

    #[test]
    fn admins_and_referents_manage() {
        let shared = org(Some(3), true, 5);
        assert!(manages_people(
            &user(Role::Admin, None, None, false),
            &shared
        ));
        let mut referent = user(Role::Partner, None, Some(9), false);
        assert!(!manages(&referent, &shared));
        referent.referent = true;
        assert!(manages(&referent, &shared) && manages_people(&referent, &shared));
        assert!(can_edit_profile(&referent, &shared));
        // A référent of another organisation.
        let mut elsewhere = user(Role::Partner, None, Some(8), false);
        elsewhere.referent = true;
        assert!(!manages(&elsewhere, &shared));
    }
    #[test]
    fn attaching_an_organisation_the_maison_did_not_create_is_a_request() {
        let staff = user(Role::Staff, Some(4), None, false);
        let admin = user(Role::Admin, None, None, false);
        // Created by Maison 3, partnered by it alone.
        let local = org(Some(3), true, 0);
        assert!(!attaches_directly(&staff, &local, 4));
        assert!(attaches_directly(&admin, &local, 4));
        // Its creator attaches it again while nobody else partners it; not once another Maison does.
        assert!(attaches_directly(&staff, &org(Some(4), false, 0), 4));
        assert!(!attaches_directly(&staff, &org(Some(4), false, 1), 4));
        // No known creator: always a request.
        assert!(!attaches_directly(&staff, &org(None, false, 0), 4));
    }

    #[test]
    fn only_admins_designate_referents_and_a_referent_hands_over_their_own() {
        let admin = user(Role::Admin, None, None, false);
        let resp = user(Role::Staff, Some(3), None, true);
        let mut referent = user(Role::Partner, None, Some(9), false);
        assert!(can_designate_referents(&admin) && can_review_accounts(&admin));
        assert!(!can_designate_referents(&resp) && !can_review_accounts(&resp));
        assert!(!can_hand_over_referent(&referent, 9));
        referent.referent = true;
        assert!(can_hand_over_referent(&referent, 9) && !can_hand_over_referent(&referent, 8));
        assert!(!can_designate_referents(&referent) && !can_review_accounts(&referent));
        assert!(!can_hand_over_referent(&admin, 9));
    }

    #[test]
    fn requests_are_answered_by_referents_and_admins() {
        let admin = user(Role::Admin, None, None, false);
        assert!(can_answer_requests(&admin, 9) && can_list_requests(&admin));
        assert_eq!(requests_scope(&admin), Some(None));
        let mut referent = user(Role::Partner, None, Some(9), false);
        assert!(!can_answer_requests(&referent, 9) && !can_list_requests(&referent));
        assert_eq!(requests_scope(&referent), None);
        referent.referent = true;
        assert!(can_answer_requests(&referent, 9) && !can_answer_requests(&referent, 8));
        assert_eq!(requests_scope(&referent), Some(Some(9)));
        let resp = user(Role::Staff, Some(3), None, true);
        assert!(!can_answer_requests(&resp, 9) && !can_list_requests(&resp));
    }
}
