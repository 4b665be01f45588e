//! The command-line grammar (clap derive): every command, flag, help text and example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Every client's Google Calendars from one terminal.
#[derive(Debug, Parser)]
#[command(
    name = "calstack",
    version,
    about = "Every client's Google Calendars from one terminal.",
    long_about = "Every client's Google Calendars from one terminal: one Google OAuth credential \
per client, kept encrypted and fresh, and one stacked agenda across all of them.\n\n\
Configuration comes from flags, then environment variables, then defaults (a SQLite file and \
a generated key file in your data directory).",
    after_help = "Examples:\n  calstack demo                         # see everything work against a local emulator\n  calstack clients add --name Acme --email ops@acme.test\n  calstack oauth set Acme --client-id ID.apps.googleusercontent.com --client-secret -\n  calstack oauth authorize Acme\n  calstack agenda --days 7"
)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Database URL: sqlite://PATH, postgres://…, mysql://… [default: a SQLite file in your data directory]
    #[arg(
        long,
        global = true,
        env = "CALSTACK_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub db: Option<String>,

    /// Encryption key for stored secrets (base64, 32 bytes; a comma-separated list rotates keys,
    /// the first seals) [default: a generated key file beside the default database]
    #[arg(
        long,
        global = true,
        env = "CALSTACK_ENCRYPTION_KEY",
        hide_env_values = true,
        value_name = "BASE64"
    )]
    pub key: Option<String>,

    /// Calendar API base URL (to use the emulator or a proxy)
    #[arg(
        long,
        global = true,
        env = "CALSTACK_GOOGLE_API_BASE",
        value_name = "URL",
        help_heading = "Google endpoints"
    )]
    pub api_base: Option<String>,

    /// OAuth consent page URL
    #[arg(
        long,
        global = true,
        env = "CALSTACK_GOOGLE_AUTH_URL",
        value_name = "URL",
        help_heading = "Google endpoints"
    )]
    pub auth_url: Option<String>,

    /// OAuth token endpoint URL
    #[arg(
        long,
        global = true,
        env = "CALSTACK_GOOGLE_TOKEN_URL",
        value_name = "URL",
        help_heading = "Google endpoints"
    )]
    pub token_url: Option<String>,

    /// OAuth revocation endpoint URL
    #[arg(
        long,
        global = true,
        env = "CALSTACK_GOOGLE_REVOKE_URL",
        value_name = "URL",
        help_heading = "Google endpoints"
    )]
    pub revoke_url: Option<String>,

    /// Print machine-readable JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Log to stderr (-v info, -vv debug, -vvv trace) and show error causes
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage clients (the people or businesses whose calendars you run)
    #[command(subcommand)]
    Clients(ClientsCommand),

    /// Connect a client's Google account: register the OAuth app, authorize, check, revoke
    #[command(subcommand)]
    Oauth(OauthCommand),

    /// List a client's calendars
    #[command(
        after_help = "Examples:\n  calstack calendars Acme\n  calstack calendars Acme --json"
    )]
    Calendars {
        /// Client id or unique name
        client: String,
    },

    /// List, add, change and remove events
    #[command(subcommand)]
    Events(EventsCommand),

    /// Share a client's calendar with someone, see who it is shared with, stop sharing
    #[command(subcommand)]
    Sharing(SharingCommand),

    /// All clients' calendars merged into one time-ordered agenda, with conflicts flagged
    #[command(
        after_help = "Examples:\n  calstack agenda\n  calstack agenda --days 14 --client Acme --client Bolt\n  calstack agenda --json | jq '.entries[] | select(.conflicts_with != [])'"
    )]
    Agenda(AgendaArgs),

    /// Double bookings across clients over a window, each pair once
    #[command(
        after_help = "Examples:\n  calstack conflicts\n  calstack conflicts --from 2026-12-01 --to 2026-12-08 --client Acme --client Bolt --json"
    )]
    Conflicts(AgendaArgs),

    /// Busy times per client, merged across each client's calendars
    #[command(
        after_help = "Examples:\n  calstack freebusy --days 2\n  calstack freebusy --from 2026-12-01 --to 2026-12-02 --client Acme --json"
    )]
    Freebusy(AgendaArgs),

    /// Times when every chosen client is free, inside working hours
    #[command(
        after_help = "Examples:\n  calstack slots --duration 45m --client Acme --client Bolt\n  calstack slots --duration 1h --working-hours 09:00-17:00 --buffer 10m --days 5 --json"
    )]
    Slots(SlotsArgs),

    /// Import an .ics file into a calendar (idempotent: events are matched by UID)
    #[command(
        after_help = "Examples:\n  calstack import Acme primary holidays.ics\n  calstack import Acme primary school.ics --skip-invalid\n  calstack export Acme primary > backup.ics && calstack import Acme primary backup.ics"
    )]
    Import {
        /// Client id or unique name
        client: String,
        /// Calendar id (`primary` for the account's main calendar)
        calendar: String,
        /// The .ics file (`-` reads stdin)
        file: PathBuf,
        /// Import the good events and list each refused one with its reason (default: a
        /// file with a bad event changes nothing)
        #[arg(long)]
        skip_invalid: bool,
        /// One request per event instead of batch requests of 50
        #[arg(long)]
        no_batch: bool,
    },

    /// Export a calendar's events as iCalendar (.ics) on stdout
    #[command(
        after_help = "Examples:\n  calstack export Acme primary > acme.ics\n  calstack export Acme primary --from 2026-01-01 --to 2026-12-31 > acme-2026.ics"
    )]
    Export {
        /// Client id or unique name
        client: String,
        /// Calendar id (`primary` for the account's main calendar)
        calendar: String,
        /// Only events ending after this (date or time)
        #[arg(long)]
        from: Option<String>,
        /// Only events starting before this (date or time)
        #[arg(long)]
        to: Option<String>,
    },

    /// Serve the local Google Calendar + OAuth emulator until Ctrl-C
    #[command(
        after_help = "Examples:\n  calstack emulator --port 8080\n  CALSTACK_GOOGLE_API_BASE=http://127.0.0.1:8080/calendar/v3/ calstack agenda"
    )]
    Emulator {
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 0)]
        port: u16,
    },

    /// Check the setup: store, encryption key, credentials, Google endpoints
    #[command(after_help = "Examples:\n  calstack doctor\n  calstack doctor --json")]
    Doctor,

    /// Run the whole job against a local emulator: three clients, OAuth, events, the mirror,
    /// the stacked agenda from it, free windows
    #[command(
        after_help = "Examples:\n  calstack demo\n  calstack demo --db sqlite:///tmp/demo.db   # keep the demo's data"
    )]
    Demo,

    /// Fill the local mirror of every client's calendars from Google (once, or until Ctrl-C
    /// with --watch), or show how fresh it is (`sync status`)
    Sync(crate::commands::sync::SyncArgs),
}

