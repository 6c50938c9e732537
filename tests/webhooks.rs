//! Alert webhooks: `webhooks::construct_event` against signatures made here with ring's
//! `hmac::sign` (the library checks with `hmac::verify`), plus one vector made with openssl, and
//! the C export over the same cases.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use serde_json::{json, Value};
use triggerdev::ffi::{
    trigger_error, trigger_error_argument, trigger_error_free, trigger_error_message,
    trigger_result, trigger_string_free, trigger_webhooks_construct_event,
};
use triggerdev::webhooks::{
    self, Alert, EnvironmentType, ErrorClassification, TaskRunError, WebhookEvent,
};
use triggerdev::{Error, RunStatus, WebhookError};

const SECRET: &str = "whsec_alerts_4f9a";

/// The lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
fn sign(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `body` pretty-printed, as a server may send it (any formatting is signed as it is).
fn pretty(body: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(body).unwrap()
}

fn construct(body: &[u8]) -> triggerdev::Result<WebhookEvent> {
    webhooks::construct_event(body, Some(&sign(SECRET, body)), SECRET)
}

fn envelope(event_type: &str, object: Value) -> Value {
    json!({
        "id": "alert_wh_1",
        "created": "2026-03-04T05:06:07.089Z",
        "webhookVersion": "2025-01-01",
        "type": event_type,
        "object": object,
    })
}

fn environment() -> Value {
    json!({"id": "env_prod", "type": "PRODUCTION", "slug": "prod"})
}

fn organization() -> Value {
    json!({"id": "org_1", "slug": "acme", "name": "Acme"})
}

fn project() -> Value {
    json!({"id": "project_1", "ref": "proj_acme", "slug": "web", "name": "Web"})
}

fn run_failed() -> Value {
    envelope(
        "alert.run.failed",
        json!({
            "task": {"id": "send-email", "filePath": "src/trigger/email.ts", "exportName": "sendEmail",
                     "version": "20260304.1", "sdkVersion": "4.8.3", "cliVersion": "4.8.3"},
            "run": {"id": "run_abc", "number": 42, "status": "FAILED",
                    "createdAt": "2026-03-04T05:00:00.000Z", "startedAt": "2026-03-04T05:00:01.000Z",
                    "completedAt": "2026-03-04T05:00:02.500Z", "isTest": false, "idempotencyKey": "k1",
                    "tags": ["welcome", "email"],
                    "error": {"type": "BUILT_IN_ERROR", "name": "TypeError", "message": "boom",
                              "stackTrace": "TypeError: boom\n    at run (email.ts:3:9)"},
                    "isOutOfMemoryError": false, "machine": "small-1x",
                    "dashboardUrl": "https://cloud.trigger.dev/runs/run_abc"},
            "environment": {"id": "env_prev", "type": "PREVIEW", "slug": "preview", "branchName": "feat-x"},
            "organization": organization(),
            "project": project(),
        }),
    )
}

fn deployment(success: bool) -> Value {
    let mut object = json!({
        "deployment": {"id": "deploy_1", "status": if success { "DEPLOYED" } else { "FAILED" },
                       "version": "20260304.2", "shortCode": "ab12cd"},
        "tasks": [{"id": "send-email", "filePath": "src/trigger/email.ts", "triggerSource": "STANDARD"}],
        "environment": environment(),
        "organization": organization(),
        "project": project(),
        "git": {"branch": "main", "commitSha": "0a1b2c", "commitMessage": "Fix it",
                "commitUrl": "https://github.com/acme/web/commit/0a1b2c",
                "branchUrl": "https://github.com/acme/web/tree/main", "pullRequestNumber": 7},
        "vercel": {"deploymentUrl": "https://web-acme.vercel.app"},
    });
    if success {
        object["deployment"]["deployedAt"] = json!("2026-03-04T06:00:00.000Z");
        envelope("alert.deployment.success", object)
    } else {
        object["deployment"]["failedAt"] = json!("2026-03-04T06:00:00.000Z");
        object["error"] =
            json!({"name": "BuildError", "message": "tsc failed", "stderr": "error TS2304"});
        envelope("alert.deployment.failed", object)
    }
}

fn error_alert() -> Value {
    envelope(
        "alert.error",
        json!({
            "classification": "regression",
            "error": {"fingerprint": "fp_9", "type": "TypeError", "message": "x is undefined",
                      "firstSeen": "2026-03-01T00:00:00.000Z", "lastSeen": "2026-03-04T00:00:00.000Z",
                      "occurrenceCount": 12, "taskIdentifier": "send-email"},
            "environment": {"id": "env_prod", "name": "Production"},
            "organization": organization(),
            "project": project(),
            "dashboardUrl": "https://cloud.trigger.dev/errors/fp_9",
        }),
    )
}

fn webhook_error(result: triggerdev::Result<WebhookEvent>) -> WebhookError {
    match result {
        Err(Error::Webhook(e)) => e,
        other => panic!("expected a webhook error, got {other:?}"),
    }
}

#[test]
fn a_pretty_printed_run_failed_event_decodes_into_its_types() {
    let body = pretty(&run_failed());
    assert!(body.contains(&b'\n'));
    let event = construct(&body).unwrap();
    assert_eq!(event.id, "alert_wh_1");
    assert_eq!(event.created, "2026-03-04T05:06:07.089Z");
    assert_eq!(event.webhook_version, "2025-01-01");
    assert_eq!(event.event_type(), "alert.run.failed");
    let Alert::RunFailed(alert) = &event.alert else {
        panic!("{:?}", event.alert)
    };
    assert_eq!(alert.task.id, "send-email");
    assert_eq!(alert.task.export_name.as_deref(), Some("sendEmail"));
    assert_eq!(alert.task.sdk_version, "4.8.3");
    assert_eq!(alert.run.id, "run_abc");
    assert_eq!(alert.run.number, 42);
    assert_eq!(alert.run.status, RunStatus::Failed);
    assert_eq!(alert.run.created_at, "2026-03-04T05:00:00.000Z");
    assert_eq!(
        alert.run.completed_at.as_deref(),
        Some("2026-03-04T05:00:02.500Z")
    );
    assert_eq!(alert.run.tags, ["welcome", "email"]);
    assert_eq!(alert.run.idempotency_key.as_deref(), Some("k1"));
    assert!(!alert.run.is_out_of_memory_error);
    assert_eq!(alert.run.machine, "small-1x");
    match &alert.run.error {
        TaskRunError::BuiltInError {
            name,
            message,
            stack_trace,
            causes,
        } => {
            assert_eq!((name.as_str(), message.as_str()), ("TypeError", "boom"));
            assert!(stack_trace.starts_with("TypeError: boom\n"));
            assert_eq!(causes, &None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(alert.environment.env_type, EnvironmentType::Preview);
    assert_eq!(alert.environment.branch_name.as_deref(), Some("feat-x"));
    assert_eq!(alert.organization.name, "Acme");
    assert_eq!(alert.project.project_ref, "proj_acme");
    // Serialized, the event is the wire's JSON again.
    assert_eq!(serde_json::to_value(&event).unwrap(), run_failed());
}

#[test]
fn deployment_events_decode() {
    let event = construct(&pretty(&deployment(true))).unwrap();
    assert_eq!(event.event_type(), "alert.deployment.success");
    let Alert::DeploymentSuccess(alert) = &event.alert else {
        panic!("{:?}", event.alert)
    };
    assert_eq!(alert.deployment.deployed_at, "2026-03-04T06:00:00.000Z");
    assert_eq!(alert.deployment.short_code, "ab12cd");
    assert_eq!(alert.tasks[0].trigger_source, "STANDARD");
    assert_eq!(alert.tasks[0].export_name, None);
    assert_eq!(alert.environment.env_type, EnvironmentType::Production);
    let git = alert.git.as_ref().unwrap();
    assert_eq!(
        (git.branch.as_str(), git.pull_request_number),
        ("main", Some(7))
    );
    assert_eq!(git.pull_request_title, None);
    assert_eq!(
        alert.vercel.as_ref().unwrap().deployment_url,
        "https://web-acme.vercel.app"
    );

    let event = construct(&pretty(&deployment(false))).unwrap();
    assert_eq!(event.event_type(), "alert.deployment.failed");
    let Alert::DeploymentFailed(alert) = &event.alert else {
        panic!("{:?}", event.alert)
    };
    assert_eq!(alert.deployment.failed_at, "2026-03-04T06:00:00.000Z");
    assert_eq!(alert.deployment.status, "FAILED");
    assert_eq!(alert.error.name, "BuildError");
    assert_eq!(alert.error.stderr.as_deref(), Some("error TS2304"));
    assert_eq!(alert.error.stack, None);
    assert_eq!(serde_json::to_value(&event).unwrap(), deployment(false));
}

#[test]
fn an_error_group_event_decodes() {
    let event = construct(&pretty(&error_alert())).unwrap();
    assert_eq!(event.event_type(), "alert.error");
    let Alert::Error(alert) = &event.alert else {
        panic!("{:?}", event.alert)
    };
    assert_eq!(alert.classification, ErrorClassification::Regression);
    assert_eq!(alert.error.error_type, "TypeError");
    assert_eq!(alert.error.occurrence_count, 12);
    assert_eq!(alert.error.first_seen, "2026-03-01T00:00:00.000Z");
    assert_eq!(alert.error.stack_trace, None);
    assert_eq!(alert.environment.name, "Production");
    assert_eq!(alert.dashboard_url, "https://cloud.trigger.dev/errors/fp_9");
}

#[test]
fn an_unknown_type_is_verified_and_handed_through() {
    let body = json!({
        "id": "watch:w1:channel:c1",
        "created": "2026-08-02T00:00:00.000Z",
        "webhookVersion": "2026-08-02",
        "type": "alert.dashboard_agent_watch",
        "object": {"watch": {"id": "w1"}, "summary": "3 runs failed"},
    });
    let event = construct(&pretty(&body)).unwrap();
    assert_eq!(event.event_type(), "alert.dashboard_agent_watch");
    assert_eq!(event.id, "watch:w1:channel:c1");
    let Alert::Other { event_type, object } = &event.alert else {
        panic!("{:?}", event.alert)
    };
    assert_eq!(event_type, "alert.dashboard_agent_watch");
    assert_eq!(object.to_value(), body["object"]);
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
    // Deserialize decodes (without verifying) as construct_event does after the check.
    assert_eq!(
        serde_json::from_slice::<WebhookEvent>(&pretty(&body)).unwrap(),
        event
    );
    let known: WebhookEvent = serde_json::from_value(run_failed()).unwrap();
    assert_eq!(known.event_type(), "alert.run.failed");
    let mut bad = run_failed();
    bad["object"]["run"]["number"] = json!(-1);
    let e = serde_json::from_value::<WebhookEvent>(bad).unwrap_err();
    assert!(e.to_string().starts_with("`object.run.number`: "), "{e}");
    // An unknown type still has to be signed.
    let body = pretty(&body);
    let e = webhook_error(webhooks::construct_event(
        &body,
        Some(&sign("other", &body)),
        SECRET,
    ));
    assert_eq!(e, WebhookError::InvalidSignature);
}

#[test]
fn a_vector_made_with_openssl_verifies() {
    // printf '%s' '{"id":"a1","created":"2026-01-01T00:00:00.000Z","webhookVersion":"1","type":"alert.x","object":{}}' \
    //   | openssl dgst -sha256 -hmac whsec_vector
    let body = br#"{"id":"a1","created":"2026-01-01T00:00:00.000Z","webhookVersion":"1","type":"alert.x","object":{}}"#;
    let signature = "85e5281db0fafb7b15f78c02b28222a5385cc976ac0c4e70968d0d885b6fb077";
    assert_eq!(sign("whsec_vector", body), signature);
    let event = webhooks::construct_event(body, Some(signature), "whsec_vector").unwrap();
    assert_eq!(event.event_type(), "alert.x");
}

#[test]
fn signatures_that_do_not_match_are_refused() {
    let body = pretty(&run_failed());
    let good = sign(SECRET, &body);
    let cases = [
        ("another secret", body.clone(), sign("whsec_other", &body)),
        ("upper-case hex", body.clone(), good.to_uppercase()),
        // Parsed and written again (compact): the same JSON, other bytes.
        (
            "re-serialized body",
            serde_json::to_vec(&run_failed()).unwrap(),
            good.clone(),
        ),
        (
            "one byte changed",
            {
                let mut b = body.clone();
                *b.last_mut().unwrap() = b' ';
                b
            },
            good.clone(),
        ),
        ("truncated hex", body.clone(), good[..63].to_owned()),
        ("prefixed hex", body.clone(), format!("sha256={good}")),
        ("trailing space", body.clone(), format!("{good} ")),
    ];
    for (what, body, signature) in cases {
        let e = webhook_error(webhooks::construct_event(&body, Some(&signature), SECRET));
        assert_eq!(e, WebhookError::InvalidSignature, "{what}");
    }
}

#[test]
fn a_missing_header_is_its_own_error() {
    let body = pretty(&run_failed());
    for header in [None, Some("")] {
        let e = webhook_error(webhooks::construct_event(&body, header, SECRET));
        assert_eq!(e, WebhookError::MissingSignature);
    }
    assert_eq!(
        WebhookError::MissingSignature.to_string(),
        "no signature: the request has no x-trigger-signature-hmacsha256 header (alert \
         webhooks from Trigger.dev always carry one)"
    );
}

#[test]
fn an_empty_secret_is_an_invalid_argument() {
    let body = pretty(&run_failed());
    let e = webhooks::construct_event(&body, Some(&sign("", &body)), "").unwrap_err();
    let Error::InvalidArgument { argument, reason } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*argument, "secret");
    assert_eq!(
        reason,
        "must not be empty (it is the webhook alert's secret, shown when the alert is created)"
    );
}

#[test]
fn a_signed_body_that_is_not_an_event_is_an_invalid_payload() {
    let payload_error = |body: &[u8]| match webhook_error(construct(body)) {
        WebhookError::InvalidPayload { message } => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        payload_error(b"not json"),
        "malformed JSON: expected ident at line 1 column 2"
    );
    assert_eq!(
        payload_error(b"[1]"),
        "the body must be a JSON object, not an array"
    );
    assert_eq!(
        payload_error(b"\xff{}"),
        "not UTF-8 text (invalid byte at offset 0)"
    );
    assert_eq!(
        payload_error(br#"{"id":"a","created":"c","webhookVersion":"1","object":{}}"#),
        "missing field `type` at line 1 column 57"
    );
    // A known type whose object does not have its shape: where, without the string's value.
    let mut bad = run_failed();
    bad["object"]["run"]["number"] = json!("forty-two");
    assert_eq!(
        payload_error(&pretty(&bad)),
        "`object.run.number`: invalid type: string, expected a non-negative integer"
    );
    let mut bad = deployment(true);
    bad["object"]["deployment"]
        .as_object_mut()
        .unwrap()
        .remove("deployedAt");
    let message = payload_error(&serde_json::to_vec(&bad).unwrap());
    assert_eq!(message, "`object.deployment`: missing field `deployedAt`");
    let mut bad = error_alert();
    bad["object"] = json!("not an object");
    assert_eq!(
        payload_error(&serde_json::to_vec(&bad).unwrap()),
        "`object` must be a JSON object, not a string"
    );
    // The error's text is the kind's.
    let e = construct(b"{").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("the webhook body is not an alert event: malformed JSON"),
        "{e}"
    );
}

#[test]
fn errors_never_show_the_secret_or_the_signature() {
    let body = pretty(&run_failed());
    let wrong = sign("whsec_other", &body);
    let errors = [
        webhooks::construct_event(&body, Some(&wrong), SECRET).unwrap_err(),
        webhooks::construct_event(&body, None, SECRET).unwrap_err(),
        webhooks::construct_event(b"nope", Some(&sign(SECRET, b"nope")), SECRET).unwrap_err(),
    ];
    for e in errors {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains(&wrong), "{text}");
        }
    }
}

/// The C export: `(rc, out_json, message, argument)`.
fn construct_c(
    body: Option<&[u8]>,
    len: usize,
    signature: Option<&str>,
    secret: Option<&str>,
) -> (trigger_result, Option<String>, String, Option<String>) {
    let signature = signature.map(|s| CString::new(s).unwrap());
    let secret = secret.map(|s| CString::new(s).unwrap());
    let mut out: *mut c_char = ptr::null_mut();
    let mut err: *mut trigger_error = ptr::null_mut();
    // SAFETY: valid pointers (or NULL where the test means NULL) and out-parameters.
    unsafe {
        let rc = trigger_webhooks_construct_event(
            body.map_or(ptr::null(), <[u8]>::as_ptr),
            len,
            signature.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            secret.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut out,
            &mut err,
        );
        let text = (!out.is_null()).then(|| CStr::from_ptr(out).to_str().unwrap().to_owned());
        trigger_string_free(out);
        let message = CStr::from_ptr(trigger_error_message(err))
            .to_string_lossy()
            .into_owned();
        let argument = trigger_error_argument(err);
        let argument =
            (!argument.is_null()).then(|| CStr::from_ptr(argument).to_string_lossy().into_owned());
        trigger_error_free(err);
        (rc, text, message, argument)
    }
}

#[test]
fn the_c_export_hands_out_the_signed_json_and_each_error_kind() {
    let body = pretty(&run_failed());
    let good = sign(SECRET, &body);
    let (rc, text, _, _) = construct_c(Some(&body), body.len(), Some(&good), Some(SECRET));
    assert_eq!(rc, trigger_result::Ok);
    // The body as sent, pretty-printing included.
    assert_eq!(text.unwrap().as_bytes(), body.as_slice());

    let other = pretty(
        &json!({"id":"w","created":"c","webhookVersion":"2026-08-02",
        "type":"alert.dashboard_agent_watch","object":{"a":[1]}}),
    );
    let (rc, text, _, _) = construct_c(
        Some(&other),
        other.len(),
        Some(&sign(SECRET, &other)),
        Some(SECRET),
    );
    assert_eq!(rc, trigger_result::Ok);
    assert_eq!(text.unwrap().as_bytes(), other.as_slice());

    let (rc, text, _, _) = construct_c(Some(&body), body.len(), None, Some(SECRET));
    assert_eq!((rc, text), (trigger_result::WebhookMissingSignature, None));
    let upper = good.to_uppercase();
    let (rc, _, message, _) = construct_c(Some(&body), body.len(), Some(&upper), Some(SECRET));
    assert_eq!(rc, trigger_result::WebhookInvalidSignature);
    assert_eq!(
        message,
        "invalid signature: x-trigger-signature-hmacsha256 is not the HMAC-SHA256 of the raw \
         body with this secret"
    );
    // One byte short of what was signed.
    let (rc, _, _, _) = construct_c(Some(&body), body.len() - 1, Some(&good), Some(SECRET));
    assert_eq!(rc, trigger_result::WebhookInvalidSignature);
    let (rc, _, message, _) = construct_c(Some(b"{}"), 2, Some(&sign(SECRET, b"{}")), Some(SECRET));
    assert_eq!(rc, trigger_result::WebhookInvalidPayload);
    assert_eq!(
        message,
        "the webhook body is not an alert event: missing field `id` at line 1 column 2"
    );
    let (rc, _, message, argument) = construct_c(Some(&body), body.len(), Some(&good), Some(""));
    assert_eq!(rc, trigger_result::InvalidArgument);
    assert!(
        message.starts_with("secret: must not be empty"),
        "{message}"
    );
    assert_eq!(argument.as_deref(), Some("secret"));
    let (rc, _, message, _) = construct_c(Some(&body), body.len(), Some(&good), None);
    assert_eq!(
        (rc, message.as_str()),
        (trigger_result::InvalidArgument, "secret: must not be NULL")
    );
    let (rc, _, message, argument) = construct_c(None, 3, Some(&good), Some(SECRET));
    assert_eq!(
        (rc, message.as_str(), argument.as_deref()),
        (
            trigger_result::InvalidArgument,
            "payload: must not be NULL (unless payload_len is 0)",
            Some("payload")
        )
    );
    // NULL with length 0 is the empty body: signed, but not JSON.
    let (rc, _, _, _) = construct_c(None, 0, Some(&sign(SECRET, b"")), Some(SECRET));
    assert_eq!(rc, trigger_result::WebhookInvalidPayload);
}
