//! The command line: `serve`, `migrate`, `user create`, `demo` (DESIGN.md section 5).

mod serve;
mod user;

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

use crate::config::{DEFAULT_BIND, DEFAULT_DATABASE_URL};

#[derive(Parser, Debug)]
#[command(name = "mde", version, about = "Portail des Maisons de l'Emploi")]
pub struct Cli {
    /// PostgreSQL database (created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,
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
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create(user::CreateArgs),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind, demo } => serve::run(cli.database_url, bind, demo).await,
        Command::Migrate => {
            crate::db::prepare(&cli.database_url, 2).await?;
            println!("Base de données à jour / database up to date.");
            Ok(())
        }
        Command::User {
            command: UserCommand::Create(args),
        } => user::create(&cli.database_url, args).await,
        Command::Demo { scale } => {
            let pool = crate::db::prepare(&cli.database_url, 4).await?;
            let accounts = crate::demo::seed(&pool, scale).await?;
            crate::demo::print_accounts(&accounts);
            Ok(())
        }
    }
}
