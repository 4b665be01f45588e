//! Builders for `freebusy.query`, `colors.get` and `channels.stop`.

use reqwest::Method;
use serde::Serialize;

use super::Call;
use crate::calendar::client::CalendarClient;
use crate::calendar::model::{Channel, Colors, FreeBusyRequest, FreeBusyResponse};
use crate::error::{Error, Result};
use crate::transport::Idempotency;

/// The `freebusy` resource. Made by [`CalendarClient::freebusy`].
#[derive(Debug, Clone)]
pub struct FreeBusyApi {
    client: CalendarClient,
}

impl FreeBusyApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    /// `freebusy.query`: busy periods of calendars over an interval.
    pub fn query(&self, request: FreeBusyRequest) -> QueryFreeBusy {
        QueryFreeBusy {
            call: Call::new(
                self.client.clone(),
                Method::POST,
                &["freeBusy"],
                Idempotency::Safe,
            ),
            request,
        }
    }
}

/// `freebusy.query`. Made by [`FreeBusyApi::query`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct QueryFreeBusy {
    call: Call,
    request: FreeBusyRequest,
}

impl QueryFreeBusy {
    /// Sends the request (a read, so retried like a GET).
    pub async fn send(mut self) -> Result<FreeBusyResponse> {
        if let (Some(min), Some(max)) = (self.request.time_min, self.request.time_max)
            && min >= max
        {
            return Err(Error::validation("timeMax", "must be after timeMin"));
        }
        self.call.json_body(&self.request)?;
        self.call.send_json().await
    }
}

/// The `colors` resource. Made by [`CalendarClient::colors`].
#[derive(Debug, Clone)]
pub struct ColorsApi {
    client: CalendarClient,
}

impl ColorsApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    /// `colors.get`: the calendar and event color palettes.
    pub fn get(&self) -> GetColors {
        GetColors {
            call: Call::new(
                self.client.clone(),
                Method::GET,
                &["colors"],
                Idempotency::Safe,
            ),
        }
    }
}

/// `colors.get`. Made by [`ColorsApi::get`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct GetColors {
    call: Call,
}

impl GetColors {
    /// Sends the request.
    pub async fn send(self) -> Result<Colors> {
        self.call.send_json().await
    }
}

/// The `channels` resource. Made by [`CalendarClient::channels`].
#[derive(Debug, Clone)]
pub struct ChannelsApi {
    client: CalendarClient,
}

impl ChannelsApi {
    pub(crate) fn new(client: CalendarClient) -> Self {
        Self { client }
    }

    /// `channels.stop`: stops notifications on a channel made by a watch call. Needs the
    /// channel's `id` and `resourceId`.
    pub fn stop(&self, channel: &Channel) -> StopChannel {
        StopChannel {
            call: Call::new(
                self.client.clone(),
                Method::POST,
                &["channels", "stop"],
                Idempotency::Safe,
            ),
            id: channel.id.clone(),
            resource_id: channel.resource_id.clone(),
        }
    }
}

/// `channels.stop`. Made by [`ChannelsApi::stop`].
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug, Clone)]
pub struct StopChannel {
    call: Call,
    id: Option<String>,
    resource_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StopBody<'a> {
    id: &'a str,
    resource_id: &'a str,
}

impl StopChannel {
    /// Sends the request.
    pub async fn send(mut self) -> Result<()> {
        let id = self
            .id
            .take()
            .ok_or_else(|| Error::validation("id", "the channel id is needed to stop it"))?;
        let resource_id = self.resource_id.take().ok_or_else(|| {
            Error::validation(
                "resourceId",
                "the channel's resourceId is needed to stop it",
            )
        })?;
        self.call.json_body(&StopBody {
            id: &id,
            resource_id: &resource_id,
        })?;
        self.call.send_empty().await
    }
}
