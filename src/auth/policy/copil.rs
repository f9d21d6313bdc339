//! Who may see and record the meetings of a Maison's comité de pilotage (`copil` feature):
//!
//! - admins read every Maison's meetings;
//! - the Maison's staff read and record its meetings;
//! - nobody else: a meeting lists decisions on diagnostics not every partner may read.

use super::CurrentUser;

pub fn can_read_meetings(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_admin() || user.is_staff_of(maison_id)
}

pub fn can_record_meeting(user: &CurrentUser, maison_id: i64) -> bool {
    user.is_staff_of(maison_id)
}

#[cfg(test)]
mod tests {
    use super::super::Role;
    use super::super::test_users::user;
    use super::*;

    #[test]
    fn the_maison_records_admins_read_partners_do_not() {
        let staff = user(Role::Staff, Some(1), None);
        let other = user(Role::Staff, Some(2), None);
        let admin = user(Role::Admin, None, None);
        let partner = user(Role::Partner, None, Some(5));
        assert!(can_record_meeting(&staff, 1) && can_read_meetings(&staff, 1));
        assert!(!can_read_meetings(&other, 1) && !can_record_meeting(&other, 1));
        assert!(can_read_meetings(&admin, 1) && !can_record_meeting(&admin, 1));
        assert!(!can_read_meetings(&partner, 1));
    }
}
