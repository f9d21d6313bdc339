//! Fiches actions: created and edited while their plan is a draft (`form`, `input`, `people`, `writes`, `edit`),
//! shown (`show`), then followed up once the copil has validated the plan (`status`, `follow_up`).

pub(super) mod edit;
pub(super) mod follow_up;
mod form;
mod input;
mod people;
pub(super) mod show;
pub(super) mod status;
mod writes;
