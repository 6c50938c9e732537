"""Testing against the local emulator of the Trigger.dev API (``triggerdev-emulator``).

::

    from triggerdev.testing import Emulator

    with Emulator() as emu:                      # a fresh emulator on a free loopback port
        client = emu.client()                     # a Client with the seed's dev key
        handle = client.tasks.trigger("send-email", {"to": "ada"})
        emu.complete_run(handle.id, {"sent": True})
        assert client.runs.retrieve(handle.id).status == "COMPLETED"

For pytest, add ``pytest_plugins = ["triggerdev.testing.pytest_plugin"]`` to a ``conftest.py``
for the ``triggerdev_emulator`` fixture (one emulator per session, reset before each test).

The binary is found as: ``$TRIGGERDEV_EMULATOR`` (a path), else the one the
``triggerdev-emulator`` package carries (``pip install "triggerdev[testing]"``), else a repository
checkout's ``target/release`` or ``target/debug``, else ``PATH``. Admin calls go over plain HTTP
(``http.client``): no dependency.

The process never outlives its owner: it runs with ``--exit-on-stdin-eof`` and stdin a pipe only
this process holds, so it exits when the owner dies, however it dies (SIGTERM, SIGKILL, a crash).
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence, Type

from .._client import Client
from .._config import RetryPolicy

__all__ = ["Emulator", "EmulatorError", "FAST_RETRY", "find_emulator"]

_EXE = ".exe" if sys.platform == "win32" else ""
_NAME = "triggerdev-emulator" + _EXE
_LISTENING = re.compile(r"listening on (http://(\S+?):(\d+))")

#: The retry policy of ``Emulator.client()``: the default attempts, with 1-5 ms between them
#: instead of seconds (the emulator answers at once; faults are injected on purpose).
FAST_RETRY = RetryPolicy(min_timeout=0.001, max_timeout=0.005)


class EmulatorError(RuntimeError):
    """The emulator could not be started, or an admin call failed (``status``, ``body``)."""

    def __init__(self, message: str, status: Optional[int] = None, body: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _packaged_binaries() -> List[Path]:
    """The binary of the triggerdev-emulator package, when it is installed."""
    try:
        package = importlib.import_module("triggerdev_emulator")
    except ImportError:
        return []
    try:
        return [Path(package.binary())]
    except FileNotFoundError:
        return []


def _repository_binaries() -> List[Path]:
    repo = Path(__file__).resolve().parents[4]
    if not (repo / "Cargo.toml").is_file():
        return []
    target = Path(os.environ.get("CARGO_TARGET_DIR") or repo / "target")
    if not target.is_absolute():
        target = repo / target
    return [target / "release" / _NAME, target / "debug" / _NAME]


def find_emulator() -> str:
    """The path of the ``triggerdev-emulator`` binary (see the module doc for the order)."""
    explicit = os.environ.get("TRIGGERDEV_EMULATOR")
    if explicit:
        if not os.path.isfile(explicit):
            raise FileNotFoundError(f"TRIGGERDEV_EMULATOR={explicit!r} is not a file")
        return explicit
    looked: List[str] = ["TRIGGERDEV_EMULATOR (not set)", "the triggerdev-emulator package"]
    for path in _packaged_binaries() + _repository_binaries():
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        looked.append(str(path))
    on_path = shutil.which(_NAME)
    if on_path:
        return on_path
    looked.append("PATH")
    raise FileNotFoundError(
        "cannot find the triggerdev-emulator binary; looked at: "
        + ", ".join(dict.fromkeys(looked))
        + '. Install it with `pip install "triggerdev[testing]"` (the triggerdev-emulator package), '
        "build it with `cargo build -p triggerdev-emulator` in a triggerdev checkout, or set "
        "TRIGGERDEV_EMULATOR to its path."
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Emulator:
    """A ``triggerdev-emulator`` process on a free loopback port, and its admin API.

    Use it as a context manager (or call ``start()`` and ``stop()``). ``base_url``,
    ``project_ref`` and the seed's credentials (``dev_key``, ``staging_key``, ``prod_key``,
    ``preview_key`` with ``preview_branch``, ``pat``, ``additional_key``) are set once it runs.
    ``extra_args`` are passed to the binary (``["--latency-ms", "5"]``, ...).
    """

    def __init__(
        self,
        binary: Optional[str] = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> None:
        self.binary = binary
        self.host = host
        self.port = port
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.seed: Dict[str, Any] = {}
        self.project_ref = ""
        self.dev_key = ""
        self.staging_key = ""
        self.prod_key = ""
        self.preview_key = ""
        self.preview_branch = ""
        self.pat = ""
        self.additional_key: Optional[str] = None
        self._process: Optional["subprocess.Popen[str]"] = None
        self._stderr: Optional[IO[str]] = None
        self._clients: List[Client] = []

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> "Emulator":
        """Starts the process and waits until it listens. Returns self."""
        if self._process is not None:
            return self
        binary = self.binary or find_emulator()
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        # stdin is a pipe whose write end only this process holds (subprocess makes it
        # non-inheritable): the kernel closes it when we die, and the emulator exits.
        command = [binary, "--host", self.host, "--port", str(self.port), "--exit-on-stdin-eof", *self.extra_args]
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._process = process
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def drain() -> None:  # keeps the pipe from filling up
            assert process.stdout is not None
            first = True
            for line in process.stdout:
                if first:
                    lines.put(line)
                    first = False
            if first:
                lines.put(None)

        threading.Thread(target=drain, name="triggerdev-emulator-stdout", daemon=True).start()
        try:
            line = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = None
        match = _LISTENING.search(line or "")
        if match is None:
            self.stop()
            raise EmulatorError(f"{binary} did not start: {self._stderr_text() or line or 'no output'}")
        self.base_url = match.group(1)
        self.port = int(match.group(3))
        self._read_seed()
        return self

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            return self._stderr.read()[-2000:].strip()
        except (OSError, ValueError):
            return ""

    def _read_seed(self) -> None:
        seed = self.admin("GET", "/__emulator/seed")
        self.seed = seed
        project = seed["projects"][0]
        self.project_ref = project["ref"]
        envs = {env["slug"]: env for env in project["envs"]}
        self.dev_key = envs["dev"]["apiKey"]
        self.staging_key = envs.get("stg", envs.get("staging", {})).get("apiKey", "")
        self.prod_key = envs.get("prod", {}).get("apiKey", "")
        preview = envs.get("preview", {})
        self.preview_key = preview.get("apiKey", "")
        self.preview_branch = (preview.get("branches") or [""])[0]
        extra = envs["dev"].get("additionalKeys") or []
        self.additional_key = extra[0]["key"] if extra else None
        pats = seed.get("pats") or []
        self.pat = pats[0]["token"] if pats else ""

    def stop(self) -> None:
        """Stops the process (and closes the clients made by ``client()``). Idempotent."""
        for client in self._clients:
            client.close()
        self._clients.clear()
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()  # the emulator exits at end of file; terminate() is quicker
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    close = stop

    @property
    def pid(self) -> Optional[int]:
        """The process id of the running emulator (None once stopped)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return f"<triggerdev.testing.Emulator {state}>"

    # --- SDK clients ---------------------------------------------------------------------

    def client(self, access_token: Optional[str] = None, **options: Any) -> Client:
        """A ``Client`` of this emulator, with the dev key unless ``access_token`` is given;
        ``options`` are ``Client`` keywords (``max_retries=0``, ``preview_branch=...``).
        Retries wait 1-5 ms instead of seconds (``FAST_RETRY``) unless ``retry=`` says otherwise."""
        token = self.dev_key if access_token is None else access_token
        options.setdefault("retry", FAST_RETRY)
        client = Client(token, base_url=self.base_url, **options)
        self._clients.append(client)
        return client

    # --- admin API -----------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """One admin request (``/__emulator/...``); returns the JSON answer (None if empty).
        Raises ``EmulatorError`` for a status >= 400."""
        if not self.base_url:
            raise EmulatorError("the emulator is not running (use `with Emulator() as emu:`)")
        conn = http.client.HTTPConnection(self.host if self.host != "0.0.0.0" else "127.0.0.1", self.port, timeout=30)
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"content-type": "application/json"} if payload is not None else {}
            if payload is not None:
                headers["content-length"] = str(len(payload))
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        if response.status >= 400:
            raise EmulatorError(f"{method} {path}: {response.status} {text}", response.status, text)
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def start_run(self, run_id: str) -> Any:
        """Moves a run to EXECUTING (a new attempt)."""
        return self.admin("POST", f"/__emulator/runs/{run_id}/start")

    def complete_run(self, run_id: str, output: Any = None) -> Any:
        """Moves a run to COMPLETED with ``output``."""
        return self.admin("POST", f"/__emulator/runs/{run_id}/complete", {"output": output})

    def fail_run(self, run_id: str, error: Any = "failed", status: Optional[str] = None) -> Any:
        """Moves a run to FAILED (or ``status``: CRASHED, SYSTEM_FAILURE, TIMED_OUT). ``error`` is
        a message or ``{"message": ..., "name": ...}``."""
        body: Dict[str, Any] = {"error": {"message": error} if isinstance(error, str) else error}
        if status is not None:
            body["status"] = status
        return self.admin("POST", f"/__emulator/runs/{run_id}/fail", body)

    def fire_schedule(self, schedule_id: str) -> Any:
        """Makes a run of the schedule's task as if its cron ticked; returns ``{"id": ...}``."""
        return self.admin("POST", f"/__emulator/schedules/{schedule_id}/fire")

    def advance(self, seconds: Optional[float] = None, *, ms: Optional[int] = None) -> Any:
        """Moves the emulator clock forward (delayed runs come due, TTLs expire, ...)."""
        if (seconds is None) == (ms is None):
            raise TypeError("advance needs seconds or ms")
        return self.admin("POST", "/__emulator/advance", {"seconds": seconds} if ms is None else {"ms": ms})

    def set_clock(self, now: Any = None, *, frozen: bool = True) -> Any:
        """Sets (and by default freezes) the emulator clock: ``now`` is ISO text or epoch ms."""
        body: Dict[str, Any] = {"frozen": frozen}
        if now is not None:
            body["now"] = now
        return self.admin("POST", "/__emulator/clock", body)

    def add_fault(self, rule: Optional[Mapping[str, Any]] = None, **fields: Any) -> Any:
        """Adds a fault rule: a dict in the emulator's JSON names, or keywords in snake_case
        (``status=503, count=2``, ``status=429, rate_limit_reset_ms=1500``, ``latency_ms=50``,
        ``drop_connection=True``, ``path="/api/v1/tasks"``, ``after_handler=True``, ``body=...``)."""
        body = dict(rule or {})
        body.update({_camel(k): v for k, v in fields.items()})
        return self.admin("POST", "/__emulator/faults", body)

    def set_faults(self, rules: Sequence[Mapping[str, Any]], seed: Optional[int] = None) -> Any:
        """Replaces every fault rule (and reseeds the fault RNG)."""
        body: Dict[str, Any] = {"rules": list(rules)}
        if seed is not None:
            body["seed"] = seed
        return self.admin("POST", "/__emulator/faults", body)

    def faults(self) -> Any:
        """The fault rules in force."""
        return self.admin("GET", "/__emulator/faults")

    def clear_faults(self) -> Any:
        """Removes every fault rule."""
        return self.admin("DELETE", "/__emulator/faults")

    def reset(self) -> Any:
        """Back to the seed and the start-up faults; clears the request log."""
        answer = self.admin("POST", "/__emulator/reset")
        self.clear_requests()
        return answer

    def state(self) -> Dict[str, Any]:
        """The emulator's whole state (runs, batches, schedules, env vars unredacted, ...)."""
        result: Dict[str, Any] = self.admin("GET", "/__emulator/state")
        return result

    def runs(self) -> List[Dict[str, Any]]:
        """Every run in the emulator (its state dump shape)."""
        return list(self.state().get("runs", []))

    def run(self, run_id: str) -> Optional[Dict[str, Any]]:
        """One run of the state dump, or None."""
        return next((r for r in self.runs() if r.get("id") == run_id), None)

    def requests(self) -> List[Dict[str, Any]]:
        """The request log, oldest first: ``method``, ``path``, ``query``, ``headers``,
        ``body`` (parsed JSON), ``status``, ``fault``, ... (admin calls are not logged)."""
        log = self.admin("GET", "/__emulator/requests")
        return list(log.get("requests", []) if isinstance(log, dict) else log)

    def clear_requests(self) -> Any:
        """Empties the request log."""
        return self.admin("DELETE", "/__emulator/requests")

    def add_branch(self, name: str, env: Optional[str] = None, project: Optional[str] = None) -> Any:
        """Adds a branch env (``env`` = ``preview`` (default) or ``dev``)."""
        body: Dict[str, Any] = {"name": name}
        if env is not None:
            body["env"] = env
        if project is not None:
            body["project"] = project
        return self.admin("POST", "/__emulator/branches", body)

    # --- queues, deployments, bulk actions -------------------------------------------------

    def add_queue(
        self,
        name: str,
        *,
        type: Optional[str] = None,
        env: Optional[str] = None,
        concurrency_limit: Optional[int] = None,
    ) -> Any:
        """Adds a queue (``type`` ``"task"`` or ``"custom"``; ``env`` an env id or a root
        slug, default ``dev``) → ``{"id", "envId", "name"}``."""
        body: Dict[str, Any] = {"name": name}
        if type is not None:
            body["type"] = type
        if env is not None:
            body["env"] = env
        if concurrency_limit is not None:
            body["concurrencyLimit"] = concurrency_limit
        return self.admin("POST", "/__emulator/queues", body)

    def add_concurrency_limit(
        self,
        name: str,
        *,
        per_key: Optional[int] = None,
        total: Optional[int] = None,
        env: Optional[str] = None,
    ) -> Any:
        """Declares a named concurrency limit (bounds per concurrency key and in total; ``env``
        an env id or a root slug, default ``dev``), as a worker's code would → ``{"id",
        "envId", "name"}``."""
        body: Dict[str, Any] = {"name": name}
        if per_key is not None:
            body["perKey"] = per_key
        if total is not None:
            body["total"] = total
        if env is not None:
            body["env"] = env
        return self.admin("POST", "/__emulator/concurrency-limits", body)

    def add_deployment(self, **fields: Any) -> Any:
        """Adds a deployment (keywords in snake_case: ``version``, ``status``, ``created_at``,
        ``git``, ``error``, ``tasks``, ``runtime``, ``promote``, ``env``) → ``{"id",
        "version"}``. Default: DEPLOYED, a version of its day."""
        return self.admin("POST", "/__emulator/deployments", {_camel(k): v for k, v in fields.items()})

    def set_bulk_actions_deferred(self, defer: bool = True) -> Any:
        """With ``True``, new bulk actions stay PENDING until ``process_bulk_action``."""
        return self.admin("POST", "/__emulator/bulk-actions/defer", {"defer": defer})

    def process_bulk_action(self, bulk_action_id: str) -> Any:
        """Applies a PENDING bulk action."""
        return self.admin("POST", f"/__emulator/bulk-actions/{bulk_action_id}/process")

    # --- sessions --------------------------------------------------------------------------

    def sessions(self) -> List[Dict[str, Any]]:
        """Every session (the state dump's shape: plus ``status``, ``runIds``, ``channels``)."""
        answer = self.admin("GET", "/__emulator/sessions")
        return list(answer.get("sessions", []))

    def session(self, session: str) -> Optional[Dict[str, Any]]:
        """One session of ``sessions()`` by id or external id, or None."""
        return next((s for s in self.sessions() if session in (s.get("id"), s.get("externalId"))), None)

    def append_session_records(
        self,
        session: str,
        records: Sequence[Mapping[str, Any]],
        *,
        io: str = "out",
        channel: Optional[str] = None,
    ) -> Any:
        """Appends records to a session channel as the task would (no auth, no closed check):
        ``{"data": ...}``, ``{"control": "turn-complete", "publicAccessToken": True}``,
        ``{"command": "trim", "trimTo": n}``, ... → ``{"seqs": [...]}``."""
        where = f"/channels/{channel}" if channel is not None else ""
        return self.admin("POST", f"/__emulator/sessions/{session}{where}/{io}/records", {"records": list(records)})

    def end_session_streams(self) -> Any:
        """Every open SSE window sends what it has, then ``[DONE]`` → ``{"ended": n}``."""
        return self.admin("POST", "/__emulator/sessions/end-streams")

    def realtime(self) -> Dict[str, Any]:
        """The realtime feeds' state: ``{"holdMs", "held", "shapes", "streams", "inputs"}``
        (``inputs``: what ``streams.send_input`` delivered, by run and stream)."""
        return dict(self.admin("GET", "/__emulator/realtime"))

    def realtime_held(self) -> int:
        """How many live realtime requests are held now: the readiness signal of a test that
        changes a run once its subscriber waits."""
        return int(self.realtime()["held"])

    def set_realtime_hold(self, ms: int) -> Any:
        """How long live realtime requests are held (emulator clock), until ``reset()``."""
        return self.admin("POST", "/__emulator/realtime/config", {"holdMs": ms})

    def rotate_realtime_shapes(self, handle: Optional[str] = None) -> Any:
        """Gives the shapes (all, or one) new handles: their clients get a 409 and refetch."""
        return self.admin("POST", "/__emulator/realtime/rotate", {} if handle is None else {"handle": handle})

    def realtime_must_refetch(self, handle: Optional[str] = None) -> Any:
        """The next answer of the shapes (all, or one) starts with ``must-refetch``."""
        return self.admin("POST", "/__emulator/realtime/must-refetch", {} if handle is None else {"handle": handle})

    def append_run_stream(self, run_id: str, key: str, records: Any) -> List[int]:
        """Appends records to a run's stream ``key`` as the task would: ``{"data": ...,
        "id"?: ...}``, ``{"command": "fence"}``, ``{"body": "<raw>"}``, or a list → their seqs."""
        return list(self.admin("POST", f"/__emulator/runs/{run_id}/streams/{key}", records)["seqs"])

    def set_session_options(
        self,
        *,
        sse_timeout_seconds: Optional[int] = None,
        sse_linger_ms: Optional[int] = None,
        sse_ping_ms: Optional[int] = None,
    ) -> Any:
        """Overrides the SSE options until ``reset()``: ``sse_linger_ms=0`` drains what a
        channel has and ends the window at once (for tests that append first and read
        after)."""
        body: Dict[str, Any] = {}
        if sse_timeout_seconds is not None:
            body["sseTimeoutSeconds"] = sse_timeout_seconds
        if sse_linger_ms is not None:
            body["sseLingerMs"] = sse_linger_ms
        if sse_ping_ms is not None:
            body["ssePingMs"] = sse_ping_ms
        return self.admin("POST", "/__emulator/sessions/config", body)
