//! The TOML configuration file (`--config FILE` or `ENGFEED_CONFIG`).
//!
//! Precedence, highest first: command-line flags, environment variables, the file, built-in
//! defaults. The file's keys are the flags' long names; before the command line is parsed,
//! each setting the command takes, that the command line does not give and whose
//! environment variable is not set, is added to it as a flag. clap then resolves everything
//! as always.
//!
//! ```toml
//! database-url = "postgres://engfeed:secret@127.0.0.1:5432/engfeed"
//! public-url = "https://feeds.example.com"
//! bind = "127.0.0.1:8080"
//! cache-bytes = 134217728
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::CommandFactory;

use super::Cli;

/// Each key the file may hold, and the environment variable it stands for.
pub const KEYS: &[(&str, &str)] = &[
    ("database-url", "DATABASE_URL"),
    ("database-read-url", "DATABASE_READ_URL"),
    ("bind", "ENGFEED_BIND"),
    ("public-url", "ENGFEED_PUBLIC_URL"),
    ("db-pool-size", "ENGFEED_DB_POOL_SIZE"),
    ("workers", "ENGFEED_WORKERS"),
    ("tombstone-days", "ENGFEED_TOMBSTONE_DAYS"),
    ("websub-hub", "ENGFEED_WEBSUB_HUB"),
    ("cache-max-age", "ENGFEED_CACHE_MAX_AGE"),
    ("cache-bytes", "ENGFEED_CACHE_BYTES"),
    ("stats-retention-days", "ENGFEED_STATS_RETENTION_DAYS"),
    ("log-format", "ENGFEED_LOG_FORMAT"),
];

pub const ENV: &str = "ENGFEED_CONFIG";

/// The file named by `--config` among `args`, else by `ENGFEED_CONFIG`.
fn path_from(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(|path| PathBuf::from(path.as_ref()));
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(ENV).map(PathBuf::from)
}

/// The command line with the configuration file's settings added (see the module comment);
/// unchanged when there is no file.
pub fn apply(mut args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(path) = path_from(&args) else {
        return Ok(args);
    };
    let settings = read(&path)?;
    let command = Cli::command();
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // The subcommand being run, nested ones included (`token create`).
    let mut target = &command;
    let mut skip_value = false;
    for word in words.iter().skip(1) {
        if skip_value {
            skip_value = false;
        } else if word == "--config" || word == "--log-format" {
            skip_value = true;
        } else if !word.starts_with('-') {
            match target.find_subcommand(word) {
                Some(sub) => target = sub,
                None => break,
            }
        }
    }
    let takes = |key: &str| {
        target
            .get_arguments()
            .chain(command.get_arguments())
            .any(|arg| arg.get_long() == Some(key))
    };
    for (key, value) in settings {
        let given = words
            .iter()
            .any(|w| w == &format!("--{key}") || w.starts_with(&format!("--{key}=")));
        if takes(key) && !given {
            args.push(format!("--{key}={value}").into());
        }
    }
    Ok(args)
}

/// The settings in `path` that the environment does not set, as (flag, value), after
/// checking every key: a misspelt key is an error, not a silently ignored line.
fn read(path: &Path) -> anyhow::Result<Vec<(&'static str, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let mut settings = Vec::new();
    for (key, value) in table {
        let Some(&(flag, variable)) = KEYS.iter().find(|(known, _)| *known == key) else {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            anyhow::bail!(
                "{}: unknown setting `{key}` (known: {})",
                path.display(),
                known.join(", ")
            );
        };
        let value = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(number) => number.to_string(),
            other => anyhow::bail!(
                "{}: `{key}` must be a string or a whole number, not {}",
                path.display(),
                other.type_str()
            ),
        };
        if std::env::var_os(variable).is_none() {
            settings.push((flag, value));
        }
    }
    Ok(settings)
}
