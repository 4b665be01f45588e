//! `calstack clients add | list | show | update | rm`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};
use calstack_core::Client;
use calstack_core::facade::ClientUpdate;
use calstack_core::validate::working_hours;
use serde::Serialize;

use crate::app::App;
use crate::cli::ClientsCommand;
use crate::commands::oauth::{CredentialStatus, credential_status};
use crate::dates::system_zone;
use crate::output::{Table, print_json};

/// Runs one `clients` subcommand.
pub async fn run(app: &App, cmd: ClientsCommand) -> Result<()> {
    let clients = app.calstack.clients();
    match cmd {
        ClientsCommand::Add { name, email } => {
            let client = clients.create(&name, &email).await?;
            if app.global.json {
                print_json(&client)?;
            } else {
                println!(
                    "added client {} <{}> ({})",
                    client.name, client.email, client.id
                );
            }
        }
        ClientsCommand::List => {
            let all = clients.list().await?;
            if app.global.json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("no clients yet: add one with `calstack clients add --name … --email …`");
                return Ok(());
            }
            let mut table = Table::new(["ID", "NAME", "EMAIL", "GOOGLE"]);
            let now = app.calstack.clock().now();
            for client in &all {
                let google = match app.credential(client).await? {
                    Some(c) => credential_status(&c, &client.name, now).state_text(),
                    None => "not connected".to_owned(),
                };
                table.row([
                    client.id.to_string(),
                    client.name.clone(),
                    client.email.clone(),
                    google,
                ]);
            }
            print!("{}", table.render());
        }
        ClientsCommand::Show { client } => {
            let client = app.client(&client).await?;
            let now = app.calstack.clock().now();
            let credentials: Vec<CredentialStatus> = app
                .calstack
                .oauth()
                .list_credentials(Some(client.id))
                .await?
                .iter()
                .map(|c| credential_status(c, &client.name, now))
                .collect();
            let hours = clients
                .working_hours(client.id)
                .await?
                .map(|h| h.to_string());
            if app.global.json {
                #[derive(Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    client: &'a Client,
                    working_hours: Option<&'a str>,
                    credentials: &'a [CredentialStatus],
                }
                return print_json(&Shown {
                    client: &client,
                    working_hours: hours.as_deref(),
                    credentials: &credentials,
                });
            }
            let mut table = Table::new(["", ""]);
            table.row(["id", &client.id.to_string()]);
            table.row(["name", &client.name]);
            table.row(["email", &client.email]);
            table.row(["created", &client.created_at.to_rfc3339()]);
            table.row(["updated", &client.updated_at.to_rfc3339()]);
            table.row(["working hours", hours.as_deref().unwrap_or("any time")]);
            if credentials.is_empty() {
                table.row(["google", "not connected"]);
            }
            for c in &credentials {
                table.row(["google", &c.state_text()]);
                table.row(["  app", &c.google_client_id]);
                if let Some(account) = &c.account_email {
                    table.row(["  account", account]);
                }
                table.row(["  scopes", &c.scopes.join(" ")]);
            }
            print!(
                "{}",
                table
                    .render()
                    .lines()
                    .skip(1)
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
            );
        }
        ClientsCommand::Update {
            client,
            name,
            email,
            working_hours,
            time_zone,
            no_working_hours,
        } => {
            if name.is_none() && email.is_none() && working_hours.is_none() && !no_working_hours {
                bail!(
                    "nothing to change: give --name, --email, --working-hours or --no-working-hours"
                );
            }
            let zone = time_zone.unwrap_or_else(|| system_zone().name().to_owned());
            let hours = match (working_hours, no_working_hours) {
                (Some(text), _) => Some(Some(working_hours::parse(&text, &zone)?)),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let found = app.client(&client).await?;
            let updated = clients
                .update(
                    found.id,
                    ClientUpdate {
                        name,
                        email,
                        working_hours: hours,
                    },
                )
                .await?;
            if app.global.json {
                print_json(&updated)?;
            } else {
                println!(
                    "updated client {} <{}> ({})",
                    updated.name, updated.email, updated.id
                );
            }
        }
        ClientsCommand::Rm { client, yes } => {
            let found = app.client(&client).await?;
            let credentials = app
                .calstack
                .oauth()
                .list_credentials(Some(found.id))
                .await?;
            if !yes {
                confirm(&format!(
                    "Delete client {} <{}> and its {} credential(s)?",
                    found.name,
                    found.email,
                    credentials.len()
                ))?;
            }
            clients.delete(found.id).await?;
            if app.global.json {
                print_json(&serde_json::json!({ "deleted": found.id }))?;
            } else {
                println!("deleted client {} ({})", found.name, found.id);
                if credentials.iter().any(|c| c.is_valid) {
                    eprintln!(
                        "note: the Google grant was not revoked at Google; revoke it in the Google account's security settings, or next time run `calstack oauth revoke` first"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Asks `question` on a terminal; refuses outright when stdin is not one.
fn confirm(question: &str) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to delete without --yes (stdin is not a terminal, so nobody can confirm)");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        bail!("cancelled: nothing was deleted")
    }
}
