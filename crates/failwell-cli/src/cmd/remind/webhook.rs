//! Digests posted to a webhook: a team's chat or a case-management system takes the same
//! daily digest as the e-mail, as JSON.
//!
//! The body carries `text` (the subject and the message, which Slack's and Teams'
//! incoming webhooks show as it is) beside the structured digest (`day`, `person`,
//! `email`, `items`) for systems that read it. With `FAILWELL_WEBHOOK_SECRET` set, the
//! body is signed (`X-Failwell-Signature: sha256=<hex HMAC-SHA256 of the body>`, as
//! GitHub signs its hooks), and `X-Failwell-Delivery` names the reminder as the store
//! records it, so a receiver can tell a retry of a failed post from a new digest.
//! Plain `http://` is refused except to this machine: a digest names people and cases.

use failwell_domain::dates::iso;
use failwell_engine::casework::reminders::{Digest, DueItem};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::Date;

/// A webhook to post to.
pub(super) struct Webhook {
    url: reqwest::Url,
    client: reqwest::Client,
    secret: Option<String>,
}

/// The body posted for one digest.
#[derive(serde::Serialize)]
struct Body<'a> {
    /// The subject and the message as the e-mail has them.
    text: String,
    /// The day the digest is for.
    day: String,
    /// Who it is for.
    person: &'a str,
    /// Their address, which identifies them across cases.
    email: &'a str,
    /// Every item due, overdue first.
    items: &'a [DueItem],
}

/// The webhook channel for `url`, once the address is checked.
///
/// # Errors
/// When the address does not parse, is not http(s), or is plain http to another machine.
pub(super) fn channel(url: &str) -> anyhow::Result<super::Channel> {
    let url = reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("--webhook {url:?}: {e}"))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]" | "::1"));
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => anyhow::bail!(
            "--webhook {url}: use https (a digest names people and cases; plain http only to this machine)"
        ),
        other => anyhow::bail!("--webhook {url}: {other:?} is not http or https"),
    }
    let secret = std::env::var("FAILWELL_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("failwell/", env!("CARGO_PKG_VERSION")))
        .build()?;
    Ok(super::Channel::Webhook(Webhook { url, client, secret }))
}

/// `sha256=<hex>` of `body` under `secret`.
fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Webhook {
    /// Posts `d` for `today`; any answer but 2xx is a failure, with its status.
    pub(super) async fn post(&self, d: &Digest, today: Date, delivery: i64) -> Result<(), String> {
        let (subject, message) = d.message(today);
        let body = Body {
            text: format!("{subject}\n\n{message}"),
            day: iso(today),
            person: &d.person,
            email: &d.email,
            items: &d.items,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Failwell-Delivery", delivery.to_string());
        if let Some(secret) = &self.secret {
            request = request.header("X-Failwell-Signature", signature(secret, &bytes));
        }
        let answer = request.body(bytes).send().await.map_err(|e| e.without_url().to_string())?;
        let status = answer.status();
        if status.is_success() { Ok(()) } else { Err(format!("the webhook answered {status}")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_github_style() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn plain_http_goes_only_to_this_machine() {
        assert!(channel("http://127.0.0.1:9/hook").is_ok());
        assert!(channel("https://hooks.example.org/x").is_ok());
        let far = channel("http://hooks.example.org/x").err().unwrap().to_string();
        assert!(far.contains("use https"), "{far}");
        assert!(channel("ftp://example.org/").is_err());
        assert!(channel("not a url").is_err());
    }
}
