//! `engfeed check`: what a newcomer (or a deploy script) wants to know before `serve`.

use std::net::TcpListener;

use super::{PublicArgs, check_reachable};
use crate::config::DatabaseUrl;
use crate::db;

/// Prints one line per check and fails when any does.
pub async fn run(database_url: &DatabaseUrl, public: &PublicArgs) -> anyhow::Result<()> {
    println!("database     {database_url}");
    println!("bind         {}", public.bind);
    match &public.public_url {
        Some(url) => println!("public URL   {url}"),
        None => println!(
            "public URL   http://{} (set ENGFEED_PUBLIC_URL for the address readers use)",
            public.bind
        ),
    }
    let mut problems = Vec::new();

    match check_reachable(database_url).await {
        Ok(()) => println!("ok           PostgreSQL answers"),
        Err(e) => problems.push(format!("{e:#}")),
    }
    if problems.is_empty() {
        match db::pending_migrations(database_url.expose()).await {
            Ok(pending) if pending.is_empty() => println!("ok           migrations are current"),
            Ok(pending) => problems.push(format!(
                "{} migration(s) not applied ({}): run `engfeed migrate` (serve applies them too)",
                pending.len(),
                pending.join(", ")
            )),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    match TcpListener::bind(public.bind) {
        Ok(_) => println!("ok           {} is free to listen on", public.bind),
        Err(e) => problems.push(format!(
            "cannot listen on {} ({e}): is engfeed already running? pick another with --bind or ENGFEED_BIND",
            public.bind
        )),
    }
    for problem in &problems {
        println!("PROBLEM      {problem}");
    }
    anyhow::ensure!(problems.is_empty(), "{} problem(s) found", problems.len());
    println!("all checks passed");
    Ok(())
}
