#![expect(
    clippy::unwrap_used,
    reason = "a failed unwrap is a failed test, with its line"
)]
#![expect(
    clippy::print_stderr,
    reason = "the matrices and the fuzzing say in the test output what they checked"
)]
//! HTTP-level tests: each test gets a fresh database cloned from a migrated template, and the real router
//! served on a free port.

mod fake_smtp;
mod helpers;

mod account_security;
mod accounts;
mod auth;
mod axes;
mod cli;
mod concurrency;
mod copil;
mod desk;
mod diagnostics;
mod evaluation;
mod fiches;
mod fixtures;
mod fuzz;
mod grenelle;
mod indicator_years;
mod informations;
mod jobs;
mod journal;
mod library;
mod maisons;
mod matrix;
mod merge;
mod notification_choices;
mod notifications;
mod organisations;
mod partnership_requests;
mod pilot_notices;
mod pilot_reports;
mod pilots;
mod plans;
mod practices;
mod proofs;
mod proposals;
mod referents;
mod reseau;
mod reviews;
mod rgpd;
mod routes;
mod sessions;
mod shared_matrix;
mod steps;
mod trust;
mod warnings;
