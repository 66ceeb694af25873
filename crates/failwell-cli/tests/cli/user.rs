//! `failwell user`: accounts with no default password, API tokens shown once, and a token
//! that stops working the moment its account is disabled, asked of a real `failwell serve`.

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

/// `GET path` with a bearer token over plain TCP; returns the status code.
fn status_with_token(addr: &str, path: &str, token: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(addr).expect("the server accepts connections");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line")
}

#[test]
fn accounts_have_no_default_password_and_a_disabled_account_s_token_stops_working() {
    for store in stores() {
        let b = store.backend;
        let added = ok(&store, &["user", "add", "ana", "--role", "analyst", "--name", "Ana Lyst"]);
        let password = added.lines().find_map(|l| l.strip_prefix("password (shown once): ")).expect(&added);
        assert_eq!(password.len(), 20, "[{b}] a random password: {added}");
        // The same name twice, a provider without an organisation, an unknown role, a short
        // password: each refused with the reason, and nothing written.
        for (args, reason) in [
            (vec!["user", "add", "ana", "--role", "analyst", "--name", "Other"], "exists already"),
            (vec!["user", "add", "pat", "--role", "provider", "--name", "Pat"], "needs an organisation"),
            (
                vec!["user", "add", "pat", "--role", "provider", "--name", "Pat", "--organisation", "E99999999"],
                "unknown organisation",
            ),
            (vec!["user", "add", "pat", "--role", "superuser", "--name", "Pat"], "unknown role"),
        ] {
            let out = run(&store, &args);
            assert!(!out.status.success(), "[{b}] {args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(reason), "[{b}] {args:?}: {err}");
        }
        let mut child = failwell()
            .args([
                "--database",
                &store.url,
                "user",
                "add",
                "pat",
                "--role",
                "analyst",
                "--name",
                "Pat",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"short\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "[{b}]");
        assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"), "[{b}]");

        let list = ok(&store, &["user", "list", "--format", "json"]);
        assert!(list.contains("\"username\": \"ana\"") || list.contains("\"username\":\"ana\""), "[{b}] {list}");
        assert!(!list.contains("argon2") && !list.contains("password"), "[{b}] no hash is listed: {list}");

        let token_out = ok(&store, &["user", "token", "ana", "--name", "a script"]);
        let token = token_out.lines().find(|l| l.starts_with("fw_")).expect(&token_out).to_string();
        assert_eq!(token.len(), 67, "[{b}]");

        let mut server = failwell()
            .args(["--database", &store.url, "serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(server.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect(&line).to_string();
        assert_eq!(status_with_token(&addr, "/api/v1/scans", &token), 200, "[{b}]");
        assert_eq!(status_with_token(&addr, "/api/v1/audit", &token), 403, "[{b}] an analyst is not an administrator");
        // One leaked token is revoked from the command line while the server runs (and
        // has already let it in): the server refuses it from its next request, and the
        // account's other token still works.
        let leaked_out = ok(&store, &["user", "token", "ana", "--name", "laptop"]);
        let leaked = leaked_out.lines().find(|l| l.starts_with("fw_")).expect(&leaked_out).to_string();
        assert_eq!(status_with_token(&addr, "/api/v1/scans", &leaked), 200, "[{b}]");
        let revoked = ok(&store, &["user", "revoke-token", "ana", "--name", "laptop"]);
        assert!(revoked.contains("revoked 1 API token(s) named \"laptop\" of ana"), "[{b}] {revoked}");
        assert_eq!(status_with_token(&addr, "/api/v1/scans", &leaked), 401, "[{b}] the revoked token");
        assert_eq!(status_with_token(&addr, "/api/v1/scans", &token), 200, "[{b}] the other token");
        let again = failwell()
            .args(["--database", &store.url, "user", "revoke-token", "ana", "--name", "laptop"])
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(1), "[{b}]");
        assert!(String::from_utf8_lossy(&again.stderr).contains("no API token named \"laptop\""), "[{b}]");
        ok(&store, &["user", "disable", "ana"]);
        assert_eq!(status_with_token(&addr, "/api/v1/scans", &token), 401, "[{b}] the token died with the account");
        std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
        assert!(server.wait().unwrap().success(), "[{b}]");

        // Every account change is in the audit log, under the operating-system user.
        let audit = ok(&store, &["intervention", "audit"]);
        for action in ["add account", "add API token", "revoke API token", "disable account"] {
            assert!(audit.contains(action), "[{b}] {action}: {audit}");
        }
        assert!(audit.contains("cli:"), "[{b}] {audit}");
    }
}
