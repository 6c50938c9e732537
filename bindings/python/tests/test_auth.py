"""The ambient API: configure(), with_auth (scoped to the execution context: asyncio tasks,
threads, copied contexts; nesting field by field, restored after exceptions), snapshots,
with_options."""

from __future__ import annotations

import asyncio
import contextvars
import socket
import threading
from typing import Dict, List, Tuple

import pytest

import triggerdev
from triggerdev import auth
from triggerdev.testing import Emulator


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_of(run_id: str, emu: Emulator) -> str:
    run = emu.run(run_id)
    assert run is not None
    return str(run["envId"])


def test_ambient_calls_use_configure(ambient: Emulator) -> None:
    handle = triggerdev.tasks.trigger("ambient", 1)
    assert triggerdev.runs.retrieve(handle.id).payload == 1
    assert [r.id for r in triggerdev.runs.list()] == [handle.id]
    assert triggerdev.runs.list().page().data[0].id == handle.id
    assert triggerdev.batches.retrieve(triggerdev.tasks.batch_trigger([{"task": "b"}]).batch_id).run_count == 1
    triggerdev.envvars.create(ambient.project_ref, "dev", name="AMBIENT", value="1")
    assert triggerdev.envvars.retrieve(ambient.project_ref, "dev", "AMBIENT").value == "1"
    schedule = triggerdev.schedules.create(task="s", cron="0 * * * *", deduplication_key="amb")
    assert [s.id for s in triggerdev.schedules.list()] == [schedule.id]
    triggerdev.tasks.trigger("ambient", 2, idempotency_key="k")
    assert triggerdev.idempotency_keys.reset("ambient", "k").id
    assert "UTC" in triggerdev.schedules.timezones()


def test_with_auth_overrides_this_thread_and_nests_field_by_field(ambient: Emulator) -> None:
    emu = ambient
    # The process-wide configuration points nowhere; the overrides supply the rest.
    triggerdev.configure(secret_key=emu.dev_key, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0)
    with pytest.raises(triggerdev.APIConnectionError):
        triggerdev.runs.list().page()
    with auth.with_auth(base_url=emu.base_url):
        dev_run = triggerdev.tasks.trigger("t", {})
        assert env_of(dev_run.id, emu) == "env_emulator_dev"
        with triggerdev.with_auth(access_token=emu.prod_key):
            prod_run = triggerdev.tasks.trigger("t", {})  # prod key, base URL of the outer scope
            assert env_of(prod_run.id, emu) != "env_emulator_dev"
            with pytest.raises(triggerdev.NotFoundError):
                triggerdev.runs.retrieve(dev_run.id)
        assert triggerdev.runs.retrieve(dev_run.id).id == dev_run.id, "the inner scope is gone"
    with pytest.raises(triggerdev.APIConnectionError):
        triggerdev.runs.list().page()


def test_with_auth_is_restored_after_an_exception(ambient: Emulator) -> None:
    emu = ambient
    handle = triggerdev.tasks.trigger("t", {})

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with auth.with_auth(access_token=emu.prod_key):
            with auth.with_auth(preview_branch="whatever"):
                raise Boom()
    assert triggerdev.runs.retrieve(handle.id).id == handle.id

    @auth.with_auth(access_token=emu.prod_key)
    def as_prod() -> None:
        raise Boom()

    with pytest.raises(Boom):
        as_prod()
    assert triggerdev.runs.retrieve(handle.id).id == handle.id

    # A failed push (bad JSON for the library) pushes nothing.
    with pytest.raises(triggerdev.InvalidArgumentError):
        with auth.with_auth(timeout=0.0):
            pass
    assert triggerdev.runs.retrieve(handle.id).id == handle.id


def test_with_auth_as_dict_and_leaving_out_of_order(ambient: Emulator) -> None:
    emu = ambient
    with auth.with_auth({"access_token": emu.prod_key}):
        assert env_of(triggerdev.tasks.trigger("t", {}).id, emu) != "env_emulator_dev"
    with pytest.raises(TypeError):
        auth.with_auth({"acess_token": "typo"})
    outer = auth.with_auth(access_token=emu.prod_key)
    inner = auth.with_auth(access_token=emu.dev_key)
    outer.__enter__()
    inner.__enter__()
    with pytest.raises(RuntimeError):
        outer.__exit__(None, None, None)
    inner.__exit__(None, None, None)
    outer.__exit__(None, None, None)
    assert env_of(triggerdev.tasks.trigger("t", {}).id, emu) == "env_emulator_dev"


