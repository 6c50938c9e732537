"""Python-side mistakes raise TypeError/ValueError naming the argument, before anything crosses
the ABI; no input, however odd, crashes the interpreter."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from typing import Any, Callable, List

import pytest

import triggerdev
from triggerdev.testing import Emulator


def test_wrong_types_name_the_argument(dev: triggerdev.Client, emu: Emulator) -> None:
    cases: List[Callable[[], Any]] = []
    with pytest.raises(TypeError, match="run_id must be a str, not None"):
        dev.runs.retrieve(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="run_id must be a str, not int"):
        dev.runs.retrieve(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="task_id must be a str"):
        dev.tasks.trigger(b"bytes", {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="payload is not JSON serializable"):
        dev.tasks.trigger("t", {"when": object()})
    with pytest.raises(TypeError, match="payload is not JSON serializable"):
        dev.tasks.trigger("t", {(1, 2): "tuple key"})
    with pytest.raises(ValueError, match="payload"):
        dev.tasks.trigger("t", {"n": math.nan})
    with pytest.raises(ValueError, match="payload"):
        dev.tasks.trigger("t", float("inf"))
    circular: List[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="payload"):
        dev.tasks.trigger("t", circular)
    with pytest.raises(TypeError, match="tags"):
        dev.tasks.trigger("t", {}, tags=[1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="max_attempts must be an int"):
        dev.tasks.trigger("t", {}, max_attempts="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_attempts must be an int"):
        dev.tasks.trigger("t", {}, max_attempts=True)
    with pytest.raises(TypeError, match="metadata must be a dict"):
        dev.tasks.trigger("t", {}, metadata=["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="debounce"):
        dev.tasks.trigger("t", {}, debounce={"key": "k"})
    with pytest.raises(TypeError, match=r"items\[1\]"):
        dev.tasks.batch_trigger([{"task": "a"}, {"tsk": "typo"}])
    with pytest.raises(TypeError, match=r"items\[0\]\.options: unknown option 'tagz'"):
        dev.tasks.batch_trigger([{"task": "a", "options": {"tagz": ["x"]}}])
    with pytest.raises(triggerdev.InvalidArgumentError, match="items: a batch needs at least one item"):
        dev.tasks.batch_trigger([])
    with pytest.raises(TypeError, match="items must be a list"):
        dev.tasks.batch_trigger("task")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        dev.runs.replay("run_x", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="status"):
        dev.runs.list(status=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="variables"):
        dev.envvars.upload(emu.project_ref, "dev", variables={"A": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="access_token must be a str"):
        triggerdev.Client(access_token=123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_retries must be an int"):
        triggerdev.Client(max_retries=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_retries"):
        triggerdev.Client(max_retries=-1)
    with pytest.raises(TypeError, match="timeout"):
        triggerdev.Client(timeout="soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="retry: unknown field"):
        triggerdev.Client(retry={"attempts": 3})
    with pytest.raises(TypeError, match="additional_headers"):
        triggerdev.Client(additional_headers={"x": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="scope"):
        triggerdev.idempotency_keys.create("k", scope="planet")
    with pytest.raises(TypeError, match="interval"):
        dev.runs.poll("run_x", interval="1s")  # type: ignore[arg-type]
    with pytest.raises(triggerdev.InvalidArgumentError, match="changes nothing"):
        dev.runs.update_metadata("run_x")
    with pytest.raises(TypeError, match="positional argument"):
        dev.queues.retrieve("q", "task")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="realtime must be a dict"):
        dev.auth.create_public_token(realtime="payload")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"tags\[0\] must be a str, not int"):
        dev.sessions.update("s", tags=[1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="status must be a str"):
        dev.sessions.list(status=1)  # type: ignore[arg-type]
    assert not cases
    assert emu.requests() == [], "nothing reached the server"


def test_nul_bytes_and_unencodable_text(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(ValueError, match="run_id: must not contain NUL"):
        dev.runs.retrieve("run_\x00abc")
    with pytest.raises(triggerdev.InvalidArgumentError, match="name"):
        dev.envvars.update(emu.project_ref, "dev", "A\x00B", value="v")
    with pytest.raises(ValueError, match="run_id"):
        dev.runs.retrieve("run_\ud800")
    with pytest.raises(ValueError, match="payload"):
        dev.tasks.trigger("t", {"bad": "\udcff"})
    # A NUL inside JSON is escaped, not truncated: it round-trips.
    handle = dev.tasks.trigger("t", {"nul": "a\x00b"})
    assert dev.runs.retrieve(handle.id).payload == {"nul": "a\x00b"}


def test_datetimes_and_timedeltas_are_encoded(dev: triggerdev.Client, emu: Emulator) -> None:
    handle = dev.tasks.trigger("t", {"at": datetime(2025, 1, 2, 3, 4, 5).astimezone()}, delay=timedelta(minutes=5))
    body = next(r["body"] for r in emu.requests() if r["method"] == "POST")
    assert body["options"]["delay"] == "300s"
    assert dev.runs.retrieve(handle.id).status == "DELAYED"


def test_closed_objects_raise_instead_of_crashing(emu: Emulator) -> None:
    client = emu.client()
    runs = client.runs
    client.close()
    client.close()
    assert client.closed
    with pytest.raises(ValueError, match="closed"):
        runs.retrieve("run_x")
    with pytest.raises(ValueError, match="closed"):
        client.with_options(max_retries=0)
    with triggerdev.Client(emu.dev_key, base_url=emu.base_url) as other:
        listed = other.runs.list()
    assert list(listed) == [], "the first iteration outlives the client (list() made its iterator)"
    with pytest.raises(triggerdev.ClosedError, match="client is closed"):
        list(listed)


def test_a_battery_of_odd_inputs_never_crashes_the_interpreter(emu: Emulator) -> None:
    # Run in a child process: if anything crashed the interpreter, the child's exit code says so.
    script = textwrap.dedent(
        f"""
        import itertools, triggerdev
        c = triggerdev.Client({emu.dev_key!r}, base_url={emu.base_url!r}, max_retries=0)
        values = [None, "", "x", "\\x00", "\\ud800", 0, -1, 2**70, 1.5, float("nan"), True, b"bytes",
                  [], [None], {{}}, {{"k": object()}}, object(), "a" * 70_000, ["a"] * 20]
        calls = [
            lambda v: c.runs.retrieve(v),
            lambda v: c.runs.cancel(v),
            lambda v: c.runs.replay("run_x", payload=v),
            lambda v: c.runs.reschedule("run_x", delay=v),
            lambda v: c.runs.add_tags("run_x", v),
            lambda v: c.runs.update_metadata("run_x", metadata=v),
            lambda v: c.runs.poll(v, interval=0),
            lambda v: list(c.runs.list(limit=v)),
            lambda v: list(c.runs.list(status=v)),
            lambda v: c.tasks.trigger(v),
            lambda v: c.tasks.trigger("t", v, tags=v),
            lambda v: c.tasks.trigger("t", {{}}, idempotency_key=v, ttl=v),
            lambda v: c.tasks.batch_trigger(v),
            lambda v: c.tasks.batch_trigger([{{"task": "t", "options": v}}]),
            lambda v: c.batches.retrieve(v),
            lambda v: c.envvars.list(v, "dev"),
            lambda v: c.envvars.create("proj_emulator", "dev", name=v, value=v),
            lambda v: c.envvars.upload("proj_emulator", "dev", variables=v),
            lambda v: c.envvars.upload_dotenv("proj_emulator", "dev", v),
            lambda v: triggerdev.parse_dotenv(v),
            lambda v: c.schedules.create(task=v, cron="* * * * *", deduplication_key="k"),
            lambda v: c.schedules.list(per_page=v).page(),
            lambda v: c.schedules.timezones(exclude_utc=v),
            lambda v: triggerdev.idempotency_keys.create(v),
            lambda v: c.idempotency_keys.reset("t", v),
            lambda v: triggerdev.Client(base_url=v),
            lambda v: c.with_options(timeout=v),
            lambda v: (lambda s: (s.__enter__(), s.__exit__(None, None, None)))(triggerdev.with_auth(access_token=v)),
            lambda v: list(c.queues.list(per_page=v)),
            lambda v: c.queues.retrieve(v, queue_type=v),
            lambda v: c.queues.override_concurrency_limit("q", v),
            lambda v: list(c.deployments.list(from_=v, limit=v)),
            lambda v: c.deployments.promote(v),
            lambda v: c.waitpoints.create_token(timeout=v, tags=v),
            lambda v: c.waitpoints.complete_token("waitpoint_x", v),
            lambda v: c.waitpoints.list_tokens(status=v).page(),
            lambda v: c.bulk_actions.create(action=v, run_ids=v),
            lambda v: c.bulk_actions.create(action="cancel", filter=v),
            lambda v: c.sessions.start(type="chat", task_identifier="t", base_payload=v, trigger_config=v),
            lambda v: c.sessions.update("s", tags=v, metadata=v),
            lambda v: c.sessions.close(v, reason=v),
            lambda v: c.sessions.open("s").channel(v).input.append(v),
            lambda v: c.sessions.open("s").input.records(after_seq=v),
            lambda v: c.sessions.open("s").input.subscribe(last_event_id=v, timeout_seconds=v).close(),
            lambda v: c.auth.create_public_token(scopes=v),
            lambda v: c.auth.create_public_token(scopes={{"read": {{"runs": v}}}}, expiration_time=v),
            lambda v: c.auth.create_trigger_public_token(v, multiple_use=v),
        ]
        n = 0
        for call, v in itertools.product(calls, values):
            try:
                call(v)
            except (TypeError, ValueError, triggerdev.TriggerError, OSError):
                pass
            n += 1
        print("survived", n)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "survived" in done.stdout


