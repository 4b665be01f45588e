//! Sharing (`acl`) and user settings (`settings`): every builder sends the method, path, query
//! and body Google expects; Google-shaped answers decode; listing follows pages; sync returns
//! deleted rules; invalid rules are refused before anything is sent.

#![allow(clippy::unwrap_used)]

mod calendar_support;

use calendar_support::{
    NoBody, answer, answer_first, assert_invalid_field, backend_error, client, exact_query,
    google_error, json, server, vector,
};
use calstack_core::calendar::{
    AclRole, AclRule, AclScope, AclScopeType, Channel, Conditional, Setting,
};
use calstack_core::{CalendarClient, Error};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, header, query_param, query_param_is_missing};

const TEAM: &str = "team@group.calendar.google.com";
const TEAM_ACL: &str = "calendars/team@group.calendar.google.com/acl";

/// A rule as Google returns it (kind, etag, id derived from the scope).
fn rule_json(scope_type: &str, value: Option<&str>, role: &str) -> Value {
    let id = match value {
        Some(v) => format!("{scope_type}:{v}"),
        None => scope_type.to_owned(),
    };
    let mut scope = json!({"type": scope_type});
    if let Some(v) = value {
        scope["value"] = json!(v);
    }
    json!({
        "kind": "calendar#aclRule",
        "etag": format!("\"etag-{id}\""),
        "id": id,
        "scope": scope,
        "role": role
    })
}

fn setting_json(id: &str, value: &str) -> Value {
    json!({"kind": "calendar#setting", "etag": format!("\"etag-{id}\""), "id": id, "value": value})
}

fn reader(email: &str) -> AclRule {
    AclRule::new(AclScope::user(email), AclRole::Reader)
}

#[tokio::test]
async fn acl_list_sends_its_parameters_and_decodes_googles_rules() {
    let server = server().await;
    let mut owner = rule_json("user", Some("alice@example.com"), "owner");
    owner["futureField"] = json!({"kept": true});
    answer(&server, 1, &format!("GET {TEAM_ACL}"))
        .and(exact_query(&[
            ("maxResults", "50"),
            ("pageToken", "p0"),
            ("showDeleted", "true"),
        ]))
        .and(NoBody)
        .with(json(
            200,
            json!({
                "kind": "calendar#acl",
                "etag": "\"acl-etag\"",
                "nextSyncToken": "acl-sync-1",
                "items": [
                    owner,
                    rule_json("group", Some("staff@example.com"), "writer"),
                    rule_json("domain", Some("example.com"), "freeBusyReader"),
                    rule_json("default", None, "reader"),
                    rule_json("user", Some("eve@example.com"), "commenter")
                ]
            }),
        ))
        .await;
    let (client, _) = client(&server);
    let page = client
        .acl()
        .list(TEAM)
        .max_results(50)
        .page_token("p0")
        .show_deleted(true)
        .send()
        .await
        .unwrap();
    assert_eq!(page.kind.as_deref(), Some("calendar#acl"));
    assert_eq!(page.next_sync_token.as_deref(), Some("acl-sync-1"));
    let roles: Vec<_> = page.items.iter().map(|r| r.role.clone().unwrap()).collect();
    assert_eq!(
        roles,
        [
            AclRole::Owner,
            AclRole::Writer,
            AclRole::FreeBusyReader,
            AclRole::Reader,
            AclRole::Unknown("commenter".into()),
        ]
    );
    let first = &page.items[0];
    assert_eq!(first.id.as_deref(), Some("user:alice@example.com"));
    assert_eq!(
        first.etag.as_deref(),
        Some("\"etag-user:alice@example.com\"")
    );
    let scope = first.scope.as_ref().unwrap();
    assert_eq!(scope.kind, Some(AclScopeType::User));
    assert_eq!(scope.value.as_deref(), Some("alice@example.com"));
    assert_eq!(first.extra["futureField"], json!({"kept": true}));
    let public = page.items[3].scope.as_ref().unwrap();
    assert_eq!(public.kind, Some(AclScopeType::Default));
    assert_eq!(public.value, None);
    // Written back unchanged: unknown role and unknown field included.
    assert_eq!(
        serde_json::to_value(&page.items[4]).unwrap(),
        rule_json("user", Some("eve@example.com"), "commenter")
    );
    assert_eq!(
        serde_json::to_value(first).unwrap()["futureField"],
        json!({"kept": true})
    );
}

