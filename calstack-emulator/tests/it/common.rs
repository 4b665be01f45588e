use calstack_emulator::{Emulator, EmulatorBuilder, RunningEmulator, SCOPE_CALENDAR};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const USER: &str = "user@example.com";

pub struct Harness {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn reason(&self) -> &str {
        self.body["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
    }
}

impl Harness {
    pub async fn new() -> Self {
        Self::with(Emulator::builder()).await
    }

    pub async fn with(builder: EmulatorBuilder) -> Self {
        let emu = builder.start().await.expect("emulator starts");
        let token = emu.access_token(USER, &[SCOPE_CALENDAR]);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { emu, http, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.calendar_api_base(), path)
    }

    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the emulator");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(Some(&self.token.clone()), method, path, body)
            .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Inserts a one-hour timed event into the primary calendar and returns it.
    pub async fn insert(&self, summary: &str, start: &str, end: &str) -> Value {
        let reply = self
            .post(
                "calendars/primary/events",
                serde_json::json!({"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "insert failed: {}",
            reply.body
        );
        reply.body
    }

    /// Follows nextPageToken to the end; returns all items and the final nextSyncToken.
    pub async fn list_all(&self, path_with_query: &str) -> (Vec<Value>, Option<String>, usize) {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let sep = if path_with_query.contains('?') {
                '&'
            } else {
                '?'
            };
            let path = match &token {
                Some(t) => format!("{path_with_query}{sep}pageToken={t}"),
                None => path_with_query.to_owned(),
            };
            let reply = self.get(&path).await;
            assert_eq!(reply.status, StatusCode::OK, "list failed: {}", reply.body);
            pages += 1;
            assert!(pages < 1000, "pagination does not end");
            items.extend(reply.body["items"].as_array().cloned().unwrap_or_default());
            match reply.body["nextPageToken"].as_str() {
                Some(t) => {
                    assert!(
                        reply.body.get("nextSyncToken").is_none(),
                        "sync token only on the last page"
                    );
                    token = Some(t.to_owned());
                }
                None => {
                    return (
                        items,
                        reply.body["nextSyncToken"].as_str().map(str::to_owned),
                        pages,
                    );
                }
            }
        }
    }
}
