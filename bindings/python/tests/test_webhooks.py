"""Alert webhooks: ``triggerdev.webhooks.construct_event`` against signatures made here with
``hmac`` and ``hashlib``. No emulator: nothing is sent."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any, Dict

import pytest

import triggerdev
from triggerdev import webhooks

SECRET = "whsec_python_7d1c"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pretty(data: Dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode()


def envelope(event_type: str, obj: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": "alert_py_1",
        "created": "2026-03-04T05:06:07.089Z",
        "webhookVersion": "2025-01-01",
        "type": event_type,
        "object": obj,
    }


ORG = {"id": "org_1", "slug": "acme", "name": "Acme"}
PROJECT = {"id": "project_1", "ref": "proj_acme", "slug": "web", "name": "Web"}
ENV = {"id": "env_prod", "type": "PRODUCTION", "slug": "prod"}

RUN_FAILED = envelope(
    "alert.run.failed",
    {
        "task": {"id": "send-email", "filePath": "src/email.ts", "exportName": "sendEmail",
                 "version": "20260304.1", "sdkVersion": "4.8.3", "cliVersion": "4.8.3"},
        "run": {"id": "run_abc", "number": 42, "status": "FAILED", "createdAt": "2026-03-04T05:00:00.000Z",
                "completedAt": "2026-03-04T05:00:02.500Z", "isTest": False, "tags": ["welcome"],
                "error": {"type": "INTERNAL_ERROR", "code": "TASK_PROCESS_OOM_KILLED", "message": "OOM"},
                "isOutOfMemoryError": True, "machine": "small-1x",
                "dashboardUrl": "https://cloud.trigger.dev/runs/run_abc"},
        "environment": {"id": "env_prev", "type": "PREVIEW", "slug": "preview", "branchName": "feat-x"},
        "organization": ORG,
        "project": PROJECT,
    },
)


def deployment(success: bool) -> Dict[str, Any]:
    obj: Dict[str, Any] = {
        "deployment": {"id": "deploy_1", "status": "DEPLOYED" if success else "FAILED",
                       "version": "20260304.2", "shortCode": "ab12cd"},
        "tasks": [{"id": "send-email", "filePath": "src/email.ts", "triggerSource": "STANDARD"}],
        "environment": ENV,
        "organization": ORG,
        "project": PROJECT,
        "git": {"branch": "main", "commitSha": "0a1b2c", "commitMessage": "Fix", "commitUrl": "https://g/c",
                "branchUrl": "https://g/b", "pullRequestNumber": 7},
    }
    if success:
        obj["deployment"]["deployedAt"] = "2026-03-04T06:00:00.000Z"
        obj["vercel"] = {"deploymentUrl": "https://web.vercel.app"}
        return envelope("alert.deployment.success", obj)
    obj["deployment"]["failedAt"] = "2026-03-04T06:00:00.000Z"
    obj["error"] = {"name": "BuildError", "message": "tsc failed", "stderr": "TS2304"}
    return envelope("alert.deployment.failed", obj)


ERROR_ALERT = envelope(
    "alert.error",
    {
        "classification": "new_issue",
        "error": {"fingerprint": "fp_9", "type": "TypeError", "message": "x is undefined",
                  "firstSeen": "2026-03-01T00:00:00.000Z", "lastSeen": "2026-03-04T00:00:00.000Z",
                  "occurrenceCount": 12, "taskIdentifier": "send-email"},
        "environment": {"id": "env_prod", "name": "Production"},
        "organization": ORG,
        "project": PROJECT,
        "dashboardUrl": "https://cloud.trigger.dev/errors/fp_9",
    },
)


def construct(body: bytes) -> triggerdev.WebhookEvent:
    return webhooks.construct_event(body, sign(body), SECRET)


def test_a_pretty_printed_run_failed_event_is_typed() -> None:
    body = pretty(RUN_FAILED)
    assert b"\n  " in body
    event = construct(body)
    assert isinstance(event, triggerdev.WebhookEvent)
    assert (event.id, event.type, event.webhook_version) == ("alert_py_1", "alert.run.failed", "2025-01-01")
    assert event.created == datetime(2026, 3, 4, 5, 6, 7, 89000, tzinfo=timezone.utc)
    assert event.is_known
    alert = event.object
    assert isinstance(alert, triggerdev.RunFailedAlert)
    assert alert.task.export_name == "sendEmail" and alert.task.cli_version == "4.8.3"
    run = alert.run
    assert (run.id, run.number, run.status) == ("run_abc", 42, triggerdev.RunStatus.FAILED)
    assert run.created_at == datetime(2026, 3, 4, 5, 0, tzinfo=timezone.utc)
    assert run.started_at is None and run.idempotency_key is None
    assert run.completed_at == datetime(2026, 3, 4, 5, 0, 2, 500000, tzinfo=timezone.utc)
    assert run.tags == ["welcome"] and run.is_out_of_memory_error is True
    assert isinstance(run.error, triggerdev.TaskRunError)
    assert (run.error.type, run.error.code, run.error.message) == ("INTERNAL_ERROR", "TASK_PROCESS_OOM_KILLED", "OOM")
    assert (alert.environment.type, alert.environment.branch_name) == ("PREVIEW", "feat-x")
    assert alert.project.ref == "proj_acme" and alert.organization.name == "Acme"
    # The record's JSON is the body's.
    assert event.to_dict() == RUN_FAILED


def test_deployment_events_are_typed() -> None:
    event = construct(pretty(deployment(True)))
    alert = event.object
    assert isinstance(alert, triggerdev.DeploymentSuccessAlert)
    assert alert.deployment.deployed_at == datetime(2026, 3, 4, 6, tzinfo=timezone.utc)
    assert alert.deployment.failed_at is None and alert.deployment.short_code == "ab12cd"
    assert [t.trigger_source for t in alert.tasks] == ["STANDARD"]
    assert alert.git is not None and alert.git.pull_request_number == 7 and alert.git.provider is None
    assert alert.vercel is not None and alert.vercel.deployment_url == "https://web.vercel.app"

    event = construct(pretty(deployment(False)))
    failed = event.object
    assert isinstance(failed, triggerdev.DeploymentFailedAlert)
    assert failed.deployment.failed_at == datetime(2026, 3, 4, 6, tzinfo=timezone.utc)
    assert (failed.error.name, failed.error.stderr, failed.error.stack) == ("BuildError", "TS2304", None)
    assert failed.vercel is None


def test_an_error_group_event_is_typed() -> None:
    alert = construct(pretty(ERROR_ALERT)).object
    assert isinstance(alert, triggerdev.ErrorAlert)
    assert alert.classification == "new_issue"
    assert (alert.error.type, alert.error.occurrence_count) == ("TypeError", 12)
    assert alert.error.last_seen == datetime(2026, 3, 4, tzinfo=timezone.utc)
    assert alert.environment.name == "Production"
    assert alert.dashboard_url.endswith("/fp_9")


def test_an_unknown_type_is_verified_and_handed_through_as_a_dict() -> None:
    data = {"id": "watch:w1:channel:c1", "created": "2026-08-02T00:00:00.000Z", "webhookVersion": "2026-08-02",
            "type": "alert.dashboard_agent_watch", "object": {"summary": "3 runs failed"}}
    body = pretty(data)
    event = construct(body)
    assert event.type == "alert.dashboard_agent_watch" and not event.is_known
    assert event.object == {"summary": "3 runs failed"}
    with pytest.raises(triggerdev.WebhookInvalidSignatureError):
        webhooks.construct_event(body, sign(body, "whsec_other"), SECRET)


def test_text_and_buffers_are_accepted_as_the_body() -> None:
    body = pretty(ERROR_ALERT)
    assert construct(body).id == "alert_py_1"
    assert webhooks.construct_event(body.decode(), sign(body), SECRET).id == "alert_py_1"
    assert webhooks.construct_event(bytearray(body), sign(body), SECRET).id == "alert_py_1"
    assert webhooks.construct_event(memoryview(body), sign(body), SECRET).id == "alert_py_1"


@pytest.mark.parametrize(
    "what",
    ["another secret", "upper-case hex", "re-serialized body", "a changed byte", "a prefix"],
)
def test_signatures_that_do_not_match(what: str) -> None:
    body = pretty(RUN_FAILED)
    good = sign(body)
    signature = {
        "another secret": sign(body, "whsec_other"),
        "upper-case hex": good.upper(),
        "re-serialized body": good,
        "a changed byte": good,
        "a prefix": "sha256=" + good,
    }[what]
    if what == "re-serialized body":
        body = json.dumps(json.loads(body)).encode()
    if what == "a changed byte":
        body = body.replace(b'"number": 42', b'"number": 43')
    with pytest.raises(triggerdev.WebhookInvalidSignatureError) as info:
        webhooks.construct_event(body, signature, SECRET)
    assert isinstance(info.value, triggerdev.WebhookError)
    assert str(info.value) == (
        "invalid signature: x-trigger-signature-hmacsha256 is not the HMAC-SHA256 of the raw body with this secret"
    )
    assert SECRET not in repr(info.value) and good not in str(info.value)


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_header(header: Any) -> None:
    with pytest.raises(triggerdev.WebhookMissingSignatureError) as info:
        webhooks.construct_event(pretty(RUN_FAILED), header, SECRET)
    assert info.value.kind == 25 and info.value.status is None
    assert "x-trigger-signature-hmacsha256" in str(info.value)


def test_an_empty_secret_names_secret() -> None:
    body = pretty(RUN_FAILED)
    with pytest.raises(triggerdev.InvalidArgumentError) as info:
        webhooks.construct_event(body, sign(body, ""), "")
    assert info.value.argument == "secret"
    assert str(info.value).startswith("secret: must not be empty")


def test_a_signed_body_that_is_not_json() -> None:
    body = b"<html>not json</html>"
    with pytest.raises(triggerdev.WebhookInvalidPayloadError) as info:
        webhooks.construct_event(body, sign(body), SECRET)
    assert str(info.value).startswith("the webhook body is not an alert event: malformed JSON")


def test_a_known_type_whose_object_does_not_decode() -> None:
    data = copy.deepcopy(RUN_FAILED)
    data["object"]["run"]["status"] = 7
    with pytest.raises(triggerdev.WebhookInvalidPayloadError) as info:
        construct(pretty(data))
    assert str(info.value).startswith("the webhook body is not an alert event: `object.run.status`: ")
    del data["object"]["run"]
    with pytest.raises(triggerdev.WebhookInvalidPayloadError) as info:
        construct(pretty(data))
    assert str(info.value) == "the webhook body is not an alert event: `object`: missing field `run`"


def test_arguments_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="payload must be bytes or str, not dict"):
        webhooks.construct_event({"id": 1}, "00", SECRET)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="secret must be a str"):
        webhooks.construct_event(b"{}", "00", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="signature must be a str"):
        webhooks.construct_event(b"{}", b"00", SECRET)  # type: ignore[arg-type]


def test_the_header_name_is_exported() -> None:
    assert webhooks.SIGNATURE_HEADER == "x-trigger-signature-hmacsha256"
