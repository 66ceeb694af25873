//! `failwell user`: accounts for the web service and the API. There are no default
//! passwords: an account is made with a password read from standard input or, without
//! one, a random password printed once; API tokens are printed once. The store keeps only
//! hashes. Every change is in the audit log, under the operating-system user who ran it.

use crate::cmd::scan::ScanFormat;
use crate::output::outln;
use anyhow::Context;
use failwell_domain::access::Role;
use failwell_store::{Account, NewAccount, Store};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// `failwell user …`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum UserCommand {
    /// Make an account (its password from --password-stdin, or a random one printed once).
    Add(AddArgs),
    /// List the accounts (never their passwords).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
    },
    /// Set a new password (ends the account's sessions).
    Password {
        /// The account's user name.
        username: String,
        /// Read the password from the first line of standard input instead of making one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it can no longer sign in, its sessions end and its API tokens stop working.
    Disable {
        /// The account's user name.
        username: String,
    },
    /// Make an API token for an account (printed once; send it as `Authorization: Bearer TOKEN`).
    Token {
        /// The account's user name.
        username: String,
        /// What the token is for (a machine, a script).
        #[arg(long)]
        name: String,
    },
    /// Revoke an account's API tokens of one name (a leaked token, a machine retired),
    /// leaving the account and its other tokens working; a running server refuses the
    /// token from its next request.
    RevokeToken {
        /// The account's user name.
        username: String,
        /// The name the token was made with (`user token --name`).
        #[arg(long)]
        name: String,
    },
}

/// Options of `failwell user add`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The name to sign in with (no spaces).
    pub username: String,
    /// What the account may see and do.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The person's name as casework names them (board members and peer reviewers reach
    /// the organisations of the cases naming them).
    #[arg(long = "name")]
    pub display_name: String,
    /// Their e-mail address (matched to casework's people before the name).
    #[arg(long)]
    pub email: Option<String>,
    /// A provider's own organisation (its code).
    #[arg(long)]
    pub organisation: Option<String>,
    /// Read the password from the first line of standard input instead of making one.
    #[arg(long)]
    pub password_stdin: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: failwell_domain::casework::UnknownWord| e.to_string())
}

/// The password to set: the first line of standard input, or a new random one (then
/// printed once by the caller).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((failwell_web::auth::new_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

/// Makes an account and returns it with the password when it was made here (to print).
pub async fn add(store: &Store, new: &AddArgs, by: &str) -> anyhow::Result<(Account, Option<String>)> {
    let (password, made) = password(new.password_stdin)?;
    let hash = failwell_web::auth::hash_password(&password)?;
    let account = store
        .add_account(
            &NewAccount {
                username: new.username.clone(),
                display_name: new.display_name.clone(),
                email: new.email.clone(),
                role: new.role,
                organisation: new.organisation.clone(),
                password_hash: hash,
            },
            by,
        )
        .await?;
    Ok((account, made.then_some(password)))
}

/// Runs `failwell user …`.
pub async fn run(database: &str, command: &UserCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = run_on(&store, command).await;
    store.close().await;
    result
}

async fn run_on(store: &Store, command: &UserCommand) -> anyhow::Result<ExitCode> {
    let by = super::operator();
    match command {
        UserCommand::Add(args) => {
            let (a, password) = add(store, args, &by).await?;
            outln!("added {} ({}, {})", a.username, a.display_name, a.role)?;
            if let Some(p) = password {
                outln!("password (shown once): {p}")?;
            }
        }
        UserCommand::List { format } => {
            let accounts = store.accounts().await?;
            match format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({ "accounts": accounts }))?,
                ScanFormat::Text => {
                    let mut out = crate::output::stdout();
                    if accounts.is_empty() {
                        writeln!(out, "no accounts (failwell user add makes one)")?;
                    }
                    for a in &accounts {
                        writeln!(
                            out,
                            "{} {} ({}){}{}",
                            a.username,
                            a.role,
                            a.display_name,
                            a.organisation.as_ref().map_or(String::new(), |o| format!(" of {o}")),
                            a.disabled_at.as_ref().map_or(String::new(), |d| format!(" disabled {d}"))
                        )?;
                    }
                    out.flush()?;
                }
            }
        }
        UserCommand::Password { username, password_stdin } => {
            let (password, made) = password(*password_stdin)?;
            store.set_password(username, &failwell_web::auth::hash_password(&password)?, &by).await?;
            outln!("password of {username} set; their sessions have ended")?;
            if made {
                outln!("password (shown once): {password}")?;
            }
        }
        UserCommand::Disable { username } => {
            store.disable_account(username, &by).await?;
            outln!("disabled {username}: sessions ended, API tokens revoked")?;
        }
        UserCommand::Token { username, name } => {
            let token = failwell_web::auth::new_token("fw_");
            store.add_api_token(username, name, &failwell_web::auth::token_hash(&token), &by).await?;
            outln!("API token {name:?} for {username} (shown once; send as 'Authorization: Bearer TOKEN'):\n{token}")?;
        }
        UserCommand::RevokeToken { username, name } => {
            let n = store.revoke_api_tokens(username, name, &by).await?;
            outln!("revoked {n} API token(s) named {name:?} of {username}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