def test_a_set_is_refused_and_a_tuple_is_an_array(dev: triggerdev.Client, emu: Emulator) -> None:
    emu.clear_requests()
    with pytest.raises(TypeError, match=r"^payload: a set is not JSON; pass a list$"):
        dev.tasks.trigger("t", {"tags": {"a", "b"}})
    with pytest.raises(TypeError, match=r"^payload: a frozenset is not JSON; pass a list$"):
        dev.tasks.trigger("t", frozenset([1]))
    with pytest.raises(TypeError, match=r"^data: a set is not JSON; pass a list$"):
        dev.waitpoints.complete_token("waitpoint_1", {1})
    with pytest.raises(TypeError, match=r"^metadata\.k: a set is not JSON; pass a list$"):
        dev.runs.replay("run_1", metadata={"k": {1}})
    with pytest.raises(TypeError, match=r"^base_payload: a set is not JSON; pass a list$"):
        dev.sessions.start(type="chat", task_identifier="agent", base_payload={"k": {1}})
    assert emu.requests() == [], "refused before any request"
    dev.tasks.trigger("t", {"pair": (1, "two")})
    assert emu.requests()[-1]["body"]["payload"] == '{"json":{"pair":[1,"two"]}}'


def test_replay_keywords_are_typed_and_checked(dev: triggerdev.Client, emu: Emulator) -> None:
    with pytest.raises(TypeError, match=r"^queue must be a str, not int$"):
        dev.runs.replay("run_1", queue=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^max_attempts must be an int, not str$"):
        dev.runs.replay("run_1", max_attempts="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^tags\[0\] must be a str, not int$"):
        dev.runs.replay("run_1", tags=[1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^metadata must be a dict, not list$"):
        dev.runs.replay("run_1", metadata=[1])  # type: ignore[arg-type]
    assert emu.requests() == []
    run_id = dev.tasks.trigger("t", {"a": 1}).id
    emu.clear_requests()
    new = dev.runs.replay(run_id, payload={"a": 2}, tags="again", max_duration=timedelta(minutes=1), priority=10)
    request = emu.requests()[-1]
    assert (request["method"], request["path"]) == ("POST", f"/api/v1/runs/{run_id}/replay")
    assert request["body"] == {
        "payload": '{"json":{"a":2}}',
        "payloadType": "application/super+json",
        "tags": ["again"],
        "maxDuration": 60,
        "priority": 10,
    }
    assert new.id != run_id
