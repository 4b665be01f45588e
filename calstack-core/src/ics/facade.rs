//! ICS import and export on [`Calstack`], by client id: what the Python module, the CLI and
//! the Flask jobs call.

use chrono::{DateTime, Utc};

use super::report::{ImportOptions, ImportReport, Progress};
use crate::error::Result;
use crate::facade::Calstack;
use crate::store::ClientId;

impl Calstack {
    /// Imports iCalendar `text` into a client's calendar (see [`super::import`]).
    pub async fn import_ics(
        &self,
        client_id: ClientId,
        calendar_id: &str,
        text: &str,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let calendar = self.calendar(client_id).await?;
        super::import(&calendar, calendar_id, text, options, progress).await
    }

    /// A client's calendar as iCalendar text (see [`super::export`]).
    pub async fn export_ics(
        &self,
        client_id: ClientId,
        calendar_id: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<String> {
        let calendar = self.calendar(client_id).await?;
        super::export(&calendar, calendar_id, from, to, Utc::now()).await
    }
}
