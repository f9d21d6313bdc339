//! Portail des Maisons de l'Emploi: the library behind the `mde` binary.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod axes;
pub mod cache;
pub mod cli;
pub mod config;
pub mod copil;
pub mod db;
pub mod demo;
pub mod diagnostics;
pub mod domain;
pub mod error;
pub mod home;
pub mod informations;
pub mod journal;
pub mod mail;
pub mod maisons;
pub mod notifications;
pub mod organisations;
pub mod plans;
pub mod practices;
pub mod private_pg;
pub mod profile;
pub mod reference;
pub mod reseau;
pub mod router;
pub mod search;
pub mod signin;
pub mod state;
pub mod telemetry;
pub mod web;

pub use router::app;
pub use state::AppState;