/// `calstack sharing …` (the calendar's ACL)
#[derive(Debug, Subcommand)]
pub enum SharingCommand {
    /// Who the calendar is shared with, and how
    #[command(
        after_help = "Examples:\n  calstack sharing list Acme\n  calstack sharing list Acme --calendar team@group.calendar.google.com --json"
    )]
    List {
        /// Client id or unique name
        client: String,
        /// Calendar id
        #[arg(long, default_value = "primary")]
        calendar: String,
    },
    /// Share the calendar (sharing again with the same person changes the role)
    #[command(
        after_help = "Examples:\n  calstack sharing add Acme assistant@agency.test --role writer\n  calstack sharing add Acme agency.test --scope domain --role freeBusyReader"
    )]
    Add {
        /// Client id or unique name
        client: String,
        /// Email address (or domain name with --scope domain)
        who: String,
        /// freeBusyReader, reader, writer or owner
        #[arg(long, default_value = "reader")]
        role: String,
        /// user, group or domain
        #[arg(long, default_value = "user")]
        scope: String,
        /// Calendar id
        #[arg(long, default_value = "primary")]
        calendar: String,
    },
    /// Stop sharing: remove a rule by its id (as `sharing list` shows it)
    #[command(after_help = "Example:\n  calstack sharing remove Acme user:assistant@agency.test")]
    Remove {
        /// Client id or unique name
        client: String,
        /// Rule id, e.g. user:assistant@agency.test
        rule: String,
        /// Calendar id
        #[arg(long, default_value = "primary")]
        calendar: String,
    },
}

