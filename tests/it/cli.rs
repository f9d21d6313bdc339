//! The command line: `mde user create` makes an account that signs in through HTTP.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::*;

fn user_create(database_url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mde"))
        .args(["user", "create"])
        .args(args)
        .arg("--password-stdin")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mde");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    child.wait_with_output().expect("mde ends")
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn user_create_makes_an_account_that_signs_in() {
    let url = fresh_database().await;
    let out = user_create(
        &url,
        &[
            "--email",
            "Admin.CLI@ave.test",
            "--name",
            "Admin en ligne de commande",
            "--role",
            "admin",
        ],
        "une phrase de passe en ligne",
    );
    assert!(
        out.status.success(),
        "mde user create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("créé"));

    let app = spawn_app_on(&url).await;
    let events = app
        .count("select count(*) from event where action = 'creation' and account_id is null")
        .await;
    assert_eq!(events, 1, "the creation is in the journal, by the system");
    let mut c = app.client();
    let r = c
        .login("admin.cli@ave.test", "une phrase de passe en ligne")
        .await;
    assert_redirect_to(&r, "/");
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("mde_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Secure"),
        "no Secure flag unless MDE_SECURE_COOKIES=true"
    );
    let (status, html) = c.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Admin en ligne de commande"));

    // Behind HTTPS (MDE_SECURE_COOKIES=true) the same sign-in gets a Secure cookie.
    let secure = spawn_app_on_with(&url, |c| c.secure_cookies = true).await;
    let r = secure
        .client()
        .login("admin.cli@ave.test", "une phrase de passe en ligne")
        .await;
    assert_redirect_to(&r, "/");
    assert!(set_cookie(&r).contains("Secure"));

    // The same e-mail again (any case), a short password: refused, with a message and a failure code.
    let again = user_create(
        &url,
        &[
            "--email",
            "ADMIN.cli@ave.test",
            "--name",
            "Doublon",
            "--role",
            "admin",
        ],
        "une phrase de passe en ligne",
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("existe déjà"));
    let short = user_create(
        &url,
        &[
            "--email",
            "court@ave.test",
            "--name",
            "Court",
            "--role",
            "admin",
        ],
        "court",
    );
    assert!(!short.status.success());
    assert_eq!(app.count("select count(*) from account").await, 1);
}
