#!/usr/bin/env python3
"""Python rows of the SDK benchmark (started by benches/sdk.rs; not a test).

Usage: python_baseline.py MODE PORT SECS WARMUP   (or: python_baseline.py triggerdev --check)
       python_baseline.py count MODE PORT CALLS    (a fixed number of calls, for benches/instructions.sh)
MODE: httpclient (http.client keep-alive + json.loads), socket (a raw socket sending pre-built
request bytes, + json.loads: the floor of any Python client), requests (requests.Session +
.json()) or triggerdev (the Python binding's Client.runs.retrieve, from bindings/python of
this checkout, over $TRIGGERDEV_LIB or else <target>/release/libtriggerdev.so when it exists).

Makes sequential GET /api/v3/runs/{id} calls against the benchmark server for SECS seconds
after WARMUP seconds, and prints one line: RESULT {json} with calls, secs, p50_us, p99_us,
cpu_us_per_call (this thread's CPU time), rss_kb (VmHWM), errors, first_error, note. The
binding's results parse their JSON at the first read, so its note adds the CPU per call of
`retrieve(id).status` (the call plus the parse), measured for 1 s after the row.
"""
import json
import os
import sys
import time

RUN_ID = "run_cm9bench0001x7k2q4r8s5t6"
TOKEN = "tr_dev_bench0000000000000000"
HEADERS = {
    "authorization": "Bearer " + TOKEN,
    "content-type": "application/json",
    "trigger-version": "0.2.0",
    "x-trigger-source": "sdk",
    "x-trigger-api-version": "2025-07-16",
    "x-trigger-request-idempotency-key": "9b2f6c1e-4a7d-4e3b-8f21-0c5d7a9e1b34",
}


