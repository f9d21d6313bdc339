//! A private PostgreSQL for a first try without set-up: when `DATABASE_URL` is not set and nothing answers
//! at the default address, the commands run a PostgreSQL server of their own from the machine's
//! installation (`initdb`, `pg_ctl`), in a data folder of its own (`MDE_PRIVATE_PG_DIR`), reachable only
//! through a Unix socket in that folder. The command that started it stops it when it ends; a server already
//! running in that folder (started by another `mde`) is used and left running.
//!
//! `initdb` and `pg_ctl` refuse to run as root: run as root, `mde` runs them as the owner of the data folder,
//! or for a new folder as the `postgres` user of the machine's installation (else `nobody`).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// The database and superuser of the private server.
const NAME: &str = "mde";
/// Only names the socket file: the server listens on no TCP port.
const PORT: u16 = 5432;

/// Where the private server lives and which programs run it (read from the environment in `config`).
pub use crate::config::PrivatePgSettings as Settings;
use crate::config::running_as_root;

/// The one line shown when PostgreSQL's programs cannot be found.
pub fn not_installed(settings: &Settings) -> String {
    let searched = match &settings.bin_dir {
        Some(dir) => format!("dans MDE_PRIVATE_PG_BIN={}", dir.display()),
        None => "dans le PATH ni dans /usr/lib/postgresql/*/bin".into(),
    };
    format!(
        "PostgreSQL n'est pas installé (initdb et pg_ctl introuvables {searched}) : installez-le \
         (Debian, Ubuntu : sudo apt install postgresql ; Fedora : sudo dnf install postgresql-server) \
         ou indiquez une base avec DATABASE_URL. / PostgreSQL is not installed: install it, or set DATABASE_URL."
    )
}

fn is_program(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn has_programs(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|p| is_program(&dir.join(p)))
}

/// The folder holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_programs(settings: &Settings) -> Option<PathBuf> {
    if let Some(dir) = &settings.bin_dir {
        return has_programs(dir).then(|| dir.clone());
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in on_path {
        // A link on the PATH (Debian's pg_wrapper, /usr/local/bin/initdb → …) leads to the real folder,
        // where `postgres` lives too.
        if is_program(&dir.join("initdb"))
            && let Some(real) = std::fs::canonicalize(dir.join("initdb"))
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .filter(|d| has_programs(d))
        {
            return Some(real);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = Vec::new();
    for (parent, prefix, suffix) in [
        ("/usr/lib/postgresql", "", "bin"),
        ("/usr", "pgsql-", "bin"),
    ] {
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(version) = name.strip_prefix(prefix) else {
                continue;
            };
            let Ok(major) = version.split('.').next().unwrap_or("").parse::<u32>() else {
                continue;
            };
            let bin = entry.path().join(suffix);
            if has_programs(&bin) {
                versions.push((major, bin));
            }
        }
    }
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let local = PathBuf::from("/usr/local/pgsql/bin");
    has_programs(&local).then_some(local)
}

/// The system user that runs the server when `mde` runs as root.
#[derive(Clone, Copy, Debug)]
struct Owner {
    uid: u32,
    gid: u32,
}

fn passwd_entry(name: &str) -> Option<Owner> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 4 && f[0] == name).then(|| {
            Some(Owner {
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
            })
        })?
    })
}

/// A private server in use. Dropping it stops the server if this process started it.
#[derive(Debug)]
pub struct PrivateServer {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    owner: Option<Owner>,
    started_here: bool,
}

