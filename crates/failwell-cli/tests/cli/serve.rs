//! `failwell serve` as an operator runs it: a child process on a free port, asked over
//! TCP whether it is up and ready, then stopped with SIGTERM, which it must survive
//! cleanly (graceful shutdown, exit code 0).

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

/// One HTTP/1.1 GET over a plain TCP connection; returns the status line and the body.
fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("the server accepts connections");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

#[test]
fn serve_answers_health_and_ready_and_stops_cleanly_on_sigterm() {
    for store in stores() {
        let b = store.backend;
        // Migrations run on open, so a fresh store is ready.
        ok(&store, &["status"]);
        let mut child = failwell()
            .args(["--database", &store.url, "serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("failwell serve starts");
        // Kept open to the end: the server says goodbye on stdout as it stops.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("[{b}] no address in {line:?}"))
            .to_string();
        let (status, body) = http_get(&addr, "/api/v1/health");
        assert!(status.contains(" 200 "), "[{b}] {status}");
        assert!(body.contains(r#""status":"ok""#), "[{b}] {body}");
        let (status, body) = http_get(&addr, "/api/v1/ready");
        assert!(status.contains(" 200 "), "[{b}] {status} {body}");
        assert!(body.contains(&format!(r#""backend":"{b}""#)), "[{b}] {body}");
        let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let exit = child.wait().unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert!(exit.success(), "[{b}] a graceful stop exits 0: {exit:?}");
        assert!(rest.contains("failwell stopped"), "[{b}] {rest}");
    }
}
