//! `calstack sharing list|add|remove`: a calendar's ACL.

use anyhow::{Result, bail};
use calstack_core::calendar::{AclRole, AclRule, AclScope};

use crate::app::{App, explain};
use crate::cli::SharingCommand;
use crate::output::{Table, print_json};

/// Runs a `sharing` subcommand.
pub async fn run(app: &App, cmd: SharingCommand) -> Result<()> {
    match cmd {
        SharingCommand::List { client, calendar } => {
            let client = app.client(&client).await?;
            let api = app.calendar(&client).await?;
            let rules = api
                .acl()
                .list(&calendar)
                .collect_all()
                .await
                .map_err(|e| explain(&client.name, e))?;
            if app.global.json {
                return print_json(&rules);
            }
            print!("{}", table(&rules).render());
        }
        SharingCommand::Add {
            client,
            who,
            role,
            scope,
            calendar,
        } => {
            let Some(role) = AclRole::grantable(&role) else {
                bail!("invalid --role {role:?}: use freeBusyReader, reader, writer or owner");
            };
            let Some(scope) = AclScope::named(&scope, who) else {
                bail!("invalid --scope {scope:?}: use user, group or domain");
            };
            let client = app.client(&client).await?;
            let api = app.calendar(&client).await?;
            let rule = api
                .acl()
                .insert(&calendar, AclRule::new(scope, role))
                .send()
                .await
                .map_err(|e| explain(&client.name, e))?;
            if app.global.json {
                return print_json(&rule);
            }
            println!(
                "shared {} of {} with {} as {}",
                calendar,
                client.name,
                scope_text(&rule),
                role_text(&rule)
            );
        }
        SharingCommand::Remove {
            client,
            rule,
            calendar,
        } => {
            let client = app.client(&client).await?;
            let api = app.calendar(&client).await?;
            api.acl()
                .delete(&calendar, &rule)
                .send()
                .await
                .map_err(|e| explain(&client.name, e))?;
            println!("removed {rule} from {calendar} of {}", client.name);
        }
    }
    Ok(())
}

/// The rules as a table: rule id, who, role.
fn table(rules: &[AclRule]) -> Table {
    let mut t = Table::new(["RULE", "WHO", "ROLE"]);
    for rule in rules {
        t.row([
            rule.id.clone().unwrap_or_default(),
            scope_text(rule),
            role_text(rule),
        ]);
    }
    t
}

/// `alice@example.com`, `domain example.com`, `group team@example.com`, or `anyone`.
fn scope_text(rule: &AclRule) -> String {
    let Some(scope) = &rule.scope else {
        return String::new();
    };
    let value = scope.value.clone().unwrap_or_default();
    match scope.kind.as_ref().map(|k| k.as_str()) {
        Some("default") => "anyone".to_owned(),
        Some("user") | None => value,
        Some(kind) => format!("{kind} {value}"),
    }
}

fn role_text(rule: &AclRule) -> String {
    rule.role
        .as_ref()
        .map(|r| r.as_str().to_owned())
        .unwrap_or_default()
}
