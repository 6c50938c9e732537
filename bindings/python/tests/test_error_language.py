"""Errors in the caller's language: every argument the library refuses is named as the Python
caller wrote it (``limit``, ``value``, ``base_url``), never as the C signature (``params_json``)
or the Rust API (``Config::...``) names it, and never with a position in JSON the binding wrote.

One row per check the library makes on arguments a Python call can reach: the call, and the
keyword the message must start with.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, List, Tuple

import pytest

import triggerdev
from triggerdev.testing import Emulator

# What no message a Python caller reads may contain: C argument names, Rust paths, the C ABI,
# a position in JSON the binding wrote.
FOREIGN = ("_json", "Config::", "RequestOptions", "C ABI", "line 1 column", "::")

Call = Callable[[triggerdev.Client, Emulator], Any]


def _client(**options: Any) -> Callable[[triggerdev.Client, Emulator], Any]:
    """A call on a client made with ``options`` (a configuration the library refuses at the
    first call)."""

    def call(dev: triggerdev.Client, emu: Emulator) -> Any:
        options.setdefault("base_url", emu.base_url)
        with triggerdev.Client(access_token=emu.dev_key, max_retries=0, **options) as c:
            return c.runs.retrieve("run_1")

    return call


def _pat(call: Callable[[triggerdev.Client], Any]) -> Call:
    def run(dev: triggerdev.Client, emu: Emulator) -> Any:
        with emu.client(emu.pat, max_retries=0) as c:
            return call(c)

    return run


LONG = "x" * 3000
PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)

# (the call, the keyword its message starts with)
CASES: List[Tuple[str, Call, str]] = [
    # runs
    ("runs.list limit", lambda d, e: d.runs.list(limit=1000).page(), "limit"),
    ("runs.list queue type", lambda d, e: d.runs.list(queue={"type": "planet", "name": "q"}), "queue[0]"),
    ("runs.list from_", lambda d, e: d.runs.list(from_=-1), "from_"),
    ("runs.list env with a PAT", _pat(lambda c: c.runs.list(project_ref="proj_x")), "env"),
    ("runs.retrieve empty id", lambda d, e: d.runs.retrieve(""), "run_id"),
    ("runs.poll interval", lambda d, e: d.runs.poll("run_1", interval=timedelta(days=2)), "interval"),
    ("runs.poll timeout", lambda d, e: d.runs.poll("run_1", timeout=0), "timeout"),
    ("runs.replay idempotency_key", lambda d, e: d.runs.replay("run_1", idempotency_key=LONG), "idempotency_key"),
    ("runs.replay payload_type", lambda d, e: d.runs.replay("run_1", payload_type="text/plain"), "payload_type"),
    ("runs.reschedule delay", lambda d, e: d.runs.reschedule("run_1", delay=""), "delay"),
    ("runs.add_tags", lambda d, e: d.runs.add_tags("run_1", []), "tags"),
    ("runs.add_tags empty tag", lambda d, e: d.runs.add_tags("run_1", [" "]), "tags"),
    # tasks, batches, idempotency keys
    ("tasks.trigger task_id", lambda d, e: d.tasks.trigger("", {}), "task_id"),
    ("tasks.trigger concurrency count", lambda d, e: d.tasks.trigger("t", {}, concurrency=["a", "b", "c"]), "concurrency"),
    ("tasks.trigger concurrency name", lambda d, e: d.tasks.trigger("t", {}, concurrency="no spaces"), "concurrency"),
    ("tasks.batch_trigger task", lambda d, e: d.tasks.batch_trigger([{"task": " "}]), "items"),
    (
        "tasks.batch_trigger options",
        lambda d, e: d.tasks.batch_trigger([{"task": "t", "options": {"concurrency": ["a", "b", "c"]}}]),
        "items",
    ),
    ("batches.retrieve", lambda d, e: d.batches.retrieve(""), "batch_id"),
    ("idempotency_keys.reset task_id", lambda d, e: d.idempotency_keys.reset("", "k"), "task_id"),
    ("idempotency_keys.reset key", lambda d, e: d.idempotency_keys.reset("t", ""), "key"),
    # envvars
    ("envvars.list env", lambda d, e: d.envvars.list(e.project_ref, "production"), "env"),
    ("envvars.list project_ref", lambda d, e: d.envvars.list("", "dev"), "project_ref"),
    ("envvars.retrieve name", lambda d, e: d.envvars.retrieve(e.project_ref, "dev", ""), "name"),
    ("envvars.create name", lambda d, e: d.envvars.create(e.project_ref, "dev", name="", value="v"), "name"),
    ("envvars.create value", lambda d, e: d.envvars.create(e.project_ref, "dev", name="A", value="\ud800"), "value"),
    ("envvars.upload variables", lambda d, e: d.envvars.upload(e.project_ref, "dev", variables={}), "variables"),
    ("envvars.parse_dotenv", lambda d, e: triggerdev.parse_dotenv("A=1\nnot a line"), "text"),
    ("envvars.upload_dotenv", lambda d, e: d.envvars.upload_dotenv(e.project_ref, "dev", "A=1\nB"), "text_or_path"),
    # schedules
    ("schedules.list per_page", lambda d, e: d.schedules.list(per_page=1000).page(), "per_page"),
    ("schedules.create task", lambda d, e: d.schedules.create(task="", cron="0 * * * *", deduplication_key="k"), "task"),
    ("schedules.create cron", lambda d, e: d.schedules.create(task="t", cron="", deduplication_key="k"), "cron"),
    ("schedules.create deduplication_key", lambda d, e: d.schedules.create(task="t", cron="0 * * * *", deduplication_key=""), "deduplication_key"),
    ("schedules.retrieve", lambda d, e: d.schedules.retrieve(""), "schedule_id"),
    ("schedules.update task", lambda d, e: d.schedules.update("sched_1", task="", cron="0 * * * *"), "task"),
    # queues, deployments
    ("queues.list per_page", lambda d, e: d.queues.list(per_page=1000).page(), "per_page"),
    ("queues.retrieve", lambda d, e: d.queues.retrieve(""), "queue"),
    ("deployments.list limit", lambda d, e: d.deployments.list(limit=1000).page(), "limit"),
    ("deployments.retrieve", lambda d, e: d.deployments.retrieve(""), "deployment_id"),
    ("deployments.promote", lambda d, e: d.deployments.promote(""), "version"),
    # waitpoints
    ("waitpoints.create_token idempotency_key", lambda d, e: d.waitpoints.create_token(idempotency_key=LONG), "idempotency_key"),
    ("waitpoints.retrieve_token", lambda d, e: d.waitpoints.retrieve_token(""), "token_id"),
    ("waitpoints.complete_token", lambda d, e: d.waitpoints.complete_token("", {}), "token_id"),
    # bulk actions
    ("bulk_actions.create neither", lambda d, e: d.bulk_actions.create(action="cancel"), "bulk_actions.create"),
    ("bulk_actions.create action", lambda d, e: d.bulk_actions.create(action="delete", run_ids=["r"]), "action"),  # type: ignore[arg-type]
    ("bulk_actions.create run_ids", lambda d, e: d.bulk_actions.create(action="cancel", run_ids=[" "]), "run_ids"),
    ("bulk_actions.create filter", lambda d, e: d.bulk_actions.create(action="cancel", filter={}), "filter"),
    ("bulk_actions.create name", lambda d, e: d.bulk_actions.create(action="cancel", run_ids=["run_1"], name=LONG), "name"),
    (
        "bulk_actions.create target_region",
        lambda d, e: d.bulk_actions.create(action="cancel", run_ids=["run_1"], target_region="eu"),
        "target_region",
    ),
    ("bulk_actions.retrieve", lambda d, e: d.bulk_actions.retrieve(""), "bulk_action_id"),
    # public access tokens
    ("auth expiration_time text", lambda d, e: d.auth.create_public_token(expiration_time="soon"), "expiration_time"),
    ("auth expiration_time past", lambda d, e: d.auth.create_public_token(expiration_time=PAST), "expiration_time"),
    ("auth expiration_time far", lambda d, e: d.auth.create_public_token(expiration_time="60d"), "expiration_time"),
    ("auth scopes resource", lambda d, e: d.auth.create_public_token(scopes={"read": {"planets": True}}), "scopes"),
    ("auth scopes action", lambda d, e: d.auth.create_public_token(scopes={"fly": {"runs": True}}), "scopes"),
    ("auth scopes empty id", lambda d, e: d.auth.create_public_token(scopes={"read": {"runs": " "}}), "scopes"),
    (
        "auth scopes channel",
        lambda d, e: d.auth.create_public_token(scopes={"read": {"sessions": "s:channels:bad name"}}),
        "scopes",
    ),
    ("auth trigger tasks", lambda d, e: d.auth.create_trigger_public_token([]), "tasks"),
    ("auth batch trigger tasks", lambda d, e: d.auth.create_batch_trigger_public_token([" "]), "tasks"),
    # sessions
    ("sessions.start type", lambda d, e: d.sessions.start(type="", task_identifier="t", base_payload={}), "type"),
    ("sessions.start task_identifier", lambda d, e: d.sessions.start(type="chat", task_identifier="", base_payload={}), "task_identifier"),
    ("sessions.start base_payload", lambda d, e: d.sessions.start(type="chat", task_identifier="t", base_payload=[1]), "base_payload"),
    ("sessions.start external_id", lambda d, e: d.sessions.start(type="chat", task_identifier="t", base_payload={}, external_id="session_x"), "external_id"),
    ("sessions.list limit", lambda d, e: d.sessions.list(limit=1000).page(), "limit"),
    ("sessions.list after and before", lambda d, e: d.sessions.list(after="a", before="b").page(), "before"),
    ("sessions.retrieve", lambda d, e: d.sessions.retrieve(""), "session"),
    ("sessions.close reason", lambda d, e: d.sessions.close("session_1", reason=LONG), "reason"),
    ("sessions channel", lambda d, e: d.sessions.open("session_1").channel("bad name").input.append("x"), "channel"),
    (
        "sessions subscribe timeout_seconds",
        lambda d, e: next(d.sessions.open("session_1").output.subscribe(timeout_seconds=1000)),
        "timeout_seconds",
    ),
    # configuration (refused at the first call)
    ("base_url insecure", _client(base_url="http://example.com"), "base_url"),
    ("base_url not a URL", _client(base_url="not a url"), "base_url"),
    ("preview_branch", _client(preview_branch="a\nb"), "preview_branch"),
    ("additional_headers name", _client(additional_headers={"bad name": "x"}), "additional_headers"),
    ("additional_headers value", _client(additional_headers={"x-a": "a\nb"}), "additional_headers"),
    ("user_agent_suffix", _client(user_agent_suffix="x\ny"), "user_agent_suffix"),
    ("ca_bundle_path", _client(ca_bundle_path="/nonexistent/ca.pem"), "ca_bundle_path"),
    ("ca_bundle_pem", _client(ca_bundle_pem="not a certificate"), "ca_bundle_pem"),
    ("ca_bundle_pem and platform", _client(ca_bundle_pem="x", use_platform_trust_store=True), "ca_bundle_pem"),
    ("ca_bundle_pem and path", _client(ca_bundle_pem="x", ca_bundle_path="/x"), "ca_bundle_pem"),
    ("retry.factor", _client(retry=triggerdev.RetryPolicy(factor=-1)), "retry.factor"),
    (
        "with_options retry.factor",
        lambda d, e: d.with_options(retry=triggerdev.RetryPolicy(factor=0)),
        "retry.factor",
    ),
    (
        "with_auth retry.factor",
        lambda d, e: triggerdev.with_auth(retry=triggerdev.RetryPolicy(factor=0)).__enter__(),
        "retry.factor",
    ),
    (
        "configure retry.factor",
        lambda d, e: triggerdev.configure(retry=triggerdev.RetryPolicy(factor=0)),
        "retry.factor",
    ),
]


@pytest.mark.parametrize("name,call,keyword", CASES, ids=[c[0] for c in CASES])
def test_invalid_arguments_are_named_as_the_caller_wrote_them(
    dev: triggerdev.Client, emu: Emulator, name: str, call: Call, keyword: str
) -> None:
    with pytest.raises(triggerdev.InvalidArgumentError) as caught:
        call(dev, emu)
    message = str(caught.value)
    assert message.startswith(f"{keyword}: "), message
    assert caught.value.argument == keyword, message
    assert not [f for f in FOREIGN if f in message], message


def test_missing_credentials_name_the_keyword(emu: Emulator) -> None:
    with triggerdev.Client(base_url=emu.base_url, max_retries=0) as c:
        with pytest.raises(triggerdev.MissingCredentialsError) as caught:
            c.runs.retrieve("run_1")
    message = str(caught.value)
    assert "`access_token`" in message and "TRIGGER_SECRET_KEY" in message, message
    assert not [f for f in FOREIGN if f in message] and "Config" not in message, message


@pytest.mark.parametrize(
    "call,keyword",
    [
        (lambda: triggerdev.Client(additional_headers={"x-a": "\ud800"}), "additional_headers.x-a"),
        (lambda: triggerdev.Client(base_url="https://\ud800"), "base_url"),
    ],
)
def test_values_json_cannot_carry_name_the_keyword(call: Callable[[], Any], keyword: str) -> None:
    with pytest.raises(triggerdev.InvalidArgumentError) as caught:
        call()
    assert str(caught.value).startswith(f"{keyword}: holds a string that is not valid Unicode"), caught.value


def test_an_unknown_keyword_names_the_method(dev: triggerdev.Client) -> None:
    with pytest.raises(TypeError, match=r"replay\(\) got an unexpected keyword argument 'tagz'"):
        dev.runs.replay("run_1", tagz=["x"])  # type: ignore[call-arg]
