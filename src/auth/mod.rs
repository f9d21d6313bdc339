//! Who is asking, as a library: passwords, sessions, and the policy module that decides what each account
//! may see and do. Its pages live in features (`signin/`, `profile/`).

pub mod password;
pub mod policy;
pub mod session;

pub use policy::{CurrentUser, Role};
