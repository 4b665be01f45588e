//! The `colors.get` handler: Google's fixed calendar and event palettes.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::http::calendar::caller::{Caller, scopes};
use crate::http::calendar::respond::{Result, json_ok};
use crate::state::Shared;

/// The routes of this resource.
pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/colors", get(colors))
}

const CALENDAR_COLORS: [&str; 24] = [
    "#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765",
    "#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7",
    "#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2",
];
const EVENT_COLORS: [&str; 11] = [
    "#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db", "#e1e1e1",
    "#5484ed", "#51b749", "#dc2127",
];

/// A colors palette keyed `"1"`, `"2"`, ... by position, each with the shared foreground.
fn palette(backgrounds: &[&str]) -> serde_json::Map<String, Value> {
    backgrounds
        .iter()
        .enumerate()
        .map(|(i, bg)| {
            (
                (i + 1).to_string(),
                json!({"background": bg, "foreground": "#1d1d1d"}),
            )
        })
        .collect()
}

async fn colors(State(_s): State<Shared>, caller: Caller) -> Result<Response> {
    caller.require(scopes::COLORS)?;
    Ok(json_ok(&json!({
        "kind": "calendar#colors",
        "updated": "2012-02-14T00:00:00.000Z",
        "calendar": palette(&CALENDAR_COLORS),
        "event": palette(&EVENT_COLORS),
    })))
}
