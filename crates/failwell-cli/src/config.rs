//! The optional configuration file: `failwell --config FILE …` or `FAILWELL_CONFIG=FILE`.
//!
//! A deployment keeps its settings in one TOML file instead of a dozen variables. Each key
//! stands for one environment variable and fills it only when it is not already set, so
//! the order is always: a flag, then the environment, then the file, then the default.
//! Secrets are never read from the file (the SMTP password comes only from
//! `FAILWELL_SMTP_PASSWORD`, the webhook's signing secret only from
//! `FAILWELL_WEBHOOK_SECRET`): a configuration file is copied, committed and shared.
//!
//! ```toml
//! database = "postgres://failwell@db.internal/failwell"
//! addr = "0.0.0.0:8080"
//! log = "info"
//!
//! [smtp]
//! host = "smtp.example.org"
//! port = 587
//! security = "starttls"
//! user = "failwell"
//! from = "failwell <failwell@example.org>"
//! ```

use std::ffi::OsString;
use std::path::PathBuf;

/// Each key of the file and the environment variable it stands for.
pub const KEYS: &[(&str, &str)] = &[
    ("database", "FAILWELL_DATABASE_URL"),
    ("addr", "FAILWELL_ADDR"),
    ("log", "FAILWELL_LOG"),
    ("smtp.host", "FAILWELL_SMTP_HOST"),
    ("smtp.port", "FAILWELL_SMTP_PORT"),
    ("smtp.security", "FAILWELL_SMTP_SECURITY"),
    ("smtp.user", "FAILWELL_SMTP_USER"),
    ("smtp.from", "FAILWELL_SMTP_FROM"),
    ("webhook.url", "FAILWELL_WEBHOOK_URL"),
];

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML, or a key is unknown, not a value, or a secret.
    #[error("{path}:{line}:{column}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Why.
        reason: String,
    },
}

/// Line and column (1-based) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where `key` (the last part of a dotted key) is first written at the start of a line.
fn key_offset(text: &str, key: &str) -> usize {
    let name = key.rsplit('.').next().unwrap_or(key);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// The environment variables file `path`, whose text is `text`, sets: (variable, value).
///
/// # Errors
/// [`ConfigError::Invalid`] with the line and column of the first problem.
pub fn settings(path: &str, text: &str) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let invalid = |offset: usize, reason: String| {
        let (line, column) = position(text, offset);
        ConfigError::Invalid { path: path.to_string(), line, column, reason }
    };
    let table: toml::Table =
        toml::from_str(text).map_err(|e| invalid(e.span().map_or(0, |s| s.start), e.message().to_string()))?;
    let mut flat: Vec<(String, &toml::Value)> = Vec::new();
    for (k, v) in &table {
        match v {
            toml::Value::Table(inner) => flat.extend(inner.iter().map(|(ik, iv)| (format!("{k}.{ik}"), iv))),
            _ => flat.push((k.clone(), v)),
        }
    }
    let mut out = Vec::new();
    for (key, value) in flat {
        let at = key_offset(text, &key);
        if key.ends_with("password") || key.ends_with("secret") {
            let var = if key.ends_with("secret") { "FAILWELL_WEBHOOK_SECRET" } else { "FAILWELL_SMTP_PASSWORD" };
            return Err(invalid(
                at,
                format!("{key} is a secret and is not read from a file: set {var} in the environment"),
            ));
        }
        let Some((_, var)) = KEYS.iter().find(|(k, _)| *k == key) else {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            return Err(invalid(at, format!("unknown key {key:?}; the keys are {}", known.join(", "))));
        };
        let value = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => return Err(invalid(at, format!("{key} must be a string or a number, not {}", other.type_str()))),
        };
        out.push((*var, value));
    }
    Ok(out)
}

/// The file named by `--config FILE` (or `--config=FILE`) in `args`, else by
/// `FAILWELL_CONFIG`.
pub fn named(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            return Some(PathBuf::from(v));
        }
        if a == "--" {
            break;
        }
    }
    std::env::var_os("FAILWELL_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Reads the configuration file `args` name, if any, and sets each of its variables that
/// the environment does not already set.
///
/// Must run before any thread starts (it changes the process environment).
///
/// # Errors
/// The file cannot be read or is invalid.
pub fn apply(args: &[OsString]) -> Result<(), ConfigError> {
    let Some(path) = named(args) else { return Ok(()) };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
    for (var, value) in settings(&shown, &text)? {
        if std::env::var_os(var).is_none_or(|v| v.is_empty()) {
            // SAFETY: called from `main` before the runtime or any other thread exists, so
            // nothing reads or writes the environment concurrently.
            unsafe { std::env::set_var(var, value) };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_variables_and_problems_say_where() {
        let text = "database = \"x.db\"\naddr = \"0.0.0.0:80\"\n\n[smtp]\nhost = \"mail\"\nport = 25\n";
        let got = settings("f.toml", text).unwrap();
        assert_eq!(
            got,
            vec![
                ("FAILWELL_ADDR", "0.0.0.0:80".to_string()),
                ("FAILWELL_DATABASE_URL", "x.db".to_string()),
                ("FAILWELL_SMTP_HOST", "mail".to_string()),
                ("FAILWELL_SMTP_PORT", "25".to_string()),
            ]
        );
        let unknown = settings("f.toml", "addr = \"a\"\n[smtp]\n  hots = \"mail\"\n").unwrap_err().to_string();
        assert!(unknown.starts_with("f.toml:3:3: unknown key \"smtp.hots\""), "{unknown}");
        let secret = settings("f.toml", "[smtp]\npassword = \"hunter2\"\n").unwrap_err().to_string();
        assert!(secret.starts_with("f.toml:2:1: smtp.password is a secret"), "{secret}");
        let secret =
            settings("f.toml", "[webhook]\nurl = \"https://x.example/h\"\nsecret = \"s\"\n").unwrap_err().to_string();
        assert!(secret.starts_with("f.toml:3:1: webhook.secret is a secret"), "{secret}");
        assert!(secret.contains("FAILWELL_WEBHOOK_SECRET"), "{secret}");
        assert!(!secret.contains("hunter2"));
        let broken = settings("f.toml", "addr = \n").unwrap_err().to_string();
        assert!(broken.starts_with("f.toml:1:"), "{broken}");
        let list = settings("f.toml", "addr = [1]\n").unwrap_err().to_string();
        assert!(list.contains("must be a string or a number"), "{list}");
    }

    #[test]
    fn the_file_is_named_by_the_flag_before_the_environment() {
        let args: Vec<OsString> = ["failwell", "--config", "a.toml", "serve"].iter().map(OsString::from).collect();
        assert_eq!(named(&args), Some(PathBuf::from("a.toml")));
        let args: Vec<OsString> = ["failwell", "serve", "--config=b.toml"].iter().map(OsString::from).collect();
        assert_eq!(named(&args), Some(PathBuf::from("b.toml")));
    }
}
