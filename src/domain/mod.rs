//! The network's vocabulary, below every feature: the codes the database stores (statuses, phases, roles)
//! with their French labels, and values that are checked once and then trusted (SIRET). The policy and
//! several features share them, so they belong to none.

pub mod diagnostic;
pub mod labels;
pub mod notification;
pub mod partnership;
pub mod plan;
pub mod practice;
pub mod sector;
pub mod siret;
pub mod status;

/// The cahier des charges whose axes `/axes/{n}` shows (arrêté du 21 décembre 2009). A later charter is
/// added as rows of `axis`; moving the pages to it is this one constant.
pub const CURRENT_CHARTER: &str = "2009";
