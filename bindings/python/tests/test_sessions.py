"""Sessions and their channels: every operation with its request on the wire and its result;
subscriptions (order, stop and close from another thread, the handle freed once, resuming
across a dropped stream); the errors a caller can hit (not found, bad arguments, a closed
session, a token without the scope)."""

from __future__ import annotations

import gc
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import triggerdev
from triggerdev.testing import Emulator

# Only a guard against a hung test (a broken stop would block forever); nothing is timed.
HANG_GUARD = 300.0


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


def count_frees(subscription: triggerdev.Subscription) -> List[int]:
    """Wraps the free function of a subscription's handle: the list gets each pointer freed."""
    frees: List[int] = []
    state = subscription._handle._state
    real_free: Callable[[int], Any] = state.free

    def free(ptr: int) -> Any:
        frees.append(ptr)
        return real_free(ptr)

    state.free = free
    return frees


def start(client: triggerdev.Client, external_id: str) -> triggerdev.StartedSession:
    return client.sessions.start(type="chat", task_identifier="chat-agent", base_payload={"model": "small"}, external_id=external_id)


# --- the session rows ----------------------------------------------------------------------


def test_start_retrieve_update_close(dev: triggerdev.Client, emu: Emulator) -> None:
    started = dev.sessions.start(
        type="chat",
        task_identifier="chat-agent",
        base_payload={"model": "small"},
        external_id="chat-42",
        trigger_config={"machine": "small-1x", "max_attempts": 3, "idleTimeoutInSeconds": 300, "tags": "run-tag"},
        tags=["vip"],
        metadata={"locale": "fr"},
        expires_at=datetime(2099, 1, 1, tzinfo=timezone.utc),
    )
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/sessions")
    assert request["rawBody"] == (
        '{"type":"chat","externalId":"chat-42","taskIdentifier":"chat-agent","triggerConfig":'
        '{"basePayload":{"model":"small"},"machine":"small-1x","tags":["run-tag"],"maxAttempts":3,'
        '"idleTimeoutInSeconds":300},"tags":["vip"],"metadata":{"locale":"fr"},"expiresAt":"2099-01-01T00:00:00.000Z"}'
    )
    assert isinstance(started, triggerdev.StartedSession)
    assert started.id.startswith("session_") and started.external_id == "chat-42"
    assert started.type == "chat" and started.task_identifier == "chat-agent"
    assert started.is_cached is False and started.run_id.startswith("run_")
    assert started.current_run_id == started.run_id
    assert started.tags == ["vip"] and started.metadata == {"locale": "fr"}
    assert started.expires_at == datetime(2099, 1, 1, tzinfo=timezone.utc)
    assert started.public_access_token.startswith("eyJ") and started.public_access_token not in repr(started)
    assert emu.run(started.run_id) is not None

    again = start(dev, "chat-42")
    assert again.is_cached is True and again.id == started.id
    emu.clear_requests()
    # A client's external deployment id is filled in, unless `external_deployment_id=None`.
    deploying = emu.client(external_deployment_id="dep-1", max_retries=0)
    deploying.sessions.start(type="chat", task_identifier="chat-agent", base_payload={}, external_id="chat-43")
    assert only_request(emu)["body"]["triggerConfig"] == {"basePayload": {}, "externalDeploymentId": "dep-1"}
    deploying.sessions.start(type="chat", task_identifier="chat-agent", base_payload={}, external_id="chat-43", trigger_config={"external_deployment_id": None})
    assert only_request(emu)["body"]["triggerConfig"] == {"basePayload": {}}

    by_ext = dev.sessions.retrieve("chat-42")
    assert only_request(emu)["path"] == "/api/v1/sessions/chat-42"
    by_id = dev.sessions.retrieve(started.id)
    assert only_request(emu)["path"] == f"/api/v1/sessions/{started.id}"
    assert isinstance(by_ext, triggerdev.Session) and by_ext.id == by_id.id == started.id
    assert by_ext.closed_at is None and isinstance(by_ext.created_at, datetime)

    updated = dev.sessions.update("chat-42", tags=["a", "b"], metadata={"step": 2})
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("PATCH", "/api/v1/sessions/chat-42")
    assert request["rawBody"] == '{"tags":["a","b"],"metadata":{"step":2}}'
    assert updated.tags == ["a", "b"] and updated.metadata == {"step": 2}
    cleared = dev.sessions.update("chat-42", metadata=None)
    assert only_request(emu)["rawBody"] == '{"metadata":null}'
    assert cleared.metadata is None and cleared.tags == ["a", "b"]

    closed = dev.sessions.close("chat-42", reason="done")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/api/v1/sessions/chat-42/close")
    assert request["rawBody"] == '{"reason":"done"}'
    assert closed.closed_reason == "done" and isinstance(closed.closed_at, datetime)
    assert dev.sessions.close(started.id).closed_reason == "done", "idempotent"
    assert only_request(emu)["rawBody"] == "{}"


