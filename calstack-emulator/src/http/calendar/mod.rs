//! Calendar v3 endpoints under `/calendar/v3`: calendarList, calendars, acl, events, settings,
//! freeBusy, colors and channels, a file per resource. Handlers authenticate, check scopes,
//! lock the state, and render (`respond`).

mod acl;
mod calendar_list;
mod calendars;
mod caller;
mod channels;
mod colors;
mod events;
mod freebusy;
mod respond;
mod settings;

use axum::Router;

use crate::state::Shared;

/// Every Calendar v3 route.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .merge(calendar_list::routes())
        .merge(calendars::routes())
        .merge(acl::routes())
        .merge(settings::routes())
        .merge(events::routes())
        .merge(freebusy::routes())
        .merge(colors::routes())
        .merge(channels::routes())
}