def test_threads_with_different_overrides_never_see_each_others(ambient: Emulator) -> None:
    emu = ambient
    keys = {"dev": emu.dev_key, "prod": emu.prod_key, "stg": emu.staging_key}
    barrier = threading.Barrier(len(keys) * 2)
    results: Dict[str, List[str]] = {}
    errors: List[BaseException] = []

    def work(name: str, key: str, slot: int) -> None:
        try:
            with auth.with_auth(access_token=key):
                barrier.wait(timeout=10)
                ids = [triggerdev.tasks.trigger(f"thread-{name}", {"i": i}).id for i in range(5)]
                listed = {r.id for r in triggerdev.runs.list(task_identifier=f"thread-{name}")}
                assert set(ids) <= listed
                results[f"{name}-{slot}"] = ids
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=work, args=(name, key, slot)) for name, key in keys.items() for slot in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    envs = {name: {env_of(i, emu) for i in ids} for name, ids in results.items()}
    for name, seen in envs.items():
        assert len(seen) == 1, f"{name} used one environment"
    assert envs["dev-0"] == envs["dev-1"] == {"env_emulator_dev"}
    assert envs["prod-0"] == envs["prod-1"] != envs["dev-0"]
    assert envs["stg-0"] != envs["prod-0"]
    # Wire check: every request of a thread carried that thread's key.
    for request in emu.requests():
        task = request["path"].split("/")[4] if request["path"].startswith("/api/v1/tasks/") else None
        if task and task.startswith("thread-"):
            assert request["headers"]["authorization"] == "Bearer " + keys[task[len("thread-") :]]
    # This thread never saw any of them.
    assert env_of(triggerdev.tasks.trigger("main", {}).id, emu) == "env_emulator_dev"


def test_a_new_thread_starts_without_overrides_and_a_snapshot_carries_them(ambient: Emulator) -> None:
    emu = ambient
    seen: Dict[str, str] = {}
    with auth.with_auth(access_token=emu.prod_key):
        snapshot = auth.current()
        assert isinstance(snapshot, auth.AuthSnapshot)

        def plain() -> None:
            seen["plain"] = env_of(triggerdev.tasks.trigger("t", {}).id, emu)

        def carried() -> None:
            with auth.with_auth(snapshot):
                seen["carried"] = env_of(triggerdev.tasks.trigger("t", {}).id, emu)
            with auth.with_auth(config=snapshot, preview_branch=None):
                seen["config="] = env_of(triggerdev.tasks.trigger("t", {}).id, emu)

        for target in (plain, carried):
            t = threading.Thread(target=target)
            t.start()
            t.join()
        here = env_of(triggerdev.tasks.trigger("t", {}).id, emu)
    assert seen["plain"] == "env_emulator_dev"
    assert seen["carried"] == seen["config="] == here != "env_emulator_dev"
    snapshot.close()
    snapshot.close()
    with pytest.raises(ValueError):
        with auth.with_auth(snapshot):
            pass


def test_fifty_asyncio_tasks_with_their_own_keys_through_to_thread_never_cross(ambient: Emulator) -> None:
    emu = ambient
    keys = [emu.dev_key, emu.prod_key, emu.staging_key]
    triggered: Dict[int, Tuple[str, str]] = {}

    async def tenant(i: int, all_in: asyncio.Event, entered: List[int]) -> None:
        key = keys[i % len(keys)]
        with auth.with_auth(access_token=key):
            entered.append(i)
            if len(entered) == 50:
                all_in.set()
            await all_in.wait()  # every task is inside its own override from here on
            handle = await asyncio.to_thread(triggerdev.tasks.trigger, f"tenant-{i}", {"i": i})
            # Back on the event loop, between other tasks' awaits: still this task's key.
            run = triggerdev.runs.retrieve(handle.id)
            triggered[i] = (run.id, key)

    async def main() -> None:
        all_in = asyncio.Event()
        entered: List[int] = []
        await asyncio.gather(*(tenant(i, all_in, entered) for i in range(50)))

    asyncio.run(main())
    env_of_key = {
        emu.dev_key: "env_emulator_dev",
        emu.prod_key: env_of(emu.client(emu.prod_key).tasks.trigger("probe", 1).id, emu),
        emu.staging_key: env_of(emu.client(emu.staging_key).tasks.trigger("probe", 1).id, emu),
    }
    assert len(set(env_of_key.values())) == 3
    wrong = [i for i, (run_id, key) in triggered.items() if env_of(run_id, emu) != env_of_key[key]]
    assert len(triggered) == 50 and wrong == []


