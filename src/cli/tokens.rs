//! `engfeed token create | list | revoke`.

use clap::Subcommand;

use super::{DatabaseArgs, check_reachable};
use crate::db;
use crate::domain::{ApiToken, parse_token_name};

#[derive(Debug, Subcommand)]
pub(super) enum TokenCommand {
    /// Create a token for the admin API and print it; it is shown this once.
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Who or what uses the token, e.g. "ci-import" or "alice".
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token by id; requests with it are refused from then on.
    Revoke {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The id shown by `engfeed token list`.
        id: i64,
    },
}

impl TokenCommand {
    pub(super) async fn run(self) -> anyhow::Result<()> {
        match self {
            TokenCommand::Create { database, name } => {
                let name = parse_token_name(&name)
                    .map_err(|e| anyhow::anyhow!("--name: {}", e.message))?;
                let mut conn = connect(&database).await?;
                let token = ApiToken::generate()?;
                let id = db::tokens::create(&mut conn, &name, token.hash()).await?;
                eprintln!("created token {id} ({name}); it is shown only now:");
                println!("{}", token.expose());
            }
            TokenCommand::List { database } => {
                let mut conn = connect(&database).await?;
                println!("{:>6}  {:<20}  {:<25}  status", "id", "created", "name");
                for token in db::tokens::list(&mut conn).await? {
                    let status = match token.revoked_at {
                        Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                        None => "active".to_owned(),
                    };
                    let created = token.created_at.format("%Y-%m-%d %H:%M");
                    println!(
                        "{:>6}  {created:<20}  {:<25}  {status}",
                        token.id, token.name
                    );
                }
            }
            TokenCommand::Revoke { database, id } => {
                let mut conn = connect(&database).await?;
                if !db::tokens::revoke(&mut conn, id).await? {
                    anyhow::bail!("no active token with id {id} (see `engfeed token list`)");
                }
                println!("revoked token {id}");
            }
        }
        Ok(())
    }
}

async fn connect(database: &DatabaseArgs) -> anyhow::Result<db::Connection> {
    check_reachable(&database.database_url).await?;
    db::run_migrations(database.database_url.expose()).await?;
    Ok(db::connect(database.database_url.expose()).await?)
}