def test_list_iterates_every_page_and_page_gives_one(dev: triggerdev.Client, emu: Emulator) -> None:
    ids = [start(dev, f"chat-{i}").id for i in range(3)]
    dev.sessions.start(type="support", task_identifier="support-agent", base_payload={})
    emu.clear_requests()

    sessions = dev.sessions.list(type="chat", limit=2)
    assert isinstance(sessions, triggerdev.ListIterable)
    assert [s.id for s in sessions] == list(reversed(ids)), "newest first"
    requests = emu.requests()
    assert [r["path"] for r in requests] == ["/api/v1/sessions", "/api/v1/sessions"]
    assert requests[0]["query"] == {"filter[type]": "chat", "page[size]": "2"}
    assert requests[1]["query"] == {"filter[type]": "chat", "page[size]": "2", "page[after]": ids[1]}
    emu.clear_requests()

    page = dev.sessions.list(status="ACTIVE", task_identifier="chat-agent", limit=2).page()
    assert isinstance(page, triggerdev.SessionsPage) and len(page) == 2 and page.has_next_page
    assert only_request(emu)["query"] == {
        "filter[taskIdentifier]": "chat-agent",
        "filter[status]": "ACTIVE",
        "page[size]": "2",
    }
    rest = page.next_page()
    assert [s.id for s in rest] == [ids[0]]
    assert [s.external_id for s in dev.sessions.list(external_id="chat-1")] == ["chat-1"]


# --- channels ------------------------------------------------------------------------------