def test_an_override_in_one_task_never_reaches_another_task_on_the_loop(ambient: Emulator) -> None:
    emu = ambient
    prod_run = emu.client(emu.prod_key).tasks.trigger("prod-task", {}).id
    dev_run = triggerdev.tasks.trigger("dev-task", {}).id
    seen: Dict[str, List[str]] = {}

    async def tenant_b(inside: asyncio.Event, done: asyncio.Event) -> None:
        with auth.with_auth(access_token=emu.prod_key):
            inside.set()
            await done.wait()  # suspended inside its override while tenant A runs
            seen["b"] = [r.id for r in triggerdev.runs.list()]

    async def tenant_a(inside: asyncio.Event, done: asyncio.Event) -> None:
        await inside.wait()
        seen["a"] = [r.id for r in triggerdev.runs.list()]
        done.set()

    async def main() -> None:
        inside, done = asyncio.Event(), asyncio.Event()
        await asyncio.gather(tenant_b(inside, done), tenant_a(inside, done))

    asyncio.run(main())
    assert seen["a"] == [dev_run], "tenant A (no override) saw only dev"
    assert seen["b"] == [prod_run]


def test_to_thread_and_copied_contexts_carry_the_override_and_a_plain_thread_does_not(
    ambient: Emulator,
) -> None:
    emu = ambient

    def env_now() -> str:
        return env_of(triggerdev.tasks.trigger("where", {}).id, emu)

    async def inside() -> Tuple[str, str]:
        with auth.with_auth(access_token=emu.prod_key):
            return env_now(), await asyncio.to_thread(env_now)

    here, carried = asyncio.run(inside())
    assert here == carried != "env_emulator_dev"
    out: Dict[str, str] = {}
    with auth.with_auth(access_token=emu.prod_key):
        ctx = contextvars.copy_context()
        plain = threading.Thread(target=lambda: out.update(plain=env_now()))
        copied = threading.Thread(target=ctx.run, args=(lambda: out.update(copied=env_now()),))
        for t in (plain, copied):
            t.start()
            t.join()
    assert out == {"plain": "env_emulator_dev", "copied": here}
    # Leaving the scope in another context than it was entered in is refused.
    scope = auth.with_auth(access_token=emu.prod_key)
    scope.__enter__()
    with pytest.raises(RuntimeError, match="another task or thread"):
        contextvars.Context().run(scope.__exit__, None, None, None)
    scope.__exit__(None, None, None)
    assert env_now() == "env_emulator_dev"


def test_iterators_capture_the_ambient_configuration_when_made(ambient: Emulator) -> None:
    emu = ambient
    prod = emu.client(emu.prod_key)
    prod_ids = {prod.tasks.trigger("p", {"i": i}).id for i in range(3)}
    triggerdev.tasks.trigger("d", {})
    with auth.with_auth(access_token=emu.prod_key):
        runs = triggerdev.runs.list(limit=2)
    assert {r.id for r in runs} == prod_ids


def test_with_options_for_one_call(retrying: triggerdev.Client, emu: Emulator, ambient: Emulator) -> None:
    emu.add_fault(status=503, count=1)
    with pytest.raises(triggerdev.InternalServerError):
        retrying.with_options(max_retries=0).runs.list().page()
    emu.add_fault(status=503, count=1)
    assert retrying.runs.list().page().data == [], "the client itself still retries"
    once = triggerdev.with_options(retry=triggerdev.RetryPolicy.none(), additional_headers={"x-extra": "1"})
    once.runs.list().page()
    assert emu.requests()[-1]["headers"]["x-extra"] == "1"
    with retrying.with_options(timeout=5, retry={"max_attempts": 2, "min_timeout": 0.001}) as other:
        emu.add_fault(status=503, count=1)
        other.runs.list().page()


def test_configure_reads_the_environment(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", emu.prod_key)
    monkeypatch.setenv("TRIGGER_API_URL", emu.base_url)
    triggerdev.configure(max_retries=0)
    handle = triggerdev.tasks.trigger("from-env", {})
    assert env_of(handle.id, emu) != "env_emulator_dev"
    with triggerdev.Client() as client:  # a client reads the environment too, once
        assert client.runs.retrieve(handle.id).id == handle.id
    monkeypatch.delenv("TRIGGER_SECRET_KEY")
    monkeypatch.delenv("TRIGGER_API_URL")
    triggerdev.configure(base_url=emu.base_url, max_retries=0)
    with pytest.raises(triggerdev.MissingCredentialsError):
        triggerdev.runs.list().page()
