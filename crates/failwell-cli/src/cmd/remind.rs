//! `failwell remind`: the day's reminders by e-mail, one digest per person of everything
//! overdue, due today or due soon on the open cases they take part in. Each digest is
//! claimed in the store before it is sent and marked after, so running it again the same
//! day (a restart, a second timer) sends nothing twice, and a failed send is tried again
//! by the next run. Meant for a daily timer (cron, systemd).
//!
//! The server and sender come from flags or the environment (`FAILWELL_SMTP_*`); the
//! password only from `FAILWELL_SMTP_PASSWORD`, never a flag (flags show in process lists).

use crate::cmd::scan::parse_date;
use crate::output::outln;
use failwell_domain::dates::iso;
use failwell_engine::casework::reminders::{Digest, digests};
use failwell_store::Store;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::process::ExitCode;
use time::Date;

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
    /// SMTP server.
    #[arg(long, env = "FAILWELL_SMTP_HOST", required_unless_present = "dry_run")]
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
    /// The sender's address, e.g. "failwell <casework@example.org>".
    #[arg(long, env = "FAILWELL_SMTP_FROM", required_unless_present = "dry_run")]
    pub from: Option<String>,
}

/// Runs `failwell remind`.
pub async fn run(database: &str, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = remind(&store, args).await;
    store.close().await;
    result
}

async fn remind(store: &Store, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    let today = args.today.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let cases = store.interventions(None).await?;
    let list = digests(&cases, today);
    if args.dry_run {
        for d in &list {
            let (subject, body) = d.message(today);
            outln!("To: {} <{}>\nSubject: {subject}\n\n{body}", d.person, d.email)?;
        }
        outln!("{} digest(s) for {} (dry run: nothing sent or recorded)", list.len(), iso(today))?;
        return Ok(ExitCode::SUCCESS);
    }
    let host = args.smtp_host.clone().expect("clap requires --smtp-host");
    let from = args.from.clone().expect("clap requires --from");
    let mailer = transport(args, &host)?;
    let day = iso(today);
    let (mut sent, mut skipped, mut failed) = (0, 0, 0);
    for d in &list {
        let Some(claim) = store.claim_reminder(&day, &d.email, "email", d.items.len() as i64).await? else {
            skipped += 1;
            continue;
        };
        match send(&mailer, &from, d, today).await {
            Ok(()) => {
                store.finish_reminder(claim, true, &format!("{} item(s)", d.items.len())).await?;
                sent += 1;
            }
            Err(e) => {
                // The reason is kept for the operator; the address is the recipient's own.
                store.finish_reminder(claim, false, &e).await?;
                eprintln!("warning: the digest to {} was not sent: {e}", d.email);
                failed += 1;
            }
        }
    }
    outln!(
        "reminders for {day}: {sent} sent, {skipped} already sent today, {failed} failed (tried again by the next run); {} digest(s) due",
        list.len()
    )?;
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
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
