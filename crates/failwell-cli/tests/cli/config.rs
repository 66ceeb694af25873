//! The configuration file: its keys fill the environment's gaps, the environment and
//! flags win over it, and a bad file stops with its line and column before anything runs.

use crate::support::*;

#[test]
fn a_config_file_names_the_store_unless_the_environment_or_a_flag_does() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file.db");
    let from_env = dir.path().join("from-env.db");
    let from_flag = dir.path().join("from-flag.db");
    let config = dir.path().join("failwell.toml");
    std::fs::write(&config, format!("database = {:?}\naddr = \"127.0.0.1:0\"\n", from_file.display().to_string()))
        .unwrap();

    let run = |envs: &[(&str, &std::path::Path)], extra: &[&str]| {
        let mut cmd = failwell();
        cmd.env_remove("FAILWELL_DATABASE_URL").arg("--config").arg(&config).args(extra).arg("status");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[], &[]);
    assert!(from_file.exists(), "the file's database was used");
    run(&[("FAILWELL_DATABASE_URL", &from_env)], &[]);
    assert!(from_env.exists(), "the environment beats the file");
    let flag = from_flag.display().to_string();
    run(&[("FAILWELL_DATABASE_URL", &from_env)], &["--database", &flag]);
    assert!(from_flag.exists(), "a flag beats both");

    std::fs::write(&config, "addr = \"127.0.0.1:0\"\n[smtp]\npassword = \"hunter2\"\n").unwrap();
    let out = failwell().arg("--config").arg(&config).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failwell.toml:3:1: smtp.password is a secret"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