def test_append_and_records(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-7")
    emu.clear_requests()
    session = dev.sessions.open("chat-7")
    assert isinstance(session, triggerdev.SessionHandle)
    assert emu.requests() == [], "open makes no request"

    first = session.input.append("hello")
    request = only_request(emu)
    assert (request["method"], request["path"]) == ("POST", "/realtime/v1/sessions/chat-7/in/append")
    assert request["rawBody"] == "hello", "a str goes as its text"
    part_id = request["headers"]["x-part-id"]
    assert len(part_id) == 21
    assert isinstance(first, triggerdev.Appended) and first.ok and first.seq == 0

    second = session.input.append({"text": "hi", "n": [1, 2]})
    request = only_request(emu)
    assert request["rawBody"] == '{"text":"hi","n":[1,2]}', "anything else as its JSON"
    assert request["headers"]["x-part-id"] != part_id
    assert second.seq == 1

    records = session.input.records()
    request = only_request(emu)
    assert (request["method"], request["path"], request["query"]) == (
        "GET",
        "/realtime/v1/sessions/chat-7/in/records",
        {},
    )
    assert all(isinstance(r, triggerdev.ChannelRecord) for r in records)
    assert [(r.seq_num, r.data, r.id) for r in records] == [(0, "hello", part_id), (1, '{"text":"hi","n":[1,2]}', records[1].id)]
    later = session.input.records(after_seq=0)
    assert only_request(emu)["query"] == {"afterEventId": "0"}
    assert [r.seq_num for r in later] == [1]

    tools = session.channel("tool-calls")
    tools.input.append(["search", 1])
    request = only_request(emu)
    assert request["path"] == "/realtime/v1/sessions/chat-7/channels/tool-calls/in/append"
    assert request["rawBody"] == '["search",1]'
    assert [r.data for r in tools.input.records()] == ['["search",1]']
    assert len(session.input.records()) == 2, "named channels are separate"

    # The task side writes .out; a secret key may too.
    dev.sessions.open("chat-7").output.append({"reply": "bonjour"})
    assert emu.requests()[-1]["path"] == "/realtime/v1/sessions/chat-7/out/append"
    assert [r.data for r in session.output.records()] == ['{"reply":"bonjour"}']


def test_appending_to_a_closed_session_raises_session_closed(retrying: triggerdev.Client, emu: Emulator) -> None:
    start(retrying, "chat-closed")
    retrying.sessions.close("chat-closed", reason="finished")
    emu.clear_requests()
    with pytest.raises(triggerdev.SessionClosedError) as closed:
        retrying.sessions.open("chat-closed").input.append("too late")
    error = closed.value
    assert isinstance(error, triggerdev.APIStatusError) and not isinstance(error, triggerdev.ConflictError)
    # The server's 400 without a code.
    assert error.status == 400 and error.code is None
    assert error.body == {"ok": False, "error": "Cannot append to a closed session"}
    assert str(error) == "400 Cannot append to a closed session"
    assert len(emu.requests()) == 1, "terminal: never retried"
    # The 4.8.3 docs' 409 with its code is one too, and not retried although other 409s are.
    emu.add_fault(
        status=409,
        path="/realtime/v1/sessions/chat-closed/in/append",
        body={"ok": False, "error": "Cannot append to a closed session", "code": "session_closed"},
    )
    emu.clear_requests()
    with pytest.raises(triggerdev.SessionClosedError) as documented:
        retrying.sessions.open("chat-closed").input.append("too late")
    assert documented.value.status == 409 and documented.value.code == "session_closed"
    assert len(emu.requests()) == 1
    emu.clear_faults()
    with pytest.raises(triggerdev.ConflictError):
        start(retrying, "chat-closed")  # starting a closed session again: a plain 409


def test_session_errors(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(triggerdev.NotFoundError):
        dev.sessions.retrieve("session_missing")
    started = start(dev, "chat-e")
    emu.clear_requests()
    with pytest.raises(triggerdev.InvalidArgumentError, match="channel"):
        dev.sessions.open("chat-e").channel("no spaces allowed").input.append("x")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^external_id: "):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload={}, external_id="session_mine")
    with pytest.raises(triggerdev.InvalidArgumentError, match="^base_payload: "):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload=["not", "an", "object"])
    with pytest.raises(triggerdev.InvalidArgumentError, match="^timeout_seconds: "):
        dev.sessions.open("chat-e").input.subscribe(timeout_seconds=601)
    with pytest.raises(TypeError, match="base_payload is not JSON serializable"):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload={"x": object()})
    with pytest.raises(TypeError, match="trigger_config: unknown option 'colour'"):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload={}, trigger_config={"colour": "red"})
    with pytest.raises(TypeError, match="trigger_config: give the base payload"):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload={}, trigger_config={"base_payload": {}})
    with pytest.raises(TypeError, match="type must be a str, not None"):
        dev.sessions.start(type=None, task_identifier="agent", base_payload={})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="session must be a str"):
        dev.sessions.open(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="after_seq must be an int"):
        dev.sessions.open("chat-e").input.records(after_seq="3")  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="after_seq"):
        dev.sessions.open("chat-e").input.records(after_seq=-1)
    with pytest.raises(TypeError, match="metadata must be a dict"):
        dev.sessions.update("chat-e", metadata=[1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="from_latest must be a bool"):
        dev.sessions.open("chat-e").output.subscribe(from_latest=1)  # type: ignore[arg-type]
    assert emu.requests() == []

    # The session's own token: it may read and append to .in, but not write .out or update.
    frontend = emu.client(started.public_access_token, max_retries=0)
    assert frontend.sessions.retrieve("chat-e").id == started.id
    assert frontend.sessions.open(started.id).input.append("from the browser").ok
    emu.clear_requests()
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        frontend.sessions.update("chat-e", tags=["x"])
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        frontend.sessions.open("chat-e").output.append("not mine to write")
    assert emu.requests() == [], "refused before sending"
    other = start(dev, "chat-other")
    with pytest.raises(triggerdev.PermissionDeniedError) as denied:
        frontend.sessions.open(other.id).input.append("not my session")
    assert denied.value.status == 403
    with pytest.raises(triggerdev.PermissionDeniedError):
        frontend.sessions.retrieve("chat-other")


# --- subscriptions -------------------------------------------------------------------------


def test_subscribe_receives_the_records_in_order(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-sub")
    emu.set_session_options(sse_linger_ms=0)  # drain what is there, then end the window
    channel = dev.sessions.open("chat-sub").input
    for text in ("one", "two", "three"):
        channel.append(text)
    emu.clear_requests()

    subscription = channel.subscribe(stop_at_end_of_window=True, timeout_seconds=30)
    assert isinstance(subscription, triggerdev.Subscription)
    assert emu.requests() == [], "no request until the first next()"
    with subscription as sub:
        records = list(sub)
    assert [r.data for r in records] == ["one", "two", "three"]
    assert [r.seq_num for r in records] == [0, 1, 2]
    assert all(isinstance(r, triggerdev.SessionRecord) and isinstance(r.timestamp, datetime) for r in records)
    assert records[0].id == channel.records()[0].id
    request = emu.requests()[0]
    assert (request["method"], request["path"]) == ("GET", "/realtime/v1/sessions/chat-sub/in")
    assert request["headers"]["accept"] == "text/event-stream"
    assert request["headers"]["timeout-seconds"] == "30"
    assert "last-event-id" not in request["headers"]
    emu.clear_requests()

    # Resuming after a record, and starting at the tail.
    with channel.subscribe(last_event_id=0, stop_at_end_of_window=True) as sub:
        assert [r.data for r in sub] == ["two", "three"]
    assert emu.requests()[0]["headers"]["last-event-id"] == "0"
    emu.clear_requests()
    with channel.subscribe(from_latest=True, stop_at_end_of_window=True) as sub:
        assert list(sub) == []
    assert emu.requests()[0]["headers"]["x-trigger-stream-start"] == "latest"


def test_subscribe_to_out_sees_turn_complete(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-out")
    emu.set_session_options(sse_linger_ms=0)
    emu.append_session_records(
        "chat-out", [{"data": {"text": "hi"}}, {"control": "turn-complete", "publicAccessToken": True}], io="out"
    )
    with dev.sessions.open("chat-out").output.subscribe(stop_at_end_of_window=True, peek_settled=True) as sub:
        reply, done = list(sub)
    assert reply.data == {"text": "hi"} and not reply.is_turn_complete and reply.public_access_token is None
    assert done.is_turn_complete and done.control == "turn-complete" and done.data is None
    assert done.public_access_token is not None and done.public_access_token.startswith("eyJ")
    assert ("trigger-control", "turn-complete") in done.headers
    assert emu.requests()[-1]["headers"]["x-peek-settled"] == "1"


def test_live_records_arrive_in_order_on_another_thread(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-live")
    channel = dev.sessions.open("chat-live").input
    subscription = channel.subscribe()
    got: List[Any] = []
    errors: List[BaseException] = []
    three = threading.Event()

    def consume() -> None:
        try:
            for record in subscription:
                got.append(record.data)
                if len(got) == 3:
                    three.set()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    thread = threading.Thread(target=consume)
    thread.start()
    for text in ("a", "b", "c"):
        channel.append(text)
    assert three.wait(HANG_GUARD)
    subscription.stop()
    thread.join(HANG_GUARD)
    assert not thread.is_alive() and not errors
    assert got == ["a", "b", "c"]
    subscription.close()


@pytest.mark.parametrize("how", ["stop", "close"])
def test_stop_or_close_from_another_thread_unblocks_a_blocked_next(
    dev: triggerdev.Client, emu: Emulator, how: str
) -> None:
    start(dev, f"chat-{how}")
    channel = dev.sessions.open(f"chat-{how}").input
    channel.append("first")
    # The default window (60 s, no linger): after "first" the consumer's next() blocks.
    subscription = channel.subscribe()
    frees = count_frees(subscription)
    received = threading.Event()
    got: List[Any] = []
    errors: List[BaseException] = []

    def consume() -> None:
        try:
            with subscription as sub:
                for record in sub:
                    got.append(record.data)
                    received.set()  # readiness: the stream is open; the next next() blocks
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    thread = threading.Thread(target=consume)
    thread.start()
    assert received.wait(HANG_GUARD)
    if how == "stop":
        subscription.stop()
    else:
        subscription.close()  # from this thread, while the consumer is in next()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the blocked next() returned"
    assert not errors and got == ["first"]
    assert list(subscription) == [], "a stopped subscription stays ended"
    subscription.close()
    subscription.close()
    subscription.stop()  # after close: a no-op, never a use of a freed handle
    del subscription
    gc.collect()
    assert len(frees) == 1, "freed exactly once"


def test_an_unused_subscription_is_freed_once_by_its_finalizer(dev: triggerdev.Client) -> None:
    start(dev, "chat-gc")
    subscription = dev.sessions.open("chat-gc").input.subscribe()
    frees = count_frees(subscription)
    del subscription
    gc.collect()
    assert len(frees) == 1


def test_last_seq_is_where_a_new_subscription_resumes_and_passes_a_trailing_command_record(
    dev: triggerdev.Client, emu: Emulator
) -> None:
    # last_seq is the library's (trigger_session_stream_last_seq): the records handed out, not
    # the batch they came in, then the command record skipped after the last of them.
    start(dev, "chat-seq")
    emu.set_session_options(sse_linger_ms=0)
    seqs: List[int] = emu.append_session_records("chat-seq", [{"data": i} for i in range(7)], io="out")["seqs"]
    (fence,) = emu.append_session_records("chat-seq", [{"command": "fence", "body": "f"}], io="out")["seqs"]
    assert len(seqs) == 7 and fence > seqs[-1]
    channel = dev.sessions.open("chat-seq").output
    sub = channel.subscribe(stop_at_end_of_window=True)
    assert sub.last_seq is None, "before the first record"
    seen: List[Tuple[Any, Optional[int]]] = []
    for record in sub:
        seen.append((record.data, sub.last_seq))
        if len(seen) == 3:
            break
    assert seen == [(0, seqs[0]), (1, seqs[1]), (2, seqs[2])], "read after each record"
    assert sub.last_seq == seqs[2], "the 3rd record's seq, not the end of its batch"

    with channel.subscribe(stop_at_end_of_window=True, last_event_id=sub.last_seq) as resumed:
        assert resumed.last_seq == seqs[2], "the last_event_id it starts after"
        records = list(resumed)
    assert [r.data for r in records] == [3, 4, 5, 6], "none lost, none repeated"
    assert [r.seq_num for r in records] == seqs[3:]
    assert resumed.last_seq == fence

    assert [r.data for r in sub] == [3, 4, 5, 6]
    assert sub.last_seq == fence, "past the fence, one past the last data record"
    sub.close()
    assert sub.last_seq == fence, "still there after close()"

    closed_early = channel.subscribe(stop_at_end_of_window=True, last_event_id=seqs[4])
    assert next(closed_early).data == 5
    closed_early.close()
    assert closed_early.last_seq == seqs[5]


def test_subscribe_resumes_across_a_dropped_stream(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-drop")
    emu.set_session_options(sse_linger_ms=0)
    channel = dev.sessions.open("chat-drop").input
    for i in range(5):
        channel.append(f"m{i}")
    emu.add_fault(sse_drop_after=2, count=1, path="/realtime/v1/sessions/chat-drop/in")
    emu.clear_requests()
    with channel.subscribe(stop_at_end_of_window=True) as sub:
        data = [r.data for r in sub]
    assert data == ["m0", "m1", "m2", "m3", "m4"], "none lost, none repeated"
    streams = [r for r in emu.requests() if r["path"] == "/realtime/v1/sessions/chat-drop/in"]
    assert len(streams) == 2
    assert "last-event-id" not in streams[0]["headers"]
    assert streams[1]["headers"]["last-event-id"] == "1", "resumed after the last record received"


def test_subscribe_resumes_after_an_error_event_and_ends_on_a_terminal_error(
    dev: triggerdev.Client, emu: Emulator
) -> None:
    start(dev, "chat-err")
    emu.set_session_options(sse_linger_ms=0)
    channel = dev.sessions.open("chat-err").input
    for i in range(3):
        channel.append(i)
    emu.add_fault(sse_error_after=1, count=1, path="/realtime/v1/sessions/chat-err/in")
    with channel.subscribe(stop_at_end_of_window=True) as sub:
        assert [r.data for r in sub] == ["0", "1", "2"]

    with pytest.raises(triggerdev.NotFoundError):
        list(dev.sessions.open("session_missing").input.subscribe())


def test_a_session_token_subscribes_but_another_session_is_refused(dev: triggerdev.Client, emu: Emulator) -> None:
    mine = start(dev, "chat-mine")
    start(dev, "chat-theirs")
    emu.set_session_options(sse_linger_ms=0)
    dev.sessions.open("chat-mine").input.append("hi")
    frontend = emu.client(mine.public_access_token, max_retries=0)
    with frontend.sessions.open("chat-mine").input.subscribe(stop_at_end_of_window=True) as sub:
        assert [r.data for r in sub] == ["hi"]
    with pytest.raises(triggerdev.PermissionDeniedError):
        list(frontend.sessions.open("chat-theirs").input.subscribe(stop_at_end_of_window=True))


def test_a_blocked_subscription_ends_with_the_window(dev: triggerdev.Client, emu: Emulator) -> None:
    start(dev, "chat-window")
    channel = dev.sessions.open("chat-window").input
    channel.append("only")
    got: List[Any] = []
    received = threading.Event()
    subscription = channel.subscribe(stop_at_end_of_window=True)

    def consume() -> None:
        for record in subscription:
            got.append(record.data)
            received.set()

    thread = threading.Thread(target=consume)
    thread.start()
    assert received.wait(HANG_GUARD)
    row = emu.session("chat-window")
    assert row is not None and row["status"] == "ACTIVE"
    assert emu.end_session_streams()["ended"] >= 0  # the window ends: [DONE]
    thread.join(HANG_GUARD)
    assert not thread.is_alive() and got == ["only"]
    subscription.close()


def test_ambient_sessions(ambient: Emulator) -> None:
    started = triggerdev.sessions.start(type="chat", task_identifier="agent", base_payload={}, external_id="amb")
    triggerdev.sessions.open("amb").input.append("x")
    assert [r.data for r in triggerdev.sessions.open(started.id).input.records()] == ["x"]
    assert [s.id for s in triggerdev.sessions.list()] == [started.id]


def test_records_and_a_subscription_hand_out_the_same_data(dev: triggerdev.Client, emu: Emulator) -> None:
    # .in keeps the text that was posted (the server stores it so); both reads give it as is.
    start(dev, "chat-same")
    emu.set_session_options(sse_linger_ms=0)
    channel = dev.sessions.open("chat-same").input
    channel.append({"text": "hi"})
    channel.append("plain")
    drained = [r.data for r in channel.records()]
    with channel.subscribe(stop_at_end_of_window=True) as sub:
        streamed = [r.data for r in sub]
    assert drained == streamed == ['{"text":"hi"}', "plain"]