#[tokio::test]
async fn acl_get_percent_encodes_the_calendar_and_rule_ids() {
    let server = server().await;
    answer(
        &server,
        1,
        "GET calendars/en.usa%23holiday@group.v.calendar.google.com/acl/user:a%2Fb@example.com",
    )
    .and(NoBody)
    .with(json(
        200,
        rule_json("user", Some("a/b@example.com"), "reader"),
    ))
    .await;
    let (client, _) = client(&server);
    let rule = client
        .acl()
        .get(
            "en.usa#holiday@group.v.calendar.google.com",
            "user:a/b@example.com",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(rule.role, Some(AclRole::Reader));
}

#[tokio::test]
async fn acl_insert_sends_only_the_rule_and_send_notifications() {
    let server = server().await;
    answer(&server, 1, &format!("POST {TEAM_ACL}"))
        .and(exact_query(&[("sendNotifications", "false")]))
        .and(body_json(json!({
            "scope": {"type": "user", "value": "bob@example.com"},
            "role": "reader"
        })))
        .with(json(
            200,
            rule_json("user", Some("bob@example.com"), "reader"),
        ))
        .await;
    answer(&server, 1, &format!("POST {TEAM_ACL}"))
        .and(exact_query(&[]))
        .and(body_json(
            json!({"scope": {"type": "default"}, "role": "freeBusyReader"}),
        ))
        .with(json(200, rule_json("default", None, "freeBusyReader")))
        .await;
    let (client, _) = client(&server);
    let created = client
        .acl()
        .insert(TEAM, reader("bob@example.com"))
        .send_notifications(false)
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("user:bob@example.com"));
    let public = client
        .acl()
        .insert(
            TEAM,
            AclRule::new(AclScope::public(), AclRole::FreeBusyReader),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(public.id.as_deref(), Some("default"));
}

#[tokio::test]
async fn acl_update_patch_and_delete_send_if_match_and_notifications() {
    let server = server().await;
    let rule_path = format!("{TEAM_ACL}/domain:example.com");
    answer(&server, 1, &format!("PUT {rule_path}"))
        .and(exact_query(&[("sendNotifications", "true")]))
        .and(header("if-match", "\"etag-1\""))
        .and(body_json(json!({
            "scope": {"type": "domain", "value": "example.com"},
            "role": "writer"
        })))
        .with(json(
            200,
            rule_json("domain", Some("example.com"), "writer"),
        ))
        .await;
    answer(&server, 1, &format!("PATCH {rule_path}"))
        .and(exact_query(&[("sendNotifications", "false")]))
        .and(header("if-match", "\"etag-2\""))
        .and(body_json(json!({"role": "reader"})))
        .with(json(
            200,
            rule_json("domain", Some("example.com"), "reader"),
        ))
        .await;
    answer(&server, 1, &format!("DELETE {rule_path}"))
        .and(exact_query(&[]))
        .and(NoBody)
        .with(ResponseTemplate::new(204))
        .await;
    let (client, _) = client(&server);
    let acl = client.acl();
    let updated = acl
        .update(
            TEAM,
            "domain:example.com",
            AclRule::new(AclScope::domain("example.com"), AclRole::Writer),
        )
        .send_notifications(true)
        .if_match("\"etag-1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.role, Some(AclRole::Writer));
    let patched = acl
        .patch(
            TEAM,
            "domain:example.com",
            AclRule {
                role: Some(AclRole::Reader),
                ..AclRule::default()
            },
        )
        .send_notifications(false)
        .if_match("\"etag-2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(patched.role, Some(AclRole::Reader));
    acl.delete(TEAM, "domain:example.com").send().await.unwrap();
}

#[tokio::test]
async fn acl_and_settings_watch_send_the_channel_and_list_parameters() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/acl/watch")
        .and(exact_query(&[
            ("showDeleted", "true"),
            ("maxResults", "10"),
        ]))
        .and(body_json(
            json!({"id": "chan-acl", "type": "web_hook", "address": "https://example.com/hook"}),
        ))
        .with(json(
            200,
            json!({"kind": "api#channel", "id": "chan-acl", "resourceId": "res-acl",
                   "expiration": "1716192000000"}),
        ))
        .await;
    answer(&server, 1, "POST users/me/settings/watch")
        .and(exact_query(&[("syncToken", "set-1")]))
        .and(body_json(
            json!({"id": "chan-set", "type": "web_hook", "address": "https://example.com/hook"}),
        ))
        .with(json(
            200,
            json!({"kind": "api#channel", "id": "chan-set", "resourceId": "res-set"}),
        ))
        .await;
    let (client, _) = client(&server);
    let channel = client
        .acl()
        .watch(
            "primary",
            Channel::web_hook("chan-acl", "https://example.com/hook"),
        )
        .show_deleted(true)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(channel.resource_id.as_deref(), Some("res-acl"));
    assert_eq!(channel.expiration, Some(1_716_192_000_000));
    let channel = client
        .settings()
        .watch(Channel::web_hook("chan-set", "https://example.com/hook"))
        .sync_token("set-1")
        .send()
        .await
        .unwrap();
    assert_eq!(channel.resource_id.as_deref(), Some("res-set"));
}

#[tokio::test]
async fn settings_list_and_get_send_their_parameters_and_decode() {
    let server = server().await;
    answer(&server, 1, "GET users/me/settings")
        .and(exact_query(&[("maxResults", "2"), ("pageToken", "s0")]))
        .and(NoBody)
        .with(json(
            200,
            json!({
                "kind": "calendar#settings",
                "etag": "\"settings-etag\"",
                "nextPageToken": "s1",
                "items": [setting_json("timezone", "Europe/Zurich"),
                          setting_json("format24HourTime", "true")]
            }),
        ))
        .await;
    answer(&server, 1, "GET users/me/settings/weekStart")
        .and(exact_query(&[]))
        .with(json(200, setting_json("weekStart", "1")))
        .await;
    let (client, _) = client(&server);
    let page = client
        .settings()
        .list()
        .max_results(2)
        .page_token("s0")
        .send()
        .await
        .unwrap();
    assert_eq!(page.kind.as_deref(), Some("calendar#settings"));
    assert_eq!(page.next_page_token.as_deref(), Some("s1"));
    assert_eq!(
        page.items
            .iter()
            .map(|s| (s.id.as_deref().unwrap(), s.value.as_deref().unwrap()))
            .collect::<Vec<_>>(),
        [("timezone", "Europe/Zurich"), ("format24HourTime", "true")]
    );
    let week_start = client.settings().get("weekStart").send().await.unwrap();
    assert_eq!(
        week_start,
        Setting {
            kind: Some("calendar#setting".into()),
            etag: Some("\"etag-weekStart\"".into()),
            id: Some("weekStart".into()),
            value: Some("1".into()),
            extra: serde_json::Map::new(),
        }
    );
}

#[tokio::test]
async fn conditional_acl_and_setting_reads_report_not_modified() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/acl/default")
        .and(header("if-none-match", "\"etag-default\""))
        .with(ResponseTemplate::new(304))
        .await;
    answer(&server, 1, "GET users/me/settings/timezone")
        .and(header("if-none-match", "\"old\""))
        .with(json(200, setting_json("timezone", "Asia/Tokyo")))
        .await;
    let (client, _) = client(&server);
    let rule = client
        .acl()
        .get("primary", "default")
        .if_none_match("\"etag-default\"")
        .send()
        .await
        .unwrap();
    assert!(rule.is_not_modified());
    let setting = client
        .settings()
        .get("timezone")
        .if_none_match("\"old\"")
        .send()
        .await
        .unwrap();
    match setting {
        Conditional::Modified(s) => assert_eq!(s.value.as_deref(), Some("Asia/Tokyo")),
        Conditional::NotModified => panic!("the setting changed"),
    }
}

async fn mount_three_acl_pages(server: &wiremock::MockServer) {
    answer(server, 1, "GET calendars/primary/acl")
        .and(exact_query(&[("maxResults", "2")]))
        .with(json(
            200,
            json!({"kind": "calendar#acl", "nextPageToken": "a2",
                   "items": [rule_json("user", Some("a@example.com"), "owner"),
                             rule_json("user", Some("b@example.com"), "reader")]}),
        ))
        .await;
    answer(server, 1, "GET calendars/primary/acl")
        .and(exact_query(&[("maxResults", "2"), ("pageToken", "a2")]))
        .with(json(
            200,
            json!({"kind": "calendar#acl", "nextPageToken": "a3", "items": []}),
        ))
        .await;
    answer(server, 1, "GET calendars/primary/acl")
        .and(exact_query(&[("maxResults", "2"), ("pageToken", "a3")]))
        .with(json(
            200,
            json!({"kind": "calendar#acl", "nextSyncToken": "acl-sync-1",
                   "items": [rule_json("default", None, "freeBusyReader")]}),
        ))
        .await;
}

#[tokio::test]
async fn acl_listing_follows_pages_past_an_empty_one_keeping_the_parameters() {
    let server = server().await;
    mount_three_acl_pages(&server).await;
    let (client, _) = client(&server);
    let rules = client
        .acl()
        .list("primary")
        .max_results(2)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = rules.iter().map(|r| r.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["user:a@example.com", "user:b@example.com", "default"]);
}

#[tokio::test]
async fn acl_pages_yields_every_page_and_the_last_one_carries_the_sync_token() {
    let server = server().await;
    mount_three_acl_pages(&server).await;
    let (client, _) = client(&server);
    let pages: Vec<_> = client
        .acl()
        .list("primary")
        .max_results(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 0, 1]
    );
    assert_eq!(pages[2].next_sync_token.as_deref(), Some("acl-sync-1"));
}

