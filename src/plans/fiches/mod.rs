//! Fiches actions: created and edited while their plan is a draft (`form`, `input`, `people`, `writes`, `edit`),
//! shown (`show`) with its proofs (`documents`, the one document store), then followed up once the copil has
//! validated the plan (`status`, `follow_up`; `report`: the one form of the pilot and the Maison), « Mes actions »
//! of a pilot organisation (`mine`), the evaluation once done (`evaluation`, issue 18).

pub(super) mod documents;
pub(super) mod edit;
pub(super) mod evaluation;
pub(super) mod follow_up;
mod form;
mod input;
pub(super) mod mine;
pub(super) mod notices;
mod people;
pub(super) mod report;
pub(super) mod show;
pub(super) mod status;
mod writes;
