//! Who manages which accounts. Admins manage every account. A Maison's *responsable* manages the staff
//! accounts of their Maison and the accounts of the people of the organisations that partner it (table
//! `partnership`). Nobody else manages accounts, and nobody else sees these pages.

use super::{CurrentUser, Role};

/// Whether the person sees `/comptes` at all (and its entry in the navigation).
pub fn can_manage_accounts(user: &CurrentUser) -> bool {
    user.is_admin() || managed_maison(user).is_some()
}

/// The Maison whose accounts a responsable manages.
pub fn managed_maison(user: &CurrentUser) -> Option<i64> {
    match user.maison_id {
        Some(m) if user.is_responsable_of(m) => Some(m),
        _ => None,
    }
}

/// How account lists are narrowed for this person; `None`: sees no account list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountScope {
    All,
    /// Staff of the Maison, and people of the organisations that partner it.
    Maison(i64),
}

impl AccountScope {
    pub fn of(user: &CurrentUser) -> Option<AccountScope> {
        if user.is_admin() {
            Some(AccountScope::All)
        } else {
            managed_maison(user).map(AccountScope::Maison)
        }
    }

    /// The Maison to bind as `$n` in [`AccountScope::SQL`]: null means every account.
    pub fn maison_param(self) -> Option<i64> {
        match self {
            AccountScope::All => None,
            AccountScope::Maison(m) => Some(m),
        }
    }

    /// The SQL condition on `account a` for a scope whose Maison is bound as `$1` (see `maison_param`).
    pub const SQL: &'static str = "($1::bigint is null
          or (a.role = 'staff' and a.maison_id = $1)
          or (a.role = 'partner' and a.organisation_id in
                (select p.organisation_id from partnership p where p.maison_id = $1)))";
}

/// Who an account is attached to, with what the policy needs to know about it.
#[derive(Clone, Copy, Debug)]
pub struct AccountTarget {
    pub role: Role,
    pub maison_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// For a partner account: whether its organisation partners the responsable's Maison
    /// (answered by the caller's query; false when unknown).
    pub organisation_partners_maison: bool,
}

/// Whether `user` may see and manage the account described by `target` (page, edit, links, status).
pub fn can_manage(user: &CurrentUser, target: &AccountTarget) -> bool {
    if user.is_admin() {
        return true;
    }
    let Some(maison) = managed_maison(user) else {
        return false;
    };
    match target.role {
        Role::Admin => false,
        Role::Staff => target.maison_id == Some(maison),
        Role::Partner => target.organisation_id.is_some() && target.organisation_partners_maison,
    }
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
            organisation_id: None,
            organisation_partners_maison: false,
        },
    )
}

/// Whether `user` may invite people of (and list the accounts of) this organisation: admins, and the
/// responsable of a Maison it partners (`partners_managed_maison`, answered by the caller's query).
pub fn can_invite_people_of(
    user: &CurrentUser,
    organisation_id: i64,
    partners_managed_maison: bool,
) -> bool {
    can_invite(
        user,
        &AccountTarget {
            role: Role::Partner,
            maison_id: None,
            organisation_id: Some(organisation_id),
            organisation_partners_maison: partners_managed_maison,
        },
    )
}

/// Whether `user` may make an account *responsable* of its Maison (only for staff they manage).
pub fn can_grant_responsable(user: &CurrentUser, target: &AccountTarget) -> bool {
    target.role == Role::Staff && can_manage(user, target)
}

#[cfg(test)]
mod tests {
    use super::super::test_users::with_responsable as user;
    use super::*;

    fn target(role: Role, maison: Option<i64>, org: Option<i64>, partners: bool) -> AccountTarget {
        AccountTarget {
            role,
            maison_id: maison,
            organisation_id: org,
            organisation_partners_maison: partners,
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
        assert!(can_invite_people_of(&resp, 9, true) && !can_invite_people_of(&resp, 9, false));
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
            assert!(!can_invite_staff_of(&u, 3) && !can_invite_people_of(&u, 9, true));
        }
    }
}
