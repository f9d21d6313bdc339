//! The command line: `serve`, `migrate`, `user create`, `demo` (DESIGN.md section 5), and the operations an
//! IT team runs through the binary: `healthcheck`, `config`, `sessions flush`, `user reset-password`,
//! `export --maison`.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the command line answers the person who typed it: results on stdout, notes on stderr"
)]

mod export;
mod ops;
mod serve;
mod user;

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

use crate::config::DEFAULT_BIND;

#[derive(Parser, Debug)]
#[command(name = "mde", version, about = "Portail des Maisons de l'Emploi")]
pub struct Cli {
    /// PostgreSQL database (created if missing). Unset: postgres://localhost/mde, or, when nothing answers
    /// there, a private PostgreSQL in MDE_PRIVATE_PG_DIR.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the database if needed, migrate, load reference data and serve.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "MDE_BIND", default_value = DEFAULT_BIND)]
        bind: SocketAddr,
        /// Seed the demo network into an empty database and print the demo accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if needed, apply the migrations and load reference data, then exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Seed the demo network (deterministic) into an empty database.
    Demo {
        /// Size of the network, as a multiple of the real one (205 Maisons).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
        scale: u32,
    },
    /// Exit 0 when the portal at MDE_BIND answers and reaches its database, 1 otherwise (for systemd,
    /// containers, monitoring).
    Healthcheck {
        /// Address the portal listens on.
        #[arg(long, env = "MDE_BIND", default_value = DEFAULT_BIND)]
        bind: SocketAddr,
        /// Keep asking for up to this many seconds before failing (a portal that is starting).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=3600))]
        wait: u64,
    },
    /// Print the effective settings (secrets masked).
    Config {
        #[arg(long, env = "MDE_BIND", default_value = DEFAULT_BIND)]
        bind: SocketAddr,
    },
    /// Manage sessions.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Write a Maison's whole data (tables as CSV and XLSX, its documents, a README) into one zip file.
    Export {
        /// The Maison's number (the one in its address /maisons/ID).
        #[arg(long)]
        maison: i64,
        /// The zip file to write (replaced if it exists); default: export-maison-ID-DATE.zip here.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create(user::CreateArgs),
    /// Print a single-use link (valid 24 hours) with which the account chooses a new password.
    ResetPassword {
        /// The account's e-mail address.
        email: String,
        /// Address the portal listens on (the link starts with MDE_BASE_URL, default http://<bind>).
        #[arg(long, env = "MDE_BIND", default_value = DEFAULT_BIND)]
        bind: SocketAddr,
    },
}

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// End every session: everyone signs in again (after a suspected theft, or before a maintenance).
    Flush,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.database_url.filter(|u| !u.trim().is_empty());
    match cli.command {
        Command::Healthcheck { bind, wait } => ops::healthcheck(bind, wait).await,
        Command::Config { bind } => ops::print_config(database_url, bind),
        command => {
            // Every other command needs the database; a private server started for it stops at its end.
            let mut db = crate::db::locate(database_url).await?;
            let result = with_database(&db.url, command).await;
            if let Some(server) = db.private.as_mut() {
                tokio::task::block_in_place(|| server.stop());
            }
            result
        }
    }
}

async fn with_database(url: &str, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { bind, demo } => serve::run(url.to_owned(), bind, demo).await,
        Command::Migrate => {
            crate::db::prepare(url, 2).await?;
            println!("Base de données à jour / database up to date.");
            Ok(())
        }
        Command::User {
            command: UserCommand::Create(args),
        } => user::create(url, args).await,
        Command::User {
            command: UserCommand::ResetPassword { email, bind },
        } => user::reset_password(url, bind, &email).await,
        Command::Demo { scale } => {
            let pool = crate::db::prepare(url, 4).await?;
            let accounts = crate::demo::seed(&pool, scale).await?;
            crate::demo::print_accounts(&accounts);
            Ok(())
        }
        Command::Sessions {
            command: SessionsCommand::Flush,
        } => ops::flush_sessions(url).await,
        Command::Export { maison, output } => export::run(url, maison, output).await,
        Command::Healthcheck { .. } | Command::Config { .. } => Ok(()),
    }
}