impl PrivateServer {
    /// Finds the programs, creates the data folder on first use, starts the server (or joins the one already
    /// running there). Blocking: call it from `spawn_blocking`.
    pub fn start(settings: &Settings) -> anyhow::Result<Self> {
        let Some(bin_dir) = find_programs(settings) else {
            bail!("{}", not_installed(settings));
        };
        let data_dir = absolute(&settings.data_dir)?;
        let owner = if running_as_root() {
            Some(prepare_owned_dir(&data_dir)?)
        } else {
            std::fs::create_dir_all(&data_dir).with_context(|| {
                format!(
                    "impossible de créer {} / cannot create it",
                    data_dir.display()
                )
            })?;
            std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))?;
            None
        };
        let mut server = PrivateServer {
            data_dir,
            bin_dir,
            owner,
            started_here: false,
        };
        if !server.data_dir.join("PG_VERSION").exists() {
            server.init()?;
        }
        server.write_settings()?;
        if server.running() {
            return Ok(server);
        }
        let log = server.data_dir.join("mde-server.log");
        let out = server.pg_ctl(&[
            "start",
            "-w",
            "-t",
            "60",
            "-s",
            "-l",
            &log.to_string_lossy(),
        ])?;
        if !out.status.success() {
            // Another `mde` may have started it at the same moment.
            if server.running() {
                return Ok(server);
            }
            bail!(
                "le PostgreSQL privé de {} n'a pas démarré ({}) : voyez {} / the private PostgreSQL did not start",
                server.data_dir.display(),
                last_line(&out),
                log.display()
            );
        }
        server.started_here = true;
        Ok(server)
    }

    /// The URL of the private database (superuser `mde`, through the socket in the data folder).
    pub fn url(&self) -> String {
        let dir = percent_encoding::utf8_percent_encode(
            &self.data_dir.to_string_lossy(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        format!("postgres://{NAME}@localhost/{NAME}?host={dir}&port={PORT}")
    }

    /// The one line telling what happened.
    pub fn announcement(&self) -> String {
        if self.started_here {
            format!(
                "DATABASE_URL n'est pas défini et rien ne répond à {} : PostgreSQL privé démarré dans {} \
                 (socket Unix, arrêté à la fin de mde).",
                crate::config::DEFAULT_DATABASE_URL,
                self.data_dir.display()
            )
        } else {
            format!(
                "DATABASE_URL n'est pas défini et rien ne répond à {} : PostgreSQL privé déjà en marche dans {}.",
                crate::config::DEFAULT_DATABASE_URL,
                self.data_dir.display()
            )
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the server if this process started it (fast shutdown: open transactions are rolled back).
    #[expect(
        clippy::print_stderr,
        reason = "a server left running must be said on the terminal, even with the log filtered or gone"
    )]
    pub fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        match self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60", "-s"]) {
            Ok(out) if out.status.success() => {
                tracing::info!(dir = %self.data_dir.display(), "PostgreSQL privé arrêté / private PostgreSQL stopped")
            }
            Ok(out) => eprintln!(
                "mde : le PostgreSQL privé ne s'est pas arrêté ({}) / the private PostgreSQL did not stop",
                last_line(&out)
            ),
            Err(e) => {
                eprintln!("mde : arrêt du PostgreSQL privé impossible / cannot stop it: {e:#}")
            }
        }
    }

    fn running(&self) -> bool {
        // `pg_ctl status`: 0 running, 3 not running, 4 no usable data folder.
        self.pg_ctl(&["status"])
            .is_ok_and(|o| o.status.success() && self.data_dir.join(".s.PGSQL.5432").exists())
    }

    fn init(&self) -> anyhow::Result<()> {
        let dir = self.data_dir.to_string_lossy().into_owned();
        let base = [
            "-D",
            &dir,
            "-U",
            NAME,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-instructions",
        ];
        // C.UTF-8 sorts and changes case like the usual servers; a system without it gets the C locale.
        let mut out = self.run("initdb", &[&base[..], &["--locale=C.UTF-8"]].concat())?;
        if !out.status.success() && self.data_dir.join("PG_VERSION").exists() {
            return Ok(());
        }
        if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("locale") {
            out = self.run("initdb", &[&base[..], &["--no-locale"]].concat())?;
        }
        if !out.status.success() {
            bail!(
                "initdb a échoué dans {} ({}) / initdb failed",
                self.data_dir.display(),
                last_line(&out)
            );
        }
        // Our settings live in a file of their own, included from the server's configuration.
        let conf = self.data_dir.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(
            "\n# Ajouté par mde : réglages du serveur privé.\ninclude_if_exists = 'mde.conf'\n",
        );
        std::fs::write(&conf, text)?;
        Ok(())
    }

    /// Unix socket in the data folder only, no TCP (rewritten at each start: the folder may have moved).
    fn write_settings(&self) -> anyhow::Result<()> {
        let socket_dir = self.data_dir.to_string_lossy().replace('\'', "''");
        let text = format!(
            "# Écrit par mde à chaque démarrage du serveur privé.\nlisten_addresses = ''\n\
             unix_socket_directories = '{socket_dir}'\nport = {PORT}\nunix_socket_permissions = 0700\n\
             # Pas de compilation à la volée : elle exige une mémoire écrite puis exécutée, que le service\n\
             # systemd du paquet interdit (MemoryDenyWriteExecute).\njit = off\n"
        );
        let path = self.data_dir.join("mde.conf");
        std::fs::write(&path, text)?;
        if let Some(o) = self.owner {
            std::os::unix::fs::chown(&path, Some(o.uid), Some(o.gid))?;
        }
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<Output> {
        let dir = self.data_dir.to_string_lossy().into_owned();
        self.run("pg_ctl", &[&["-D", dir.as_str()][..], args].concat())
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A group of its own: Ctrl-C at the terminal reaches `mde`, which drains its requests and then
            // stops the server, rather than the server stopping under the requests.
            .process_group(0);
        for var in [
            "PGDATA",
            "PGHOST",
            "PGHOSTADDR",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGOPTIONS",
            "PGPASSWORD",
        ] {
            cmd.env_remove(var);
        }
        if let Some(o) = self.owner {
            cmd.uid(o.uid).gid(o.gid);
        }
        // `pg_ctl start` leaves the server running with our pipes as its output: give it the log file
        // instead (`-l`), and do not wait for the pipes to close.
        if program == "pg_ctl" && args.contains(&"start") {
            cmd.stdout(Stdio::null());
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("impossible de lancer {program} / cannot run {program}"))?;
        wait_with_timeout(child, Duration::from_secs(120))
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_with_timeout(child: std::process::Child, limit: Duration) -> anyhow::Result<Output> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Ok(out?),
        Err(_) => bail!("délai dépassé / timed out"),
    }
}

fn last_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let text = if err.trim().is_empty() {
        String::from_utf8_lossy(&out.stdout)
    } else {
        err
    };
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("sans message")
        .trim()
        .to_owned()
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

/// As root: the data folder belongs to an unprivileged user (its present owner, or `postgres`, or `nobody`),
/// mode 0700; the folders above it are created readable so that this user can reach it.
fn prepare_owned_dir(dir: &Path) -> anyhow::Result<Owner> {
    let owner = match std::fs::metadata(dir) {
        Ok(m) if m.uid() != 0 => Owner {
            uid: m.uid(),
            gid: m.gid(),
        },
        _ => passwd_entry("postgres")
            .or_else(|| passwd_entry("nobody"))
            .context("ni utilisateur postgres ni nobody / no postgres or nobody user")?,
    };
    if let Some(parent) = dir.parent()
        && !parent.exists()
    {
        std::fs::create_dir_all(parent)?;
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))?;
    }
    if !dir.exists() {
        std::fs::create_dir(dir)
            .with_context(|| format!("impossible de créer {} / cannot create it", dir.display()))?;
    }
    std::os::unix::fs::chown(dir, Some(owner.uid), Some(owner.gid))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(owner)
}
