"""Public access tokens minted by the binding: the requests that mint them, the claims they
carry, that the emulator accepts them for their scopes and refuses them (403) outside; the
errors of minting."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest

import triggerdev
from triggerdev.testing import Emulator


def claims(token: str) -> Dict[str, Any]:
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "HS256"
    result: Dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return result


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


def test_a_read_token_reads_its_run_and_nothing_else(dev: triggerdev.Client, emu: Emulator) -> None:
    mine = dev.tasks.trigger("t", {}).id
    other = dev.tasks.trigger("t", {}).id
    emu.clear_requests()

    token = dev.auth.create_public_token(scopes={"read": {"runs": [mine]}}, expiration_time="15m")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/auth/jwt/claims")
    assert request["rawBody"] == "" and request["headers"]["content-length"] == "0"
    assert request["headers"]["authorization"] == f"Bearer {emu.dev_key}"
    payload = claims(token)
    assert payload["scopes"] == [f"read:runs:{mine}"]
    assert payload["sub"] == "env_emulator_dev" and payload["pub"] is True
    assert payload["exp"] - payload["iat"] == 15 * 60

    frontend = emu.client(token, max_retries=0)
    assert frontend.runs.retrieve(mine).id == mine
    with pytest.raises(triggerdev.PermissionDeniedError) as denied:
        frontend.runs.retrieve(other)
    assert denied.value.status == 403
    with pytest.raises(triggerdev.PermissionDeniedError):
        frontend.tasks.trigger("t", {})


def test_session_scopes_in_the_json_form_and_named_channels(dev: triggerdev.Client, emu: Emulator) -> None:
    started = dev.sessions.start(type="chat", task_identifier="agent", base_payload={}, external_id="chat-9")
    token = dev.auth.create_public_token(
        scopes={
            "read": {"sessions": "chat-9"},
            "write": {"sessions": "chat-9:channels:tools"},
        }
    )
    assert claims(token)["scopes"] == ["read:sessions:chat-9", "write:sessions:chat-9:channels:tools"]
    assert claims(token)["exp"] - claims(token)["iat"] == 3600, "1 hour by default"
    frontend = emu.client(token, max_retries=0)
    assert frontend.sessions.retrieve(started.id).external_id == "chat-9"
    assert frontend.sessions.open("chat-9").channel("tools").input.append("call").ok
    with pytest.raises(triggerdev.PermissionDeniedError):
        frontend.sessions.open("chat-9").input.append("no write scope on .in")


def test_trigger_and_batch_trigger_tokens(dev: triggerdev.Client, emu: Emulator) -> None:
    token = dev.auth.create_trigger_public_token(["send-email", "send-sms"], multiple_use=True, expiration_time=timedelta(hours=2))
    payload = claims(token)
    assert payload["scopes"] == ["trigger:tasks:send-email", "trigger:tasks:send-sms"]
    assert payload["otu"] is False
    assert payload["exp"] - payload["iat"] == 7200
    frontend = emu.client(token, max_retries=0)
    assert frontend.tasks.trigger("send-email", {}).id.startswith("run_")
    assert frontend.tasks.trigger("send-sms", {}).id.startswith("run_")
    with pytest.raises(triggerdev.PermissionDeniedError) as denied:
        frontend.tasks.trigger("delete-everything", {})
    assert denied.value.status == 403

    once = dev.auth.create_trigger_public_token("send-email")
    assert claims(once)["otu"] is True and claims(once)["scopes"] == ["trigger:tasks:send-email"]

    batch = dev.auth.create_batch_trigger_public_token("send-email", multiple_use=True)
    assert claims(batch)["scopes"] == ["batchTrigger:tasks:send-email"]
    batcher = emu.client(batch, max_retries=0)
    assert batcher.tasks.batch_trigger([{"task": "send-email", "payload": 1}]).run_count == 1
    with pytest.raises(triggerdev.PermissionDeniedError):
        batcher.tasks.batch_trigger([{"task": "send-sms", "payload": 1}])


def test_an_additional_key_mints_through_the_server(emu: Emulator) -> None:
    assert emu.additional_key is not None
    client = emu.client(emu.additional_key, max_retries=0)
    at = datetime.now(timezone.utc) + timedelta(days=2)
    token = client.auth.create_public_token(scopes={"read": {"runs": True}}, expiration_time=at)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/auth/public-tokens")
    assert request["rawBody"] == f'{{"scopes":["read:runs"],"expirationTime":{int(at.timestamp())}}}'
    assert claims(token)["scopes"] == ["read:runs"] and claims(token)["exp"] == int(at.timestamp())

    client.auth.create_trigger_public_token("send-email", expiration_time=timedelta(minutes=15))
    assert only_request(emu)["rawBody"] == '{"scopes":["trigger:tasks:send-email"],"expirationTime":"900s","oneTimeUse":true}'

    # Scopes the key itself lacks: 403, with the denied scopes.
    with pytest.raises(triggerdev.PermissionDeniedError) as denied:
        client.auth.create_public_token(scopes={"read": {"runs": True}, "write": {"waitpoints": ["w1"]}})
    assert denied.value.status == 403 and denied.value.code == "scopes_exceed_key_access"
    assert denied.value.denied_scopes == ["write:waitpoints:w1"]
    with pytest.raises(triggerdev.InvalidArgumentError, match="scopes"):
        client.auth.create_public_token()  # the server needs at least one scope


def test_expiration_forms_and_minting_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    now = int(time.time())
    absolute = dev.auth.create_public_token(scopes={"read": {"runs": True}}, expiration_time=now + 600)
    assert claims(absolute)["exp"] == now + 600
    emu.clear_requests()

    with pytest.raises(triggerdev.InvalidArgumentError, match="^expiration_time: "):
        dev.auth.create_public_token(expiration_time="31d")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^expiration_time: "):
        dev.auth.create_public_token(expiration_time=datetime(2000, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(triggerdev.InvalidArgumentError, match="^expiration_time: "):
        dev.auth.create_public_token(expiration_time="soonish")
    with pytest.raises(triggerdev.InvalidArgumentError, match="scopes"):
        dev.auth.create_public_token(scopes={"read": {"runs": " "}})
    with pytest.raises(triggerdev.InvalidArgumentError, match="scope action"):
        dev.auth.create_public_token(scopes={"delete": {"runs": True}})
    with pytest.raises(triggerdev.InvalidArgumentError, match="scope resource"):
        dev.auth.create_public_token(scopes={"read": {"planets": True}})
    with pytest.raises(triggerdev.InvalidArgumentError, match="tasks"):
        dev.auth.create_trigger_public_token([])
    with pytest.raises(TypeError, match="scopes must be a dict"):
        dev.auth.create_public_token(scopes=["read:runs"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"scopes\['read'\] must be a dict"):
        dev.auth.create_public_token(scopes={"read": "runs"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"scopes\['read'\]\['runs'\] must be an id"):
        dev.auth.create_public_token(scopes={"read": {"runs": 7}})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="expiration_time must be a str"):
        dev.auth.create_public_token(expiration_time=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tasks must be a str or a list of str"):
        dev.auth.create_trigger_public_token(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="multiple_use must be a bool"):
        dev.auth.create_batch_trigger_public_token("t", multiple_use="yes")  # type: ignore[arg-type]
    assert emu.requests() == [], "all refused before any request"

    with pytest.raises(triggerdev.UnsupportedCredentialError):
        emu.client(emu.pat).auth.create_public_token(scopes={"read": {"runs": True}})
    public = dev.auth.create_public_token(scopes={"read": {"runs": True}})
    emu.clear_requests()
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        emu.client(public).auth.create_public_token(scopes={"read": {"runs": True}})
    assert emu.requests() == []


def test_snake_case_scope_names_and_the_ambient_functions(ambient: Emulator) -> None:
    token = triggerdev.auth.create_public_token(
        scopes={"batch_trigger": {"tasks": "a"}, "read": {"input_streams": "r1", "runs": False}},
        realtime={"skipColumns": ["payload"]},
    )
    payload = claims(token)
    assert payload["scopes"] == ["batchTrigger:tasks:a", "read:inputStreams:r1"]
    assert payload["realtime"] == {"skipColumns": ["payload"]}
    assert claims(triggerdev.auth.create_trigger_public_token("a"))["scopes"] == ["trigger:tasks:a"]
    assert claims(triggerdev.auth.create_batch_trigger_public_token(["a", "b"]))["scopes"] == [
        "batchTrigger:tasks:a",
        "batchTrigger:tasks:b",
    ]
    with triggerdev.auth.with_auth(access_token=ambient.prod_key):
        assert claims(triggerdev.auth.create_public_token(scopes={"read": {"runs": True}}))["sub"] != "env_emulator_dev"