#[tokio::test]
async fn settings_stream_follows_every_page() {
    let server = server().await;
    answer(&server, 1, "GET users/me/settings")
        .and(query_param_is_missing("pageToken"))
        .with(json(
            200,
            json!({"kind": "calendar#settings", "nextPageToken": "s2",
                   "items": [setting_json("timezone", "UTC")]}),
        ))
        .await;
    answer(&server, 1, "GET users/me/settings")
        .and(query_param("pageToken", "s2"))
        .with(json(
            200,
            json!({"kind": "calendar#settings", "nextSyncToken": "set-1",
                   "items": [setting_json("locale", "en"), setting_json("weekStart", "0")]}),
        ))
        .await;
    let (client, _) = client(&server);
    let ids: Vec<String> = client
        .settings()
        .list()
        .stream()
        .map_ok(|s| s.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["timezone", "locale", "weekStart"]);
}

#[tokio::test]
async fn acl_sync_returns_deleted_rules_as_role_none_and_the_new_token() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/acl")
        .and(exact_query(&[("syncToken", "acl-1")]))
        .with(json(
            200,
            json!({"kind": "calendar#acl", "nextPageToken": "d2",
                   "items": [rule_json("user", Some("gone@example.com"), "none")]}),
        ))
        .await;
    answer(&server, 1, "GET calendars/primary/acl")
        .and(exact_query(&[("syncToken", "acl-1"), ("pageToken", "d2")]))
        .with(json(
            200,
            json!({"kind": "calendar#acl", "nextSyncToken": "acl-2",
                   "items": [rule_json("user", Some("new@example.com"), "writer")]}),
        ))
        .await;
    let (client, _) = client(&server);
    let delta = client.acl().sync("primary", Some("acl-1")).await.unwrap();
    assert_eq!(delta.next_sync_token, "acl-2");
    let deleted: Vec<_> = delta.items.iter().map(AclRule::is_deleted).collect();
    assert_eq!(deleted, [true, false]);
    assert_eq!(delta.items[0].id.as_deref(), Some("user:gone@example.com"));
}

