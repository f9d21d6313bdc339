//! Who manages which accounts. Admins manage every account. A Maison's *responsable* manages the staff
//! accounts of their Maison, and the people of the organisations their Maison manages (it created them and
//! is their only partner: `organisations::manages_people`). A *référent* manages the people of their
//! organisation. The responsable of a Maison that an organisation partners without managing it sees its
//! people's accounts and may have a link e-mailed to them (never shown on screen: that would let the
//! responsable sign in as them), nothing more. Nobody else sees these pages.

use super::organisations::{self as orgs, OrgControl};
use super::{CurrentUser, Role};

/// Whether the person sees `/comptes` at all (and its entry in the navigation).
pub fn can_manage_accounts(user: &CurrentUser) -> bool {
    user.is_admin() || managed_maison(user).is_some() || referent_organisation(user).is_some()
}

/// The Maison whose accounts a responsable manages.
pub fn managed_maison(user: &CurrentUser) -> Option<i64> {
    match user.maison_id {
        Some(m) if user.is_responsable_of(m) => Some(m),
        _ => None,
    }
}

/// The organisation whose people a référent manages.
pub fn referent_organisation(user: &CurrentUser) -> Option<i64> {
    user.organisation_id
        .filter(|o| orgs::is_referent_of(user, *o))
}

/// How account lists are narrowed for this person; `None`: sees no account list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountScope {
    All,
    /// Staff of the Maison, and people of the organisations that partner it.
    Maison(i64),
    /// People of the organisation (a référent's list).
    Organisation(i64),
}

impl AccountScope {
    pub fn of(user: &CurrentUser) -> Option<AccountScope> {
        if user.is_admin() {
            Some(AccountScope::All)
        } else if let Some(m) = managed_maison(user) {
            Some(AccountScope::Maison(m))
        } else {
            referent_organisation(user).map(AccountScope::Organisation)
        }
    }

    /// The Maison to bind as the first parameter of [`AccountScope::sql`].
    pub fn maison_param(self) -> Option<i64> {
        match self {
            AccountScope::Maison(m) => Some(m),
            _ => None,
        }
    }

    /// The organisation to bind as the second parameter of [`AccountScope::sql`].
    pub fn organisation_param(self) -> Option<i64> {
        match self {
            AccountScope::Organisation(o) => Some(o),
            _ => None,
        }
    }

    /// The SQL condition on `account a` for a scope whose Maison is bound as `maison` (e.g. `$1`) and
    /// organisation as `organisation`: both null means every account.
    pub fn sql(maison: &str, organisation: &str) -> String {
        format!(
            "(({maison}::bigint is null and {organisation}::bigint is null)
              or (a.role = 'staff' and a.maison_id = {maison})
              or (a.role = 'partner' and a.organisation_id in
                    (select p.organisation_id from partnership p where p.maison_id = {maison}))
              or (a.role = 'partner' and a.organisation_id = {organisation}))"
        )
    }
}

/// Who an account is attached to, with what the policy needs to know about it.
#[derive(Clone, Copy, Debug)]
pub struct AccountTarget {
    pub role: Role,
    pub maison_id: Option<i64>,
    /// For a partner account: who controls its organisation.
    pub organisation: Option<OrgControl>,
    /// For a partner account: whether its organisation partners the responsable's Maison
    /// (answered by the caller's query; false when unknown).
    pub organisation_partners_maison: bool,
    /// The account was erased (RGPD): what is left of it is a pseudonym that nobody manages any more.
    pub erased: bool,
}

/// Whether `user` may manage the account described by `target`: edit it, deactivate it, see the
/// invitation and reset links made for it.
pub fn can_manage(user: &CurrentUser, target: &AccountTarget) -> bool {
    if target.erased {
        return false;
    }
    if user.is_admin() {
        return true;
    }
    match target.role {
        Role::Admin => false,
        Role::Staff => managed_maison(user).is_some() && target.maison_id == managed_maison(user),
        Role::Partner => target
            .organisation
            .is_some_and(|o| orgs::manages_people(user, &o)),
    }
}

