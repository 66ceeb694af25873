//! `failwell remind`: the day's reminders by e-mail, to a webhook, or both, one digest per
//! person of everything overdue, due today or due soon on the open cases they take part
//! in. Each digest is claimed in the store (per channel) before it is sent and marked
//! after, so running it again the same day (a restart, a second timer) sends nothing
//! twice, and a failed send is tried again by the next run. Meant for a daily timer (cron,
//! systemd).
//!
//! The server and sender come from flags or the environment (`FAILWELL_SMTP_*`); the
//! password only from `FAILWELL_SMTP_PASSWORD`, never a flag (flags show in process
//! lists). The webhook's address comes from `--webhook` or `FAILWELL_WEBHOOK_URL`, its
//! signing secret only from `FAILWELL_WEBHOOK_SECRET`.

use crate::cmd::scan::{ScanFormat, parse_date, today_or};
use crate::output::outln;
use failwell_domain::dates::iso;
use failwell_engine::casework::reminders::{Digest, digests};
use failwell_store::Store;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::process::ExitCode;
use time::Date;

mod webhook;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Security {
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// TLS from the start (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network (and tests).
    None,
}

/// Options of `failwell remind`.
#[derive(Debug, Clone, clap::Args)]
pub struct RemindArgs {
    /// The day [default: today].
    #[arg(long, value_parser = parse_date)]
    pub today: Option<Date>,
    /// Print the digests instead of sending them.
    #[arg(long)]
    pub dry_run: bool,
    /// List the reminders recorded (of the day given by `--today`, else of every day):
    /// to whom, by which channel, sent, failed (with why) or pending. Sends nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub log: bool,
    /// The format of `--log`.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text, requires = "log")]
    pub format: ScanFormat,
    /// SMTP server (without it, no e-mail is sent: give it, `--webhook`, or both).
    #[arg(long, env = "FAILWELL_SMTP_HOST", required_unless_present_any = ["dry_run", "webhook", "log"], requires = "from")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587 for starttls, 465 for tls, 25 for none].
    #[arg(long, env = "FAILWELL_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the connection is secured.
    #[arg(long, env = "FAILWELL_SMTP_SECURITY", value_enum, default_value_t = Security::Starttls)]
    pub smtp_security: Security,
    /// SMTP user name (the password comes from FAILWELL_SMTP_PASSWORD).
    #[arg(long, env = "FAILWELL_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The sender's address, e.g. "failwell <casework@example.org>" (needed with --smtp-host).
    #[arg(long, env = "FAILWELL_SMTP_FROM")]
    pub from: Option<String>,
    /// Also post each digest as JSON to this address (https; plain http only to this
    /// machine). Signed with HMAC-SHA256 when FAILWELL_WEBHOOK_SECRET is set.
    #[arg(long, env = "FAILWELL_WEBHOOK_URL")]
    pub webhook: Option<String>,
}

/// Runs `failwell remind`.
pub async fn run(database: &str, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = remind(&store, args).await;
    store.close().await;
    result
}

