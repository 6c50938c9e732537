#!/usr/bin/env python3
"""The Trigger.dev "Authentication" page, end to end, in Python.

With no TRIGGER_SECRET_KEY set, this starts the local emulator (``triggerdev-emulator``, installed
with the package) and walks through every step: trigger, list, retrieve, cancel and replay runs; watch a run finish;
personal access tokens; envvars on a preview branch; schedules; a ``with_auth`` override; two
isolated clients used from two threads. With a real key set, it runs the read-only steps against
Trigger.dev (or TRIGGER_API_URL).

Run it with ``python examples/python/quickstart.py`` after ``pip install ./bindings/python``.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Dict, Optional

import triggerdev
from triggerdev.testing import Emulator


def step(title: str) -> None:
    print(f"\n== {title}")


def token_len(token: Optional[str]) -> int:
    return len(token or "")


def run(emulator: Emulator) -> None:
    url = emulator.base_url
    print(f"No TRIGGER_SECRET_KEY set: started the local emulator at {url}")
    print(f"  project {emulator.project_ref}, dev key {emulator.dev_key}, PAT {emulator.pat}")

    step("Secret key: configure() and trigger a task")
    triggerdev.configure(secret_key=emulator.dev_key, base_url=url)

    def welcome() -> triggerdev.RunHandle:
        return triggerdev.tasks.trigger(
            "send-email",
            {"to": "ada@example.com"},
            idempotency_key="welcome-ada",
            tags=["welcome"],
            metadata={"plan": "pro"},
        )

    handle = welcome()
    print(f"  triggered run {handle.id} (public access token: {token_len(handle.public_access_token)} chars)")
    again = welcome()
    print(f"  same idempotency key again -> run {again.id} (cached: {again.is_cached})")

    step("runs.list and runs.retrieve")
    page = triggerdev.runs.list(limit=10, status=triggerdev.RunStatus.QUEUED).page()
    print(f"  {len(page.data)} queued run(s) in dev")
    run_ = triggerdev.runs.retrieve(handle.id)
    print(f"  {run_.id} is {run_.status}, task {run_.task_identifier}, tags {run_.tags}")

    step("runs.cancel and runs.replay")
    triggerdev.runs.cancel(handle.id)
    print(f"  canceled: {triggerdev.runs.retrieve(handle.id).status}")
    replayed = triggerdev.runs.replay(handle.id)
    print(f"  replayed as {replayed.id}")

    step("Realtime: trigger, then watch it finish")
    watched = triggerdev.tasks.trigger("send-email", {"to": "grace@example.com"})
    with triggerdev.runs.subscribe(watched.id) as subscription:
        for snapshot in subscription:
            print(f"\r  {snapshot.id}: {snapshot.status.value:<10}", end="", flush=True)
            # No worker runs tasks here: the emulator plays one, a step per change we see.
            if snapshot.status == triggerdev.RunStatus.QUEUED:
                emulator.start_run(snapshot.id)
            elif snapshot.status == triggerdev.RunStatus.EXECUTING:
                emulator.complete_run(snapshot.id, {"sent": True})
    print()
    finished = triggerdev.runs.wait(watched.id, timeout=30)
    print(f"  runs.wait: {finished.status.value}, output {finished.output}")

    step("Personal access token: runs.list needs a project_ref")
    pat = triggerdev.Client(emulator.pat, base_url=url)
    try:
        pat.runs.list(limit=10).page()
    except triggerdev.MissingProjectRefError as e:
        print(f"  without a project ref: {e}")
    page = pat.runs.list(project_ref=emulator.project_ref, env="dev", status="CANCELED", limit=10).page()
    print(f"  with project ref {emulator.project_ref}: {len(page.data)} canceled run(s)")
    try:
        pat.runs.retrieve(handle.id)
    except triggerdev.UnsupportedCredentialError as e:
        print(f"  runs.retrieve: {e}")

    step("Preview branch targeting: envvars for `feature-xyz`")
    preview = triggerdev.Client(emulator.pat, base_url=url, preview_branch=emulator.preview_branch)
    project = emulator.project_ref
    preview.envvars.upload_dotenv(project, "preview", "DATABASE_URL=postgres://old\nFEATURE_FLAG=on\n", override=True)
    preview.envvars.update(project, "preview", "DATABASE_URL", value="your_preview_database_url")
    for var in preview.envvars.list(project, "preview"):
        print(f"  {var.name} = {var.value}")
    preview.envvars.delete(project, "preview", "FEATURE_FLAG")
    print(f"  after delete: {len(preview.envvars.list(project, 'preview'))} variable(s)")

    step("Schedules")
    schedule = triggerdev.schedules.create(
        task="daily-report", cron="0 9 * * *", deduplication_key="daily-report-9am", timezone="Europe/Paris"
    )
    print(f"  created {schedule.id} ({schedule.generator.description}, next run {schedule.next_run})")
    print(f"  deactivated: active = {triggerdev.schedules.deactivate(schedule.id).active}")
    print(f"  activated: active = {triggerdev.schedules.activate(schedule.id).active}")
    triggerdev.schedules.delete(schedule.id)
    left = triggerdev.schedules.list().page()
    print(f"  deleted; {len(left.data)} schedule(s) left")

    step("auth.with_auth: a temporary override on this thread")
    with triggerdev.auth.with_auth(access_token=emulator.prod_key):
        prod_runs = triggerdev.runs.list(limit=10).page()
    dev_runs = triggerdev.runs.list(limit=10).page()
    print(f"  inside (prod key): {len(prod_runs.data)} run(s); outside (dev key): {len(dev_runs.data)} run(s)")

    step("Two isolated clients, used from two threads")
    dev = triggerdev.Client(emulator.dev_key, base_url=url)
    prod = triggerdev.Client(emulator.prod_key, base_url=url)
    handles: Dict[str, triggerdev.RunHandle] = {}

    def trigger(name: str, client: triggerdev.Client) -> None:
        handles[name] = client.tasks.trigger("hello", f"from {name}")

    threads = [threading.Thread(target=trigger, args=item) for item in (("dev", dev), ("prod", prod))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"  dev triggered {handles['dev'].id}, prod triggered {handles['prod'].id}")
    print(f"  prod sees its own run: {prod.runs.retrieve(handles['prod'].id).status}")
    # A missing run's 404 is retryable (the server says so); skip the retries for this check.
    try:
        prod.with_options(max_retries=0).runs.retrieve(handle.id)
    except triggerdev.NotFoundError as e:
        print(f"  prod cannot see the dev run: {e}")
    for client in (dev, prod):
        client.close()

    step("Session scopes: a session-scoped public token")
    started = triggerdev.sessions.start(
        type="chat", task_identifier="chat-agent", base_payload={"model": "small"}, external_id="chat-ada"
    )
    print(f"  started {started.id} (external id chat-ada), run {started.run_id}")
    # What the backend hands to the frontend: valid for 1 hour unless told otherwise.
    token = triggerdev.auth.create_public_token(
        scopes={"read": {"sessions": "chat-ada"}, "write": {"sessions": "chat-ada"}}
    )
    with triggerdev.Client(token, base_url=url) as frontend:
        # One token authorizes both ways of naming the session.
        by_id = frontend.sessions.retrieve(started.id)
        by_external = frontend.sessions.retrieve("chat-ada")
        print(f"  the token retrieves it by id and by external id: {by_id.id == by_external.id}")
        session = frontend.sessions.open("chat-ada")
        appended = session.input.append({"text": "hello"})
        print(f"  write:sessions appends to .in (seq {appended.seq})")
        emulator.append_session_records("chat-ada", [{"data": {"text": "hi Ada"}}])  # as the task would
        with session.output.subscribe(stop_at_end_of_window=True) as records:
            first = next(iter(records), None)
        print(f"  read:sessions subscribes to .out: {first.data if first else None}")
        try:
            session.output.append("not mine")
        except triggerdev.UnsupportedCredentialError as e:
            print(f"  .out append: {e}")
    triggerdev.sessions.close("chat-ada", reason="quickstart done")
    print("  the secret key closes it")

    print(f"\nDone: {len(emulator.runs())} runs exist in the emulator.")


def read_only_against_trigger_dev() -> None:
    client = triggerdev.Client()
    print("TRIGGER_SECRET_KEY is set: read-only steps")
    step("runs.list")
    for run_ in client.runs.list(limit=5).page():
        print(f"  {run_.id} {run_.status} {run_.task_identifier}")
    step("schedules.list")
    for s in client.schedules.list().page():
        print(f"  {s.id} {s.task} {s.generator.expression}")
    step("schedules.timezones")
    print(f"  {len(client.schedules.timezones())} timezones")


def main() -> int:
    try:
        if os.environ.get("TRIGGER_SECRET_KEY"):
            read_only_against_trigger_dev()
        else:
            with Emulator() as emulator:
                run(emulator)
    except triggerdev.TriggerError as e:
        print(f"quickstart failed: {e!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
