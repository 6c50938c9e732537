"""Waitpoint tokens and bulk actions: every operation, the exact request on the wire and the
decoded result; the errors a caller can hit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest

import triggerdev
from triggerdev.testing import Emulator


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


# --- waitpoint tokens ----------------------------------------------------------------------


def test_create_retrieve_and_complete_a_token(dev: triggerdev.Client, emu: Emulator) -> None:
    created = dev.waitpoints.create_token(
        timeout="1h", idempotency_key="approve-42", idempotency_key_ttl=timedelta(days=1), tags="approval"
    )
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/waitpoints/tokens")
    assert request["rawBody"] == '{"idempotencyKey":"approve-42","idempotencyKeyTTL":"86400s","timeout":"1h","tags":["approval"]}'
    assert isinstance(created, triggerdev.CreatedWaitpointToken)
    assert created.id.startswith("waitpoint_") and created.is_cached is False
    assert created.url.startswith(emu.base_url + f"/api/v1/waitpoints/tokens/{created.id}/callback/")
    assert created.public_access_token is not None and created.public_access_token.startswith("eyJ")
    text = repr(created)
    assert created.public_access_token not in text and created.url not in text, "tokens are not printed"

    again = dev.waitpoints.create_token(idempotency_key="approve-42")
    assert again.id == created.id and again.is_cached is True
    emu.clear_requests()

    token = dev.waitpoints.retrieve_token(created.id)
    assert only_request(emu)["path"] == f"/api/v1/waitpoints/tokens/{created.id}"
    assert isinstance(token, triggerdev.WaitpointToken)
    assert token.status == "WAITING" and token.tags == ["approval"] and token.raw_output is None
    assert token.output is None, "no completion data yet"
    assert token.idempotency_key == "approve-42"
    assert isinstance(token.timeout_at, datetime) and isinstance(token.created_at, datetime)

    done = dev.waitpoints.complete_token(created.id, {"approved": True})
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", f"/api/v1/waitpoints/tokens/{created.id}/complete")
    assert request["rawBody"] == '{"data":{"approved":true}}'
    assert isinstance(done, triggerdev.SuccessResponse) and done.success is True

    completed = dev.waitpoints.retrieve_token(created.id)
    assert completed.status == "COMPLETED" and isinstance(completed.completed_at, datetime)
    # The completion data decoded by the library, and as the server stores it.
    assert completed.raw_output == '{"json":{"approved":true}}'
    assert completed.output_type == "application/super+json" and completed.output_is_error is False
    emu.clear_requests()
    assert completed.output == {"approved": True} and completed.output_value() == {"approved": True}
    assert emu.requests() == [], "decoding makes no request"

    # No data at all (the official `undefined`), and JSON null.
    other = dev.waitpoints.create_token()
    emu.clear_requests()
    dev.waitpoints.complete_token(other.id)
    assert only_request(emu)["rawBody"] == "{}"
    bare = dev.waitpoints.retrieve_token(other.id)
    assert bare.status == "COMPLETED" and bare.output_value() is None
    emu.clear_requests()
    third = dev.waitpoints.create_token(timeout=datetime(2099, 1, 1, tzinfo=timezone.utc))
    assert emu.requests()[-1]["body"] == {"timeout": "2099-01-01T00:00:00.000Z"}
    emu.clear_requests()
    dev.waitpoints.complete_token(third.id, None)
    assert only_request(emu)["rawBody"] == '{"data":null}'


def test_output_value_is_the_librarys_decoding(dev: triggerdev.Client, emu: Emulator) -> None:
    token = dev.waitpoints.create_token(tags="decode")
    dev.waitpoints.complete_token(token.id, {"approved": True})
    done = dev.waitpoints.retrieve_token(token.id)
    assert done.output_value() == {"approved": True}
    # A record made from a dict decodes alike; what the library cannot decode is None.
    assert triggerdev.WaitpointToken(done.to_dict()).output_value() == {"approved": True}
    unknown = dict(done.to_dict(), outputType="application/x-unknown")
    assert triggerdev.WaitpointToken(unknown).output_value() is None
    # List items carry no output (retrieve only).
    assert [t.output_value() for t in dev.waitpoints.list_tokens(tags="decode")] == [None]
    with pytest.raises(triggerdev.InvalidArgumentError):
        triggerdev.WaitpointToken({}).output_value()


def test_a_token_completes_with_its_own_public_token_only(dev: triggerdev.Client, emu: Emulator) -> None:
    mine = dev.waitpoints.create_token()
    other = dev.waitpoints.create_token()
    assert mine.public_access_token is not None
    approver = emu.client(mine.public_access_token, max_retries=0)
    emu.clear_requests()
    assert approver.waitpoints.complete_token(mine.id, "yes").success
    assert only_request(emu)["headers"]["authorization"] == f"Bearer {mine.public_access_token}"
    with pytest.raises(triggerdev.PermissionDeniedError) as denied:
        approver.waitpoints.complete_token(other.id, "no")
    assert denied.value.status == 403
    assert dev.waitpoints.retrieve_token(mine.id).raw_output == "yes"
    assert dev.waitpoints.retrieve_token(mine.id).output == "yes", "text/plain decodes to its text"
    assert dev.waitpoints.retrieve_token(other.id).status == "WAITING"


def test_list_tokens_iterates_and_pages(dev: triggerdev.Client, emu: Emulator) -> None:
    ids = [dev.waitpoints.create_token(tags=["wp"]).id for _ in range(3)]
    dev.waitpoints.create_token(tags=["other"])
    dev.waitpoints.complete_token(ids[0], 1)
    emu.clear_requests()

    tokens = dev.waitpoints.list_tokens(status=["WAITING", "COMPLETED"], tags="wp", period="1d", limit=2)
    assert isinstance(tokens, triggerdev.ListIterable)
    assert sorted(t.id for t in tokens) == sorted(ids)
    requests = emu.requests()
    assert len(requests) == 2
    assert requests[0]["path"] == "/api/v1/waitpoints/tokens"
    assert requests[0]["query"] == {
        "filter[status]": "WAITING,COMPLETED",
        "filter[tags]": "wp",
        "filter[createdAt][period]": "1d",
        "page[size]": "2",
    }
    assert requests[1]["query"]["page[after]"]
    emu.clear_requests()

    page = dev.waitpoints.list_tokens(status="WAITING", limit=2).page()
    assert isinstance(page, triggerdev.WaitpointTokensPage)
    assert len(page) == 2 and page.has_next_page
    assert only_request(emu)["query"] == {"filter[status]": "WAITING", "page[size]": "2"}
    rest = page.next_page()
    assert len(rest) == 1 and not rest.has_next_page
    assert all(t.status == "WAITING" for t in [*page, *rest])


def test_waitpoint_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(triggerdev.NotFoundError) as missing:
        dev.waitpoints.retrieve_token("waitpoint_missing")
    assert missing.value.body == {"error": "Waitpoint not found"}
    emu.clear_requests()
    with pytest.raises(triggerdev.InvalidArgumentError, match="^idempotency_key: "):
        dev.waitpoints.create_token(idempotency_key="k" * 2049)
    with pytest.raises(TypeError, match="data is not JSON serializable"):
        dev.waitpoints.complete_token("waitpoint_x", object())
    with pytest.raises(TypeError, match="token_id must be a str"):
        dev.waitpoints.retrieve_token(b"waitpoint_x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="idempotency_key must be a str"):
        dev.waitpoints.create_token(idempotency_key=["a", "b"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit must be an int"):
        dev.waitpoints.list_tokens(limit="2")  # type: ignore[arg-type]
    assert emu.requests() == []


# --- bulk actions --------------------------------------------------------------------------


def test_bulk_cancel_by_filter_and_replay_by_ids(dev: triggerdev.Client, emu: Emulator) -> None:
    old = [dev.tasks.trigger("cleanup", {}, tags=["old"]).id for _ in range(2)]
    keep = dev.tasks.trigger("cleanup", {}, tags=["new"]).id
    emu.clear_requests()

    created = dev.bulk_actions.create(
        action="cancel",
        filter={"status": ["QUEUED"], "tag": "old", "task_identifier": "cleanup", "from_": 0},
        name="cancel old",
    )
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/bulk-actions")
    assert request["body"] == {
        # A str tag stays a str, as the official SDK sends it.
        "filter": {"status": ["QUEUED"], "tag": "old", "taskIdentifier": ["cleanup"], "from": 0},
        "name": "cancel old",
        "action": "cancel",
    }
    assert isinstance(created, triggerdev.IdResponse) and created.id.startswith("bulk_")
    assert [dev.runs.retrieve(i).status for i in old] == ["CANCELED", "CANCELED"]
    assert dev.runs.retrieve(keep).status == "QUEUED"
    emu.clear_requests()

    action = dev.bulk_actions.retrieve(created.id)
    assert only_request(emu)["path"] == f"/api/v1/bulk-actions/{created.id}"
    assert isinstance(action, triggerdev.BulkAction)
    assert action.name == "cancel old" and action.status == "COMPLETED"
    assert (action.counts.total, action.counts.success, action.counts.failure) == (2, 2, 0)
    assert isinstance(action.created_at, datetime)

    dev.bulk_actions.create(action="cancel", filter={"tag": ["none-such"]})
    assert only_request(emu)["rawBody"] == '{"filter":{"tag":["none-such"]},"action":"cancel"}', "a list stays a list"

    replay = dev.bulk_actions.create(action="replay", run_ids=old, target_region="eu-central-1")
    assert only_request(emu)["rawBody"] == (
        f'{{"runIds":["{old[0]}","{old[1]}"],"targetRegion":"eu-central-1","action":"replay"}}'
    )
    replayed = list(dev.runs.list(bulk_action=replay.id))
    assert len(replayed) == 2 and not {r.id for r in replayed} & set(old)


def test_bulk_list_pages_and_abort(dev: triggerdev.Client, emu: Emulator) -> None:
    run = dev.tasks.trigger("t", {}).id
    ids = [dev.bulk_actions.create(action="cancel", run_ids=[run]).id for _ in range(3)]
    emu.clear_requests()

    actions = dev.bulk_actions.list(limit=2)
    assert isinstance(actions, triggerdev.ListIterable)
    assert [a.id for a in actions] == list(reversed(ids)), "newest first, across pages"
    requests = emu.requests()
    assert [r["query"].get("page[size]") for r in requests] == ["2", "2"]
    assert "page[after]" in requests[1]["query"]
    emu.clear_requests()
    page = dev.bulk_actions.list(limit=2).page()
    assert isinstance(page, triggerdev.BulkActionsPage) and len(page) == 2 and page.has_next_page
    rest = page.next_page()
    assert [a.id for a in rest] == [ids[0]]

    # A completed action cannot be aborted; a pending one can.
    with pytest.raises(triggerdev.ConflictError):
        dev.bulk_actions.abort(ids[0])
    emu.set_bulk_actions_deferred(True)
    pending = dev.bulk_actions.create(action="cancel", run_ids=[run])
    assert dev.bulk_actions.retrieve(pending.id).status == "PENDING"
    emu.clear_requests()
    aborted = dev.bulk_actions.abort(pending.id)
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", f"/api/v1/bulk-actions/{pending.id}/abort")
    assert request["rawBody"] == ""
    assert aborted.id == pending.id
    assert dev.bulk_actions.retrieve(pending.id).status == "ABORTED"
    later = dev.bulk_actions.create(action="cancel", run_ids=[run])
    emu.process_bulk_action(later.id)
    assert dev.bulk_actions.retrieve(later.id).status == "COMPLETED"


def test_bulk_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(triggerdev.NotFoundError):
        dev.bulk_actions.retrieve("bulk_missing")
    emu.clear_requests()
    with pytest.raises(triggerdev.InvalidArgumentError, match=r"^bulk_actions\.create: give exactly one of `filter` and `run_ids`$"):
        dev.bulk_actions.create(action="cancel", filter={"tag": "a"}, run_ids=["run_1"])
    with pytest.raises(triggerdev.InvalidArgumentError, match="^bulk_actions.create: "):
        dev.bulk_actions.create(action="cancel")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^target_region: "):
        dev.bulk_actions.create(action="cancel", run_ids=["run_1"], target_region="eu")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^action: unknown variant `delete`"):
        dev.bulk_actions.create(action="delete", run_ids=["run_1"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="filter: unknown option 'colour'"):
        dev.bulk_actions.create(action="cancel", filter={"colour": "red"})
    with pytest.raises(TypeError, match="filter must be a dict"):
        dev.bulk_actions.create(action="cancel", filter="tag:old")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="run_ids must be a list of str"):
        dev.bulk_actions.create(action="cancel", run_ids="run_1")
    with pytest.raises(TypeError, match=r"run_ids\[1\] must be a str"):
        dev.bulk_actions.create(action="cancel", run_ids=["run_1", 2])  # type: ignore[list-item]
    assert emu.requests() == []


def test_ambient_waitpoints_and_bulk_actions(ambient: Emulator) -> None:
    token = triggerdev.waitpoints.create_token()
    triggerdev.waitpoints.complete_token(token.id, [1])
    assert triggerdev.waitpoints.retrieve_token(token.id).status == "COMPLETED"
    run = triggerdev.tasks.trigger("t", {}).id
    action = triggerdev.bulk_actions.create(action="cancel", run_ids=[run])
    assert [a.id for a in triggerdev.bulk_actions.list()] == [action.id]