def peak_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def load_triggerdev():
    """The binding from bindings/python of this checkout (no install needed), over
    $TRIGGERDEV_LIB, else <target>/release/libtriggerdev.so when it is built (else what the
    binding's loader finds: the debug build)."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(repo, "target")
    release = os.path.join(repo, target, "release", "libtriggerdev.so")
    if not os.environ.get("TRIGGERDEV_LIB") and os.path.isfile(release):
        os.environ["TRIGGERDEV_LIB"] = release
    sys.path.insert(0, os.path.join(repo, "bindings", "python"))
    import triggerdev

    return triggerdev


def make_call(mode, port):
    path = "/api/v3/runs/" + RUN_ID
    if mode == "httpclient":
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port)

        def call():
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError("status %d" % response.status)
            return json.loads(body)

        return call, "http.client %s" % sys.version.split()[0], None
    if mode == "socket":
        import socket

        conn = socket.create_connection(("127.0.0.1", port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = "".join(
            ["GET %s HTTP/1.1\r\nhost: 127.0.0.1:%d\r\n" % (path, port)]
            + ["%s: %s\r\n" % h for h in HEADERS.items()]
            + ["\r\n"]
        ).encode()
        buf = bytearray(65536)

        def call():
            conn.sendall(request)
            got = bytes(buf[: conn.recv_into(buf)])
            head, _, body = got.partition(b"\r\n\r\n")
            status = int(head[9:12])
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:  # one read holds the whole answer on loopback, usually
                more = conn.recv(65536)
                if not more:
                    raise RuntimeError("connection closed")
                body += more
            if status != 200:
                raise RuntimeError("status %d" % status)
            return json.loads(body)

        return call, "socket.sendall + recv_into, Python %s" % sys.version.split()[0], None
    if mode == "requests":
        import requests

        session = requests.Session()
        url = "http://127.0.0.1:%d%s" % (port, path)

        def call():
            response = session.get(url, headers=HEADERS)
            if response.status_code != 200:
                raise RuntimeError("status %d" % response.status_code)
            return response.json()

        return call, "requests %s" % requests.__version__, None
    if mode == "triggerdev":
        triggerdev = load_triggerdev()
        client = triggerdev.Client(TOKEN, base_url="http://127.0.0.1:%d" % port)

        # Results parse their JSON at the first read (as in the Ruby row): the row is the call
        # alone; main() adds to the note the CPU per call when a field is read too (which parses
        # the JSON, as json.loads does in the http.client row).
        def call():
            return client.runs.retrieve(RUN_ID)

        def read_field():
            return client.runs.retrieve(RUN_ID).status

        lib = triggerdev.library_path()
        profile = "release" if "/release/" in lib else "debug" if "/debug/" in lib else "installed"
        what = "triggerdev %s (%s cdylib), Python %s" % (
            triggerdev.__version__, profile, sys.version.split()[0])
        return call, what, read_field
    raise SystemExit("unknown mode " + mode)


def count_calls(mode, port, calls):
    """Makes 20 warm-up calls, then `calls` calls, and nothing else: run under callgrind or
    strace with two values of `calls`, the difference is the cost of the extra calls alone.
    Besides the modes above: `triggerdev-field` (retrieve, then read `.status`: parses the
    JSON), `ctypes` (the C ABI export through the binding's `call_json` alone: no argument
    checks, handle borrowing or records; result bytes freed) and `loads` (json.loads of the
    run's bytes as the library hands them out, fetched once)."""
    if mode == "triggerdev-field":
        retrieve = make_call("triggerdev", port)[0]

        def call():
            return retrieve().status
    elif mode in ("ctypes", "loads"):
        triggerdev = load_triggerdev()
        from triggerdev._ffi import LIB, call_json

        client = triggerdev.Client(TOKEN, base_url="http://127.0.0.1:%d" % port)
        ptr = client._handle.borrow()  # kept for the whole run
        run_id = RUN_ID.encode()

        def retrieve():
            return call_json(LIB.trigger_runs_retrieve, ptr, run_id)

        text = retrieve() if mode == "loads" else b""
        call = retrieve if mode == "ctypes" else (lambda: json.loads(text))
    else:
        call = make_call(mode, port)[0]
    for _ in range(20):
        call()
    for _ in range(calls):
        call()


def main():
    if sys.argv[1:] == ["triggerdev", "--check"]:  # can the binding be loaded? (benches/sdk.rs)
        load_triggerdev()
        return
    if sys.argv[1] == "count":
        count_calls(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    mode, port, secs, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    call, what, read_field = make_call(mode, port)
    errors, first_error = 0, None
    end = time.perf_counter() + warmup
    while time.perf_counter() < end and errors < 20:
        try:
            call()
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            errors += 1
            first_error = first_error or repr(e)
    latencies = []
    cpu0 = time.thread_time_ns()
    start = time.perf_counter_ns()
    stop = start + int(secs * 1e9)
    t = start
    while errors < 20:
        try:
            call()
            now = time.perf_counter_ns()
            latencies.append(now - t)
        except Exception as e:  # noqa: BLE001
            now = time.perf_counter_ns()
            errors += 1
            first_error = first_error or repr(e)
        t = now
        if now >= stop:
            break
    cpu = time.thread_time_ns() - cpu0
    if read_field is not None and not errors:
        n_read, read_cpu0 = 0, time.thread_time_ns()
        read_end = time.perf_counter() + 1.0
        while time.perf_counter() < read_end:
            read_field()
            n_read += 1
        what += "; reading a field too (parses the JSON): %.1f us CPU/call" % (
            (time.thread_time_ns() - read_cpu0) / 1000.0 / max(n_read, 1))
    latencies.sort()
    n = len(latencies)

    def q(p):
        if not n:
            return 0.0
        return latencies[min(n - 1, max(0, int(-(-n * p // 1)) - 1))] / 1000.0

    print("RESULT " + json.dumps({
        "calls": n,
        "secs": (t - start) / 1e9,
        "p50_us": q(0.50),
        "p99_us": q(0.99),
        "cpu_us_per_call": cpu / 1000.0 / max(n, 1),
        "rss_kb": peak_rss_kb(),
        "errors": errors,
        "first_error": first_error,
        "note": what,
    }))


if __name__ == "__main__":
    main()