/// `calstack clients …`
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Add a client
    #[command(
        after_help = "Example:\n  calstack clients add --name \"Acme Corp\" --email ops@acme.test"
    )]
    Add {
        /// Display name (must be unique to be usable as a handle)
        #[arg(long)]
        name: String,
        /// Contact email (unique across clients)
        #[arg(long)]
        email: String,
    },
    /// List clients
    #[command(after_help = "Example:\n  calstack clients list --json")]
    List,
    /// Show one client and its credentials
    #[command(after_help = "Example:\n  calstack clients show Acme")]
    Show {
        /// Client id or unique name
        client: String,
    },
    /// Change a client's name, email or working hours
    #[command(
        after_help = "Examples:\n  calstack clients update Acme --email calendar@acme.test\n  calstack clients update Acme --working-hours 09:00-17:00 --time-zone Europe/Zurich"
    )]
    Update {
        /// Client id or unique name
        client: String,
        /// New name
        #[arg(long)]
        name: Option<String>,
        /// New email
        #[arg(long)]
        email: Option<String>,
        /// Working hours: 09:00-17:00 (Monday to Friday) or
        /// "mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00"
        #[arg(long, value_name = "HOURS")]
        working_hours: Option<String>,
        /// The zone working hours are read in [default: this machine's]
        #[arg(long, value_name = "ZONE", requires = "working_hours")]
        time_zone: Option<String>,
        /// Remove the client's working hours
        #[arg(long, conflicts_with = "working_hours")]
        no_working_hours: bool,
    },
    /// Delete a client and its credentials (asks first on a terminal)
    #[command(after_help = "Example:\n  calstack clients rm Acme --yes")]
    Rm {
        /// Client id or unique name
        client: String,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// `calstack oauth …`
#[derive(Debug, Subcommand)]
pub enum OauthCommand {
    /// Register (or replace) the client's Google OAuth app
    #[command(
        after_help = "Examples:\n  calstack oauth set Acme --client-id 123.apps.googleusercontent.com --client-secret GOCSPX-…\n  pass show acme/oauth | calstack oauth set Acme --client-id 123.apps.googleusercontent.com --client-secret -"
    )]
    Set {
        /// Client id or unique name
        client: String,
        /// Google OAuth client id (`….apps.googleusercontent.com`)
        #[arg(long)]
        client_id: String,
        /// Google OAuth client secret; `-` reads it from stdin (keeps it out of shell history)
        #[arg(long)]
        client_secret: String,
        /// Scopes (short names like `calendar` or full URLs); repeat or comma-separate
        #[arg(long, value_delimiter = ',', default_value = "calendar")]
        scopes: Vec<String>,
        /// Redirect URI; loopback without a port gets an ephemeral port at authorize time
        #[arg(long, default_value = "http://127.0.0.1")]
        redirect_uri: String,
        /// The Google account to pre-select on the consent page
        #[arg(long)]
        account: Option<String>,
    },
    /// Run the consent flow in the browser and store the tokens
    #[command(
        after_help = "Examples:\n  calstack oauth authorize Acme\n  calstack oauth authorize Acme --no-browser --timeout 600   # on a remote machine: open the printed URL yourself"
    )]
    Authorize {
        /// Client id or unique name
        client: String,
        /// Print the URL instead of opening the browser
        #[arg(long)]
        no_browser: bool,
        /// Seconds to wait for the browser to come back
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Google account to pre-select
        #[arg(long)]
        login_hint: Option<String>,
        /// Fetch the consent URL and follow its redirect without a browser (works only with
        /// an auto-approving consent page such as the emulator's)
        #[arg(long, hide = true)]
        follow_redirect: bool,
    },
    /// Show each credential's state: valid, expiring or invalid (never the tokens)
    #[command(
        after_help = "Examples:\n  calstack oauth status\n  calstack oauth status Acme --json"
    )]
    Status {
        /// Client id or unique name (all clients when omitted)
        client: Option<String>,
    },
    /// Revoke the client's grant at Google and forget the tokens
    #[command(after_help = "Example:\n  calstack oauth revoke Acme")]
    Revoke {
        /// Client id or unique name
        client: String,
    },
}