#[tokio::test]
async fn settings_full_sync_returns_every_setting_and_the_token() {
    let server = server().await;
    answer(&server, 1, "GET users/me/settings")
        .and(exact_query(&[]))
        .with(json(
            200,
            json!({"kind": "calendar#settings", "nextSyncToken": "set-1",
                   "items": [setting_json("timezone", "UTC")]}),
        ))
        .await;
    let (client, _) = client(&server);
    let all = client.settings().sync(None).await.unwrap();
    assert_eq!(all.items.len(), 1);
    assert_eq!(all.next_sync_token, "set-1");
}

#[tokio::test]
async fn expired_acl_sync_token_gives_sync_token_expired_without_retrying() {
    let server = server().await;
    answer(&server, 1, "GET calendars/primary/acl")
        .and(query_param("syncToken", "old"))
        .with(json(410, vector("error_410_fullSyncRequired")))
        .await;
    let (client, clock) = client(&server);
    let err = client.acl().sync("primary", Some("old")).await.unwrap_err();
    assert!(matches!(err, Error::SyncTokenExpired), "{err:?}");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn hiding_deleted_rules_with_a_sync_token_is_refused_before_sending() {
    let server = server().await;
    let (client, _) = client(&server);
    let list = client
        .acl()
        .list("primary")
        .sync_token("acl-1")
        .show_deleted(false);
    let err = list.clone().send().await.unwrap_err();
    assert_invalid_field(&err, "showDeleted");
    let err = list.clone().send_sync().await.unwrap_err();
    assert_invalid_field(&err, "showDeleted");
    let first = list.stream().next().await.unwrap().unwrap_err();
    assert_invalid_field(&first, "showDeleted");
    let err = client
        .acl()
        .watch(
            "primary",
            Channel::web_hook("c", "https://example.com/hook"),
        )
        .show_deleted(false)
        .sync_token("acl-1")
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "showDeleted");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Sends `rule` as an insert, an update and (when it has a scope) a patch, returning the
/// field each error names.
async fn refused_fields(client: &CalendarClient, rule: AclRule) -> Vec<String> {
    let acl = client.acl();
    let mut results = vec![
        acl.insert("primary", rule.clone()).send().await,
        acl.update("primary", "user:x@example.com", rule.clone())
            .send()
            .await,
    ];
    if rule.scope.is_some() {
        results.push(
            acl.patch("primary", "user:x@example.com", rule)
                .send()
                .await,
        );
    }
    results
        .into_iter()
        .map(|r| match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn invalid_rules_are_refused_naming_the_field_and_nothing_is_sent() {
    let server = server().await;
    let (client, _) = client(&server);
    let no_scope = AclRule {
        role: Some(AclRole::Reader),
        ..AclRule::default()
    };
    assert_eq!(
        refused_fields(&client, no_scope).await,
        ["rule.scope", "rule.scope"]
    );
    let untyped = AclRule::new(
        AclScope {
            value: Some("bob@example.com".into()),
            ..AclScope::default()
        },
        AclRole::Reader,
    );
    assert_eq!(
        refused_fields(&client, untyped).await,
        ["rule.scope.type"; 3]
    );
    for scope in [
        AclScope::user(""),
        AclScope::group(""),
        AclScope {
            kind: Some(AclScopeType::Domain),
            ..AclScope::default()
        },
        AclScope::user("not an email"),
        AclScope::group("staff@"),
    ] {
        assert_eq!(
            refused_fields(&client, AclRule::new(scope.clone(), AclRole::Reader)).await,
            ["rule.scope.value"; 3],
            "{scope:?}"
        );
    }
    let no_role = AclRule {
        scope: Some(AclScope::user("bob@example.com")),
        ..AclRule::default()
    };
    let err = client
        .acl()
        .insert("primary", no_role)
        .send()
        .await
        .unwrap_err();
    assert_invalid_field(&err, "rule.role");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn scopes_google_accepts_pass_validation() {
    let server = server().await;
    answer(&server, 1, "PUT calendars/primary/acl/default")
        .and(body_json(json!({"scope": {"type": "default"}})))
        .with(json(200, rule_json("default", None, "none")))
        .await;
    answer(&server, 1, "PATCH calendars/primary/acl/resource:room-1")
        .and(body_json(
            json!({"scope": {"type": "resource"}, "role": "reader"}),
        ))
        .with(json(200, rule_json("resource", Some("room-1"), "reader")))
        .await;
    let (client, _) = client(&server);
    // A public rule needs no value and an update needs no role.
    client
        .acl()
        .update(
            "primary",
            "default",
            AclRule {
                scope: Some(AclScope::public()),
                ..AclRule::default()
            },
        )
        .send()
        .await
        .unwrap();
    // A scope type this version does not know is left for Google to judge.
    let unknown = AclRule::new(
        AclScope {
            kind: Some(AclScopeType::Unknown("resource".into())),
            ..AclScope::default()
        },
        AclRole::Reader,
    );
    client
        .acl()
        .patch("primary", "resource:room-1", unknown)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_rule_or_setting_is_not_found() {
    let server = server().await;
    answer(
        &server,
        1,
        "GET calendars/primary/acl/user:nobody@example.com",
    )
    .with(google_error(404, "notFound", "Not Found"))
    .await;
    answer(
        &server,
        1,
        "DELETE calendars/primary/acl/user:nobody@example.com",
    )
    .with(google_error(404, "notFound", "Not Found"))
    .await;
    answer(&server, 1, "GET users/me/settings/noSuchSetting")
        .with(google_error(404, "notFound", "Not Found"))
        .await;
    let (client, clock) = client(&server);
    let err = client
        .acl()
        .get("primary", "user:nobody@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = client
        .acl()
        .delete("primary", "user:nobody@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = client
        .settings()
        .get("noSuchSetting")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn acl_insert_is_not_retried_once_it_may_have_reached_google() {
    let server = server().await;
    answer(&server, 1, "POST calendars/primary/acl")
        .with(backend_error())
        .await;
    let (client, clock) = client(&server);
    let err = client
        .acl()
        .insert("primary", reader("bob@example.com"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn acl_update_and_delete_are_retried_after_a_server_error() {
    let server = server().await;
    let rule_path = "calendars/primary/acl/user:bob@example.com";
    answer_first(&server, 1, &format!("PUT {rule_path}"))
        .with(backend_error())
        .await;
    answer(&server, 1, &format!("PUT {rule_path}"))
        .with(json(
            200,
            rule_json("user", Some("bob@example.com"), "writer"),
        ))
        .await;
    answer_first(&server, 1, &format!("DELETE {rule_path}"))
        .with(backend_error())
        .await;
    answer(&server, 1, &format!("DELETE {rule_path}"))
        .with(ResponseTemplate::new(204))
        .await;
    let (client, clock) = client(&server);
    let rule = client
        .acl()
        .update(
            "primary",
            "user:bob@example.com",
            AclRule::new(AclScope::user("bob@example.com"), AclRole::Writer),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(rule.role, Some(AclRole::Writer));
    client
        .acl()
        .delete("primary", "user:bob@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(clock.sleeps().len(), 2);
}
