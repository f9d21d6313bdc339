//! The policy module: the one place that says who may see and do what (DESIGN.md section 2).
//! Handlers ask it; they never test roles themselves. A refusal is a 404, never a 403, so that ids do not
//! leak. Feature-specific rules live in the submodules, one per feature.

pub mod accounts;
pub mod copil;
pub mod diagnostics;
pub mod network;
pub mod organisations;
pub mod plans;
pub mod practices;
pub mod reseau;

use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Staff,
    Partner,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "partner" => Some(Role::Partner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Partner => "partner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administration du réseau (AVE)",
            Role::Staff => "Équipe de la Maison",
            Role::Partner => "Partenaire",
        }
    }
}

/// The signed-in account, as loaded with the session.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub maison_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub responsable: bool,
    /// A partner account that is a *référent* of its organisation (see `organisations`).
    pub referent: bool,
    pub maison_name: Option<String>,
    pub organisation_name: Option<String>,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }

    pub fn is_partner(&self) -> bool {
        self.role == Role::Partner
    }

    pub fn is_staff_of(&self, maison_id: i64) -> bool {
        self.role == Role::Staff && self.maison_id == Some(maison_id)
    }

    pub fn is_responsable_of(&self, maison_id: i64) -> bool {
        self.is_staff_of(maison_id) && self.responsable
    }

    pub fn is_member_of(&self, organisation_id: i64) -> bool {
        self.role == Role::Partner && self.organisation_id == Some(organisation_id)
    }

    /// What the header shows under the name: the role, and the Maison or organisation.
    pub fn affiliation(&self) -> String {
        match self.role {
            Role::Admin => "Alliance Villes Emploi".to_owned(),
            Role::Staff => self.maison_name.clone().unwrap_or_default(),
            Role::Partner => self.organisation_name.clone().unwrap_or_default(),
        }
    }

    pub fn role_label(&self) -> String {
        if self.responsable {
            "Responsable de la Maison".to_owned()
        } else if self.referent {
            "Référent de l'organisation".to_owned()
        } else {
            self.role.label().to_owned()
        }
    }
}

/// Turns a policy answer into the response a refusal gets: 404.
pub fn ensure(allowed: bool) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The audit journal of the whole network.
pub fn can_read_journal(user: &CurrentUser) -> bool {
    user.is_admin()
}

/// The signed-in people the policy's tests ask about.
#[cfg(test)]
pub(crate) mod test_users {
    use super::{CurrentUser, Role};

    /// Someone of `role`, of a Maison or an organisation, not responsable.
    pub fn user(role: Role, maison: Option<i64>, org: Option<i64>) -> CurrentUser {
        with_responsable(role, maison, org, false)
    }

    pub fn with_responsable(
        role: Role,
        maison: Option<i64>,
        org: Option<i64>,
        responsable: bool,
    ) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "x@example.org".into(),
            name: "X".into(),
            role,
            maison_id: maison,
            organisation_id: org,
            responsable,
            referent: false,
            maison_name: None,
            organisation_name: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_users::with_responsable as user;
    use super::*;

    #[test]
    fn staff_belongs_to_one_maison() {
        let s = user(Role::Staff, Some(3), None, true);
        assert!(s.is_staff_of(3) && s.is_responsable_of(3));
        assert!(!s.is_staff_of(4) && !s.is_responsable_of(4));
        assert!(!s.is_member_of(3));
        assert!(!can_read_journal(&s));
        assert!(can_read_journal(&user(Role::Admin, None, None, false)));
        assert!(ensure(false).is_err());
    }
}