/// `calstack events …`
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List events (recurring events expanded), ordered by start
    #[command(
        after_help = "Examples:\n  calstack events list Acme --from today --to \"tomorrow 18:00\"\n  calstack events list Acme --query standup --json"
    )]
    List {
        /// Client id or unique name
        client: String,
        /// Calendar id
        #[arg(long, default_value = "primary")]
        calendar: String,
        /// Only events ending after this [default: now]
        #[arg(long)]
        from: Option<String>,
        /// Only events starting before this [default: 30 days after --from]
        #[arg(long)]
        to: Option<String>,
        /// Free-text search (title, description, location, attendees)
        #[arg(long, short = 'q')]
        query: Option<String>,
    },
    /// Add an event
    #[command(
        after_help = "Examples:\n  calstack events add Acme --title \"Design review\" --start \"2026-12-01 14:00\" --end \"2026-12-01 15:00\" --tz Europe/Zurich\n  calstack events add Acme --title Offsite --start 2026-12-03 --all-day\n  calstack events add Acme --title Standup --start \"tomorrow 9am\" --end \"tomorrow 9:15am\" --rrule \"FREQ=WEEKLY;BYDAY=MO,WE\" --attendee bob@example.com"
    )]
    Add {
        /// Client id or unique name
        client: String,
        /// The event
        #[command(flatten)]
        fields: EventFields,
    },
    /// Change an event (only the given fields change)
    #[command(
        after_help = "Example:\n  calstack events update Acme 7p3kq1s9v0m2 --title \"Design review (moved)\" --start \"2026-12-02 10:00\" --end \"2026-12-02 11:00\""
    )]
    Update {
        /// Client id or unique name
        client: String,
        /// Event id
        event: String,
        /// New values
        #[command(flatten)]
        fields: EventFields,
    },
    /// Delete an event
    #[command(after_help = "Example:\n  calstack events rm Acme 7p3kq1s9v0m2")]
    Rm {
        /// Client id or unique name
        client: String,
        /// Event id
        event: String,
        /// Calendar id
        #[arg(long, default_value = "primary")]
        calendar: String,
    },
}

/// The fields of an event, for `events add` and `events update`.
#[derive(Debug, Args, Clone)]
pub struct EventFields {
    /// Calendar id
    #[arg(long, default_value = "primary")]
    pub calendar: String,
    /// Title
    #[arg(long)]
    pub title: Option<String>,
    /// Start: RFC 3339, "2026-12-01 14:00", "2026-12-01" or "tomorrow 9am"
    #[arg(long)]
    pub start: Option<String>,
    /// End (exclusive) [default: start + 1 hour, or the next day for all-day events]
    #[arg(long)]
    pub end: Option<String>,
    /// IANA time zone for local times and recurrence (e.g. Europe/Zurich) [default: this machine's]
    #[arg(long)]
    pub tz: Option<String>,
    /// Make it an all-day event (start and end are dates; the end date is inclusive)
    #[arg(long)]
    pub all_day: bool,
    /// Attendee email; repeat for more
    #[arg(long = "attendee", value_name = "EMAIL")]
    pub attendees: Vec<String>,
    /// Recurrence rule, e.g. "FREQ=WEEKLY;BYDAY=MO,WE" (the RRULE: prefix is optional); repeat
    /// for EXDATE/RDATE lines
    #[arg(long = "rrule", value_name = "RULE")]
    pub rrules: Vec<String>,
    /// Description
    #[arg(long)]
    pub description: Option<String>,
    /// Location
    #[arg(long)]
    pub location: Option<String>,
}