/// Whether `user` may see the account's page: those who manage it, and the responsable of a Maison its
/// organisation partners.
pub fn can_view(user: &CurrentUser, target: &AccountTarget) -> bool {
    (target.erased && user.is_admin())
        || can_manage(user, target)
        || (target.role == Role::Partner
            && managed_maison(user).is_some()
            && target.organisation_partners_maison)
}

/// Whether `user` may erase the account (RGPD, right to erasure): the network's administration only,
/// once. The account is anonymised and what is the person's alone is deleted; their comments and the
/// journal stay, under the pseudonym. (Nobody erases their own account, and the last active admin stays:
/// the handler says so, as for a deactivation.)
pub fn can_erase(user: &CurrentUser, target: &AccountTarget) -> bool {
    user.is_admin() && !target.erased
}

/// Whether `user` may have an invitation or reset link sent to the person (by e-mail only, unless
/// [`shows_links`]).
pub fn can_send_link(user: &CurrentUser, target: &AccountTarget) -> bool {
    can_view(user, target)
}

/// Whether a link made for the account may be shown on `user`'s screen: only to those who manage it.
pub fn shows_links(user: &CurrentUser, target: &AccountTarget) -> bool {
    can_manage(user, target)
}

/// Whether `user` may invite an account described by `target` (same rule as managing it).
pub fn can_invite(user: &CurrentUser, target: &AccountTarget) -> bool {
    can_manage(user, target)
}

/// Whether `user` may invite staff into (and list the accounts of) this Maison: admins, its responsable.
pub fn can_invite_staff_of(user: &CurrentUser, maison_id: i64) -> bool {
    can_invite(
        user,
        &AccountTarget {
            role: Role::Staff,
            maison_id: Some(maison_id),
            organisation: None,
            organisation_partners_maison: false,
            erased: false,
        },
    )
}

/// Whether `user` may invite people of this organisation: those who manage its people.
pub fn can_invite_people_of(user: &CurrentUser, org: &OrgControl) -> bool {
    orgs::manages_people(user, org)
}

/// Whether `user` proposes a person for an account of this organisation (the référents or the admins then
/// accept, and only then is the invitation made): the responsable of a Maison it partners that does not
/// manage its people (several Maisons partner it). Those who manage its people invite them directly.
pub fn can_propose(user: &CurrentUser, org: &OrgControl, partners_maison: bool) -> bool {
    managed_maison(user).is_some() && partners_maison && !orgs::manages_people(user, org)
}

/// Whether `user` may make an account *responsable* of its Maison (only for staff they manage).
pub fn can_grant_responsable(user: &CurrentUser, target: &AccountTarget) -> bool {
    target.role == Role::Staff && can_manage(user, target)
}

#[cfg(test)]
mod tests {
    use super::super::test_users::with_responsable as user;
    use super::*;

    /// `partners`: the organisation partners the Maison 3 — which created it and is its only partner.
    fn target(role: Role, maison: Option<i64>, org: Option<i64>, partners: bool) -> AccountTarget {
        AccountTarget {
            role,
            maison_id: maison,
            organisation: org.map(|id| OrgControl {
                id,
                created_by_maison: Some(3),
                creator_partners: partners,
                other_partners: 0,
            }),
            organisation_partners_maison: partners,
            erased: false,
        }
    }

    #[test]
    fn admins_manage_everyone() {
        let admin = user(Role::Admin, None, None, false);
        assert!(can_manage_accounts(&admin));
        assert_eq!(AccountScope::of(&admin), Some(AccountScope::All));
        assert!(can_manage(&admin, &target(Role::Admin, None, None, false)));
        assert!(can_manage(
            &admin,
            &target(Role::Partner, None, Some(9), false)
        ));
    }

