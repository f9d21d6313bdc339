//! Outgoing e-mail, for invitations, password-reset links and (later) notifications.
//!
//! Sending is best effort and never makes a request fail: without SMTP settings (`MDE_SMTP_HOST` unset)
//! nothing is sent and the caller is told so; an SMTP error is logged here, once, and reported as
//! [`Delivery::Failed`] so that the page can say the e-mail did not leave and show the link instead.
//!
//! Port 465 speaks TLS from the first byte; any other port (587, 25, a relay on localhost) starts in clear
//! and upgrades with STARTTLS when the server offers it.

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::SmtpConfig;

/// A whole SMTP exchange must end within this time; a request waits for it at most this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A plain-text message to one person.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    /// The person's name, shown beside the address (may be empty).
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// The signed address that turns this kind of e-mail off (notifications and digests): sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 2369, RFC 8058: one click in the mail program).
    pub unsubscribe: Option<String>,
}

/// `List-Unsubscribe: <https://…>`.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned(),
        ))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: the address answers a POST without anything else.
#[derive(Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClick)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// What became of a message, for the page to tell the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// No SMTP settings: nothing was attempted.
    NotConfigured,
    /// The SMTP server refused it or did not answer (logged).
    Failed,
}

impl Delivery {
    pub fn is_sent(self) -> bool {
        self == Delivery::Sent
    }
}

/// Sends `mail` with the given settings (none: nothing is sent). Never fails; see [`Delivery`].
pub async fn send(smtp: Option<&SmtpConfig>, mail: Mail) -> Delivery {
    let Some(smtp) = smtp else {
        tracing::debug!(to = %mail.to, "SMTP not configured: e-mail not sent");
        return Delivery::NotConfigured;
    };
    match tokio::time::timeout(TIMEOUT + Duration::from_secs(1), try_send(smtp, &mail)).await {
        Ok(Ok(())) => {
            tracing::info!(to = %mail.to, subject = %mail.subject, "e-mail sent");
            Delivery::Sent
        }
        Ok(Err(e)) => {
            tracing::warn!(to = %mail.to, host = %smtp.host, error = %e, "e-mail not sent");
            Delivery::Failed
        }
        Err(_) => {
            tracing::warn!(to = %mail.to, host = %smtp.host, "e-mail not sent: SMTP timeout");
            Delivery::Failed
        }
    }
}

/// The message as it goes on the wire.
pub fn build(from: &str, mail: &Mail) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse()?;
    let to_address = mail.to.parse()?;
    let to_name = Some(mail.to_name.trim().to_owned()).filter(|n| !n.is_empty());
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(to_name, to_address))
        .subject(mail.subject.as_str())
        .header(ContentType::TEXT_PLAIN);
    if let Some(url) = &mail.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(url.clone()))
            .header(OneClick);
    }
    Ok(builder.body(mail.body.clone())?)
}

async fn try_send(smtp: &SmtpConfig, mail: &Mail) -> anyhow::Result<()> {
    let message = build(&smtp.from, mail)?;
    let tls = TlsParameters::new(smtp.host.clone())?;
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .timeout(Some(TIMEOUT))
        .tls(if smtp.port == 465 {
            Tls::Wrapper(tls)
        } else {
            Tls::Opportunistic(tls)
        });
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    transport.build().send(message).await?;
    Ok(())
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a failed unwrap is a failed test, with its line"
)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            to: "camille@example.org".into(),
            to_name: "Camille Dupré".into(),
            subject: "Votre invitation".into(),
            body: "Bonjour,\n\nVoici votre lien.".into(),
            unsubscribe: None,
        }
    }

    #[tokio::test]
    async fn without_settings_nothing_is_sent() {
        assert_eq!(send(None, mail()).await, Delivery::NotConfigured);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_failure_not_an_error() {
        // Port 9 of localhost: nothing listens, the connection is refused at once.
        let smtp = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 9,
            username: None,
            password: None,
            from: "portail@example.org".into(),
        };
        assert_eq!(send(Some(&smtp), mail()).await, Delivery::Failed);
    }

    #[test]
    fn a_bad_address_does_not_build() {
        let mut m = mail();
        m.to = "pas une adresse".into();
        assert!(build("portail@example.org", &m).is_err());
        assert!(build("portail@example.org", &mail()).is_ok());
    }

    #[test]
    fn an_unsubscribe_address_becomes_the_list_headers() {
        let mut m = mail();
        let plain =
            String::from_utf8(build("portail@example.org", &m).unwrap().formatted()).unwrap();
        assert!(!plain.contains("List-Unsubscribe"), "{plain}");
        m.unsubscribe = Some("https://portail.example.org/desabonnement/abc".into());
        let sent =
            String::from_utf8(build("portail@example.org", &m).unwrap().formatted()).unwrap();
        assert!(
            sent.contains("List-Unsubscribe: <https://portail.example.org/desabonnement/abc>\r\n"),
            "{sent}"
        );
        assert!(
            sent.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            "{sent}"
        );
    }
}
