//! `ConferenceData` and its parts (Google Meet and add-on conferences on an event).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::{ConferenceSolutionType, ConferenceStatusCode, EntryPointType};

/// Conference details of an event. Read and written only with `conferenceDataVersion=1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceData {
    /// Conference id (e.g. the Meet code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_id: Option<String>,
    /// The conference solution (Meet, an add-on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_solution: Option<ConferenceSolution>,
    /// A request to create a new conference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_request: Option<CreateConferenceRequest>,
    /// Ways to join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_points: Option<Vec<EntryPoint>>,
    /// Notes shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Add-on specific parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<ConferenceParameters>,
    /// Signature of the conference data (server-generated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ConferenceData.parameters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceParameters {
    /// Parameters of an add-on conference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_on_parameters: Option<ConferenceParametersAddOnParameters>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ConferenceParameters.addOnParameters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceParametersAddOnParameters {
    /// String parameters of the add-on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, String>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A conference solution (Meet, an add-on).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceSolution {
    /// Icon shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_uri: Option<String>,
    /// The solution's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<ConferenceSolutionKey>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Identifies a conference solution.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceSolutionKey {
    /// `hangoutsMeet`, `addOn`, `eventHangout`, `eventNamedHangout`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConferenceSolutionType>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A request to create a conference for an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConferenceRequest {
    /// Which solution to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_solution_key: Option<ConferenceSolutionKey>,
    /// Client-chosen unique id of this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Where creation stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ConferenceRequestStatus>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Status of a conference create request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceRequestStatus {
    /// `pending`, `success` or `failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<ConferenceStatusCode>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One way to join a conference.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    /// Access code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code: Option<String>,
    /// Features of the entry point (e.g. `toll`, `toll_free`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point_features: Option<Vec<String>>,
    /// `video`, `phone`, `sip` or `more`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point_type: Option<EntryPointType>,
    /// Label shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Meeting code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_code: Option<String>,
    /// Passcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// PIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// CLDR region code of a phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// URI of the entry point (`https:`, `tel:`, `sip:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Conference settings of a calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceProperties {
    /// Conference solution types the calendar supports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_conference_solution_types: Option<Vec<ConferenceSolutionType>>,
    /// Fields this version of calstack does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