async fn remind(store: &Store, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    if args.log {
        return log(store, args).await;
    }
    let today = today_or(args.today);
    let cases = store.interventions(None).await?;
    let list = digests(&cases, today);
    for (id, n) in failwell_engine::casework::reminders::unreminded(&cases, today) {
        eprintln!(
            "note: intervention {id} has {n} item(s) due but none of its people has an e-mail address, so no one is reminded (name one: failwell intervention add-person {id} \"NAME:ROLE:POWER:EMAIL\" --by YOU)"
        );
    }
    if args.dry_run {
        for d in &list {
            let (subject, body) = d.message(today);
            outln!("To: {} <{}>\nSubject: {subject}\n\n{body}", d.person, d.email)?;
        }
        outln!("{} digest(s) for {} (dry run: nothing sent or recorded)", list.len(), iso(today))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut channels: Vec<Channel> = Vec::new();
    if let Some(host) = &args.smtp_host {
        let from = args.from.clone().expect("clap requires --from with --smtp-host");
        channels.push(Channel::Email { mailer: transport(args, host)?, from });
    }
    if let Some(url) = &args.webhook {
        channels.push(webhook::channel(url)?);
    }
    let day = iso(today);
    let mut any_failed = false;
    for channel in &channels {
        let (mut sent, mut skipped, mut failed) = (0, 0, 0);
        for d in &list {
            let Some(claim) = store.claim_reminder(&day, &d.email, channel.name(), d.items.len() as i64).await? else {
                skipped += 1;
                continue;
            };
            match channel.send(d, today, claim).await {
                Ok(()) => {
                    store.finish_reminder(claim, true, &format!("{} item(s)", d.items.len())).await?;
                    sent += 1;
                }
                Err(e) => {
                    // The reason is kept for the operator; the address is the recipient's own.
                    store.finish_reminder(claim, false, &e).await?;
                    eprintln!("warning: the digest to {} was not sent by {}: {e}", d.email, channel.name());
                    failed += 1;
                }
            }
        }
        any_failed |= failed > 0;
        outln!(
            "reminders for {day} by {}: {sent} sent, {skipped} already sent today, {failed} failed (tried again by the next run); {} digest(s) due",
            channel.words(),
            list.len()
        )?;
    }
    Ok(if any_failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `--log`: the reminders recorded, oldest first. A failed send's reason is the
/// operator's to read here, and the next run tries it again.
async fn log(store: &Store, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    let day = args.today.map(iso);
    let list = store.reminders(day.as_deref(), None).await?;
    if args.format == ScanFormat::Json {
        crate::output::write_json(&serde_json::json!({ "reminders": list }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for r in &list {
        let why = if r.outcome == "failed" { format!(": {}", r.detail) } else { String::new() };
        outln!(
            "#{} {} {} by {}: {} ({} item(s), at {}){why}",
            r.id,
            r.day,
            r.recipient,
            r.channel,
            r.outcome,
            r.items,
            r.at
        )?;
    }
    let count = |o: &str| list.iter().filter(|r| r.outcome == o).count();
    outln!(
        "{} reminder(s) recorded{}: {} sent, {} failed, {} pending",
        list.len(),
        day.map(|d| format!(" for {d}")).unwrap_or_default(),
        count("sent"),
        count("failed"),
        count("pending")
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Where digests go.
enum Channel {
    /// By e-mail, through an SMTP server.
    Email { mailer: AsyncSmtpTransport<Tokio1Executor>, from: String },
    /// As JSON posted to a webhook.
    Webhook(webhook::Webhook),
}

impl Channel {
    /// Its name in the store's reminder log.
    fn name(&self) -> &'static str {
        match self {
            Channel::Email { .. } => "email",
            Channel::Webhook(_) => "webhook",
        }
    }

    /// Its name in the command's report.
    fn words(&self) -> &'static str {
        match self {
            Channel::Email { .. } => "e-mail",
            Channel::Webhook(_) => "webhook",
        }
    }

    async fn send(&self, d: &Digest, today: Date, claim: i64) -> Result<(), String> {
        match self {
            Channel::Email { mailer, from } => send(mailer, from, d, today).await,
            Channel::Webhook(hook) => hook.post(d, today, claim).await,
        }
    }
}

fn transport(args: &RemindArgs, host: &str) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match args.smtp_security {
        Security::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?.port(args.smtp_port.unwrap_or(587))
        }
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?.port(args.smtp_port.unwrap_or(465)),
        Security::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(args.smtp_port.unwrap_or(25))
        }
    };
    let builder = builder.timeout(Some(std::time::Duration::from_secs(30)));
    let builder = match &args.smtp_user {
        Some(user) => {
            let password = std::env::var("FAILWELL_SMTP_PASSWORD")
                .map_err(|_| anyhow::anyhow!("--smtp-user is set but FAILWELL_SMTP_PASSWORD is not"))?;
            builder.credentials(Credentials::new(user.clone(), password))
        }
        None => builder,
    };
    Ok(builder.build())
}

async fn send(mailer: &AsyncSmtpTransport<Tokio1Executor>, from: &str, d: &Digest, today: Date) -> Result<(), String> {
    let (subject, body) = d.message(today);
    let to = format!("{} <{}>", d.person, d.email);
    let message = Message::builder()
        .from(from.parse().map_err(|e| format!("the sender {from:?}: {e}"))?)
        .to(to.parse().map_err(|e| format!("the recipient: {e}"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    mailer.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}