    #[test]
    fn a_responsable_manages_their_maison_and_its_partners() {
        let resp = user(Role::Staff, Some(3), None, true);
        assert!(can_manage_accounts(&resp));
        assert_eq!(AccountScope::of(&resp), Some(AccountScope::Maison(3)));
        assert!(can_manage(
            &resp,
            &target(Role::Staff, Some(3), None, false)
        ));
        assert!(can_grant_responsable(
            &resp,
            &target(Role::Staff, Some(3), None, false)
        ));
        assert!(!can_manage(
            &resp,
            &target(Role::Staff, Some(4), None, false)
        ));
        assert!(can_manage(
            &resp,
            &target(Role::Partner, None, Some(9), true)
        ));
        assert!(!can_manage(
            &resp,
            &target(Role::Partner, None, Some(9), false)
        ));
        assert!(!can_grant_responsable(
            &resp,
            &target(Role::Partner, None, Some(9), true)
        ));
        assert!(!can_manage(&resp, &target(Role::Admin, None, None, false)));
        assert!(can_invite_staff_of(&resp, 3) && !can_invite_staff_of(&resp, 4));
        assert!(can_invite_people_of(
            &resp,
            &target(Role::Partner, None, Some(9), true)
                .organisation
                .unwrap_or_default()
        ));
    }

    #[test]
    fn a_responsable_proposes_people_of_a_shared_partner_only() {
        let resp = user(Role::Staff, Some(4), None, true);
        let shared = OrgControl {
            id: 9,
            created_by_maison: Some(3),
            creator_partners: true,
            other_partners: 1,
        };
        assert!(can_propose(&resp, &shared, true));
        // Not for an organisation that does not partner the Maison, nor by a plain staff member.
        assert!(!can_propose(&resp, &shared, false));
        assert!(!can_propose(
            &user(Role::Staff, Some(4), None, false),
            &shared,
            true
        ));
        // The Maison that manages it invites directly.
        let local = OrgControl {
            id: 9,
            created_by_maison: Some(4),
            creator_partners: true,
            other_partners: 0,
        };
        assert!(!can_propose(&resp, &local, true));
        assert!(!can_propose(
            &user(Role::Admin, None, None, false),
            &shared,
            true
        ));
    }

    #[test]
    fn a_shared_organisation_people_are_seen_not_managed_by_a_responsable() {
        let resp = user(Role::Staff, Some(4), None, true);
        // The organisation partners Maison 4 too, but Maison 3 created it: nobody at 4 manages it.
        let t = AccountTarget {
            role: Role::Partner,
            maison_id: None,
            organisation: Some(OrgControl {
                id: 9,
                created_by_maison: Some(3),
                creator_partners: true,
                other_partners: 1,
            }),
            organisation_partners_maison: true,
            erased: false,
        };
        assert!(!can_manage(&resp, &t) && !shows_links(&resp, &t));
        assert!(can_view(&resp, &t) && can_send_link(&resp, &t));
        let mut referent = user(Role::Partner, None, Some(9), false);
        referent.referent = true;
        assert!(can_manage_accounts(&referent));
        assert_eq!(
            AccountScope::of(&referent),
            Some(AccountScope::Organisation(9))
        );
        assert!(can_manage(&referent, &t) && shows_links(&referent, &t));
        assert!(!can_manage(
            &referent,
            &target(Role::Staff, Some(3), None, false)
        ));
    }

    #[test]
    fn only_admins_erase_and_nobody_manages_an_erased_account() {
        let admin = user(Role::Admin, None, None, false);
        let resp = user(Role::Staff, Some(3), None, true);
        let mut t = target(Role::Staff, Some(3), None, false);
        assert!(can_erase(&admin, &t));
        assert!(can_manage(&resp, &t) && !can_erase(&resp, &t));
        for u in [
            user(Role::Staff, Some(3), None, false),
            user(Role::Partner, None, Some(9), false),
        ] {
            assert!(!can_erase(&u, &t));
        }
        t.erased = true;
        assert!(!can_erase(&admin, &t) && !can_manage(&admin, &t) && can_view(&admin, &t));
        assert!(!can_manage(&resp, &t) && !can_view(&resp, &t) && !can_send_link(&resp, &t));
    }

    #[test]
    fn others_manage_nobody() {
        for u in [
            user(Role::Staff, Some(3), None, false),
            user(Role::Partner, None, Some(9), false),
        ] {
            assert!(!can_manage_accounts(&u));
            assert_eq!(AccountScope::of(&u), None);
            assert!(!can_manage(&u, &target(Role::Staff, Some(3), None, false)));
            assert!(!can_manage(&u, &target(Role::Partner, None, Some(9), true)));
            assert!(!can_view(&u, &target(Role::Partner, None, Some(9), true)));
            assert!(!can_invite_staff_of(&u, 3));
        }
    }
}
