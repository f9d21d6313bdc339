//! Who is asking: passwords, sessions, sign-in and sign-out, the profile page, and the policy module that
//! decides what each account may see and do.

pub mod login;
pub mod password;
pub mod policy;
pub mod profile;
pub mod session;

use axum::Router;

use crate::state::AppState;

pub use policy::{CurrentUser, Role};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(profile::router())
}
