//! `failwell remind` against a real SMTP listener on loopback (aiosmtpd, storing what
//! arrives in a maildir): one digest per person per day with every due item, nothing sent
//! twice on the same day, and a failed send tried again by the next run. The same for the
//! webhook, against Python's own `http.server` on loopback, with the body's signature
//! checked.
//!
//! Runs when Python's aiosmtpd is installed (`.ci/run` installs Debian's
//! python3-aiosmtpd and sets `FAILWELL_TEST_SMTP`, which makes it required).

use crate::scan::load;
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A Python with aiosmtpd, if there is one.
fn python() -> Option<PathBuf> {
    ["/usr/bin/python3", "python3"].iter().map(PathBuf::from).find(|p| {
        Command::new(p).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An aiosmtpd listener on a free loopback port, delivering into `maildir`.
struct Smtp {
    child: Child,
    port: u16,
}

impl Smtp {
    fn start(python: &Path, maildir: &Path) -> Smtp {
        let port = free_port();
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Smtp { child, port };
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on port {port}");
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages that arrived, as text.
fn arrived(maildir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(dir) = std::fs::read_dir(maildir.join(sub)) {
            for f in dir.flatten() {
                out.push(std::fs::read_to_string(f.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn one_digest_per_person_per_day_never_twice_and_failures_are_retried() {
    let Some(python) = python() else {
        assert!(
            std::env::var("FAILWELL_TEST_SMTP").map_or(true, |v| v.is_empty()),
            "FAILWELL_TEST_SMTP is set but Python's aiosmtpd is not installed"
        );
        eprintln!("SMTP test skipped: Python's aiosmtpd is not installed");
        return;
    };
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let open = |org, rung, start, report, actors: &[&str]| open_case(&store, org, rung, (start, report), actors);
        open(
            "E08000017",
            "statutory_direction",
            "2023-07-01",
            "2023-06-01",
            &[
                "B. Chair:board_chair:monitor:chair@example.org",
                "C. Lead:case_lead:direct:lead@example.org",
                "No Mail:board_member:monitor",
            ],
        );
        open(
            "E10000032",
            "improvement_notice",
            "2023-03-01",
            "2023-03-01",
            &["B. Chair:board_chair:monitor:chair@example.org"],
        );

        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let smtp = Smtp::start(&python, &maildir);
        let port = smtp.port.to_string();
        let remind = |day: &str, port: &str| {
            run(
                &store,
                &[
                    "remind",
                    "--today",
                    day,
                    "--smtp-host",
                    "127.0.0.1",
                    "--smtp-port",
                    port,
                    "--smtp-security",
                    "none",
                    "--from",
                    "failwell <casework@example.org>",
                ],
            )
        };
        // 25 August 2023: the action plan (due 10 August) is overdue; the first monitoring
        // visit and the first notice review (1 September) are due soon.
        let out = remind("2023-08-25", &port);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "[{b}] {text} {}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("2 sent, 0 already sent today, 0 failed"), "[{b}] {text}");
        let mail = arrived(&maildir);
        assert_eq!(mail.len(), 2, "[{b}] one digest each for the two people with an address");
        let chair = mail.iter().find(|m| m.contains("chair@example.org")).expect("the chair's digest");
        for item in ["Action plan sent to Ofsted", "Ofsted monitoring visits 1", "Improvement notice review 1"] {
            assert!(chair.contains(item), "[{b}] the chair sits on both cases: {item} missing from\n{chair}");
        }
        assert!(chair.contains("overdue 2023-08-10"), "[{b}] {chair}");
        let lead = mail.iter().find(|m| m.contains("lead@example.org")).expect("the lead's digest");
        assert!(!lead.contains("Improvement notice review"), "[{b}] the lead is not on the second case");

        // A restart on the same day sends nothing twice.
        let again = remind("2023-08-25", &port);
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 sent, 2 already sent today"), "[{b}]");
        assert_eq!(arrived(&maildir).len(), 2, "[{b}] nothing sent twice");

        // The next day the server is unreachable: both fail, are recorded, and go out on
        // the next run.
        let down = remind("2023-08-26", &free_port().to_string());
        assert!(!down.status.success(), "[{b}] a failed send is an error");
        assert!(String::from_utf8_lossy(&down.stdout).contains("0 sent, 0 already sent today, 2 failed"), "[{b}]");
        let retry = remind("2023-08-26", &port);
        assert!(String::from_utf8_lossy(&retry.stdout).contains("2 sent, 0 already sent today, 0 failed"), "[{b}]");
        assert_eq!(arrived(&maildir).len(), 4, "[{b}]");

        // The lead leaves the first case on the 27th: from that day its reminders go to
        // the chair alone.
        let leave = ["intervention", "remove-person", "1", "--name", "C. Lead", "--role", "case_lead", "--on"];
        ok(&store, &[&leave[..], &["2023-08-27", "--by", "caseworker"]].concat());
        let after = remind("2023-08-27", &port);
        assert!(String::from_utf8_lossy(&after.stdout).contains("1 sent, 0 already sent today, 0 failed"), "[{b}]");
        let mail = arrived(&maildir);
        assert_eq!(mail.len(), 5, "[{b}]");
        assert!(mail.iter().filter(|m| m.contains("lead@example.org")).count() == 2, "[{b}] none for the lead since");

        // The log lists what was recorded: the day of the failures has two failed (with
        // why) and two sent; everything, as JSON, seven.
        let log = ok(&store, &["remind", "--log", "--today", "2023-08-26"]);
        assert!(log.contains("4 reminder(s) recorded for 2023-08-26: 2 sent, 2 failed, 0 pending"), "[{b}] {log}");
        assert!(log.lines().any(|l| l.contains("chair@example.org by email: failed (")), "[{b}] {log}");
        let all: serde_json::Value =
            serde_json::from_str(&ok(&store, &["remind", "--log", "--format", "json"])).unwrap();
        assert_eq!(all["reminders"].as_array().map(Vec::len), Some(7), "[{b}] {all}");
        drop(smtp);
    }
}

/// A webhook receiver on loopback (Python's standard `http.server`): each post it takes is
/// written to `dir` as `NNN.json` (`{"headers": {...}, "body": ...}`); while `dir/status`
/// holds a status code, it answers that instead and keeps nothing.
const RECEIVER: &str = r#"
import sys, os, json, http.server
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = os.path.join(out, "status")
        status = int(open(path).read()) if os.path.exists(path) else 200
        if status == 200:
            n = len([f for f in os.listdir(out) if f.endswith(".json")])
            raw = body.decode()
            with open(os.path.join(out, "%03d.json" % n), "w") as f:
                json.dump({"headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw, "body": json.loads(raw)}, f)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"#;

/// What the receiver took, in order.
fn posted(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.iter().map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap()).collect()
}

#[test]
fn webhook_digests_are_signed_sent_once_a_day_and_retried_after_a_failure() {
    let Some(python) = ["/usr/bin/python3", "python3"]
        .iter()
        .map(PathBuf::from)
        .find(|p| Command::new(p).arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success()))
    else {
        eprintln!("webhook test skipped: no python3 for the receiver");
        return;
    };
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        open_case(
            &store,
            "E08000017",
            "statutory_direction",
            ("2023-07-01", "2023-06-01"),
            &["B. Chair:board_chair:monitor:chair@example.org", "No Mail:board_member:monitor"],
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut receiver = Command::new(&python)
            .args(["-c", RECEIVER, &port.to_string()])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the receiver starts");
        let up = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "the receiver listens");
        let url = format!("http://127.0.0.1:{port}/hooks/casework");
        let secret = "a shared secret for the test";
        let remind = |day: &str| {
            failwell()
                .arg("--database")
                .arg(&store.url)
                .args(["remind", "--today", day, "--webhook", &url])
                .env("FAILWELL_WEBHOOK_SECRET", secret)
                .env_remove("FAILWELL_SMTP_HOST")
                .env_remove("FAILWELL_SMTP_FROM")
                .output()
                .unwrap()
        };

        let out = remind("2023-08-25");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "[{b}] {text} {}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("by webhook: 1 sent, 0 already sent today, 0 failed"), "[{b}] {text}");
        assert!(!text.contains("by e-mail"), "[{b}] no SMTP server, no e-mail");
        let got = posted(dir.path());
        assert_eq!(got.len(), 1, "[{b}] one digest: the person without an address gets none");
        let body = &got[0]["body"];
        assert_eq!((body["person"].as_str(), body["day"].as_str()), (Some("B. Chair"), Some("2023-08-25")), "[{b}]");
        assert!(body["text"].as_str().unwrap().contains("Action plan sent to Ofsted"), "[{b}] {body}");
        assert_eq!(body["items"][0]["status"], "overdue", "[{b}] {body}");
        // The signature is the HMAC-SHA256 of the body as sent, checked here with Python's hmac.
        let headers = &got[0]["headers"];
        let check = Command::new(&python)
            .args([
                "-c",
                "import hmac, hashlib, sys; print('sha256=' + hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
                secret,
                got[0]["raw"].as_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(
            headers["x-failwell-signature"].as_str(),
            Some(String::from_utf8_lossy(&check.stdout).trim()),
            "[{b}] {headers}"
        );
        assert!(headers["x-failwell-delivery"].as_str().is_some_and(|d| d.parse::<i64>().is_ok()), "[{b}]");

        // Again the same day: nothing posted twice.
        let again = remind("2023-08-25");
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 sent, 1 already sent today"), "[{b}]");
        assert_eq!(posted(dir.path()).len(), 1, "[{b}]");

        // The next day the receiver fails: recorded, an error, and posted by the next run.
        std::fs::write(dir.path().join("status"), "503").unwrap();
        let down = remind("2023-08-26");
        assert!(!down.status.success(), "[{b}]");
        assert!(String::from_utf8_lossy(&down.stderr).contains("503"), "[{b}]");
        std::fs::remove_file(dir.path().join("status")).unwrap();
        let retry = remind("2023-08-26");
        assert!(String::from_utf8_lossy(&retry.stdout).contains("1 sent, 0 already sent today, 0 failed"), "[{b}]");
        let got = posted(dir.path());
        assert_eq!(got.len(), 2, "[{b}]");
        assert_ne!(got[0]["headers"]["x-failwell-delivery"], got[1]["headers"]["x-failwell-delivery"], "[{b}]");

        // Plain http to another machine is refused before anything is claimed.
        let far = failwell()
            .arg("--database")
            .arg(&store.url)
            .args(["remind", "--today", "2023-08-27", "--webhook", "http://hooks.example.org/x"])
            .output()
            .unwrap();
        assert!(!far.status.success() && String::from_utf8_lossy(&far.stderr).contains("use https"), "[{b}]");
        let _ = receiver.kill();
        let _ = receiver.wait();
    }
}

#[test]
fn a_case_with_items_due_and_no_one_to_mail_is_named_not_hidden() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        open_case(
            &store,
            "E08000017",
            "statutory_direction",
            ("2023-07-01", "2023-06-01"),
            &["No Mail:board_member:monitor"],
        );
        let out = run(&store, &["remind", "--dry-run", "--today", "2023-08-25"]);
        let (text, err) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "[{b}] {err}");
        assert!(text.contains("0 digest(s)"), "[{b}] {text}");
        assert!(
            err.contains("intervention 1 has") && err.contains("none of its people has an e-mail address"),
            "[{b}] the case that no one is reminded of is named: {err}"
        );
    }
}

/// Opens a children's services case on `org` at `rung`, (start, report published), with
/// its people (`NAME:ROLE:POWER[:EMAIL]`), applied by the DfE.
fn open_case(store: &TestStore, org: &str, rung: &str, (start, report): (&str, &str), actors: &[&str]) {
    let mut args = vec![
        "intervention",
        "open",
        "--organisation",
        org,
        "--sector",
        "childrens_services",
        "--rung",
        rung,
        "--applied-by",
        "dfe",
        "--start",
        start,
        "--report-published",
        report,
        "--reason",
        "Judged Inadequate",
        "--by",
        "caseworker",
    ];
    for a in actors {
        args.extend(["--actor", a]);
    }
    ok(store, &args);
}