/// `calstack agenda` options.
#[derive(Debug, Args, Clone)]
pub struct AgendaArgs {
    /// How many days ahead, starting today (1–366)
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// Only these clients (id or name); repeat for more [default: all]
    #[arg(long = "client", value_name = "CLIENT")]
    pub clients: Vec<String>,
    /// How many calendars to fetch at once
    #[arg(long, default_value_t = 8, hide = true)]
    pub concurrency: usize,
    /// Start of the window: a date or time [default: today, midnight]
    #[arg(long)]
    pub from: Option<String>,
    /// End of the window, exclusive: a date or time [default: --from plus --days]
    #[arg(long)]
    pub to: Option<String>,
    /// Only these calendar ids (`primary` = each client's main one); repeat for more
    #[arg(long = "calendar", value_name = "CALENDAR")]
    pub calendars: Vec<String>,
    /// Read Google live rather than the local mirror
    #[arg(long)]
    pub live: bool,
    /// Time zone for dates you type and times shown [default: this machine's]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Sync first the calendars last synced longer ago than this (5m, 1h) [default: read the
    /// mirror as it is; never-synced calendars are always synced first]
    #[arg(long, value_name = "AGE")]
    pub max_staleness: Option<String>,
}

/// `calstack slots` options.
#[derive(Debug, Args, Clone)]
pub struct SlotsArgs {
    /// The window and the clients
    #[command(flatten)]
    pub window: AgendaArgs,
    /// How long the meeting is: 45m, 1h, 1h30m
    #[arg(long)]
    pub duration: String,
    /// Working hours for everyone, replacing each client's own: 09:00-17:00 (Monday to
    /// Friday) or "mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00", read in --tz
    #[arg(long, value_name = "HOURS")]
    pub working_hours: Option<String>,
    /// Free time to keep before and after every busy time: 10m
    #[arg(long)]
    pub buffer: Option<String>,
    /// Slots start every STEP from midnight [default: 15m]
    #[arg(long)]
    pub step: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example_in_its_help() {
        fn walk(cmd: &clap::Command, path: &str) {
            let name = format!("{path} {}", cmd.get_name());
            if cmd.get_subcommands().next().is_none() {
                let help = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(help.contains("calstack"), "{name} has no example");
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &name);
            }
        }
        walk(&Cli::command(), "");
    }

    #[test]
    fn key_and_database_url_from_the_environment_are_never_shown_in_help() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("CALSTACK_ENCRYPTION_KEY"));
        assert!(!help.contains("[env: CALSTACK_ENCRYPTION_KEY="), "{help}");
        // A database URL may carry a password.
        assert!(help.contains("CALSTACK_DATABASE_URL"));
        assert!(!help.contains("[env: CALSTACK_DATABASE_URL="), "{help}");
    }

    #[test]
    fn scopes_accept_commas_and_repeats() {
        let cli = Cli::try_parse_from([
            "calstack",
            "oauth",
            "set",
            "Acme",
            "--client-id",
            "x",
            "--client-secret",
            "-",
            "--scopes",
            "calendar.readonly,calendar.events",
            "--scopes",
            "email",
        ])
        .expect("parses");
        let Command::Oauth(OauthCommand::Set { scopes, .. }) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(scopes, ["calendar.readonly", "calendar.events", "email"]);
    }
}
