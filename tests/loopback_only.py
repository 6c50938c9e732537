#!/usr/bin/env python3
"""Runs a test command and fails if it, or any process it starts, leaves loopback.

    python3 tests/loopback_only.py COMMAND [ARGS...]
    python3 tests/loopback_only.py --self-test

The command runs under `strace -f` (seccomp-filtered: only the traced system calls stop, so it
costs little), which records every connect/sendto/sendmsg/sendmmsg with an address. Flagged:
an IPv4 or IPv6 address outside loopback (127.0.0.0/8, ::1, and 0.0.0.0 / :: which Linux
connects to this host), and any DNS traffic (port 53, on loopback too: a test that resolves a
name such as api.trigger.dev or x.invalid asks a name server). A UDP connect counts even though
it sends nothing, so nothing is missed. Exit status: the command's, or 1 if it left loopback
(the offending calls are printed), or 2 if strace is missing or cannot trace here.

SKIP_NET_GUARD=1 runs the command as it is. Name lookups that a daemon does on the test's
behalf (nscd, systemd-resolved through nss-resolve) happen outside the traced processes; a fresh
Debian machine has neither (`hosts: files dns`), so its lookups are the process's own.

ASan's leak checker cannot run under a tracer (it ptrace-attaches to its own threads), so the C
suite runs its sanitizer builds outside this guard; the same tests run under it natively.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import List, Optional, Tuple

CALLS = "connect,sendto,sendmsg,sendmmsg"
V4 = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
V6 = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')
SHOWN = 20


def offence(line: str) -> Optional[str]:
    """Why this strace line leaves loopback, or None."""
    for pattern in (V4, V6):
        for port, host in pattern.findall(line):
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                return f"unparsed address {host}"
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            if int(port) == 53:
                return f"DNS query to {host}"
            if not (ip.is_loopback or ip.is_unspecified):
                return f"contacts {host} port {port}"
    return None


def strace_works(strace: str) -> Optional[str]:
    """None if strace can trace a child here, else what it said."""
    probe = subprocess.run(
        [strace, "-f", "-qq", "--seccomp-bpf", "-e", f"trace={CALLS}", "-o", os.devnull, "true"],
        capture_output=True,
        text=True,
    )
    return None if probe.returncode == 0 else (probe.stderr.strip() or f"exit status {probe.returncode}")


def trace(command: List[str]) -> Tuple[int, List[str]]:
    """Runs `command` under strace: its exit status (128 + N for signal N) and the offences."""
    strace = shutil.which("strace")
    if strace is None:
        raise Unavailable("strace is not installed (apt-get install strace)")
    problem = strace_works(strace)
    if problem is not None:
        raise Unavailable(f"strace cannot trace here: {problem}")
    with tempfile.TemporaryDirectory(prefix="loopback-only-") as tmp:
        log = os.path.join(tmp, "strace.log")
        status = subprocess.call(
            [strace, "-f", "-qq", "--seccomp-bpf", "-e", f"trace={CALLS}", "-e", "signal=none",
             "-o", log, "--", *command]
        )
        found = []
        with open(log, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                why = offence(line)
                if why is not None:
                    found.append(f"{why}: {line.strip()}")
    return (128 - status if status < 0 else status), found


class Unavailable(Exception):
    """strace is missing or cannot trace on this machine."""


def guarded(command: List[str]) -> int:
    if os.environ.get("SKIP_NET_GUARD") == "1":
        print("loopback_only: SKIP_NET_GUARD=1, not checking the network", file=sys.stderr)
        status = subprocess.call(command)
        return 128 - status if status < 0 else status
    try:
        status, found = trace(command)
    except Unavailable as e:
        print(f"loopback_only: {e}; SKIP_NET_GUARD=1 runs the tests without this check", file=sys.stderr)
        return 2
    if found:
        print(f"loopback_only: FAIL: {' '.join(command)} left loopback {len(found)} time(s):", file=sys.stderr)
        for entry in found[:SHOWN]:
            print(f"  {entry}", file=sys.stderr)
        return 1
    return status


SELF_TEST = """
import socket
for family, host, port in [(socket.AF_INET, "192.0.2.1", 9), (socket.AF_INET, "127.0.0.1", 53),
                           (socket.AF_INET6, "2001:db8::1", 9), (socket.AF_INET, "127.0.0.1", 9),
                           (socket.AF_INET6, "::1", 9), (socket.AF_INET, "0.0.0.0", 9)]:
    with socket.socket(family, socket.SOCK_DGRAM) as s:  # a UDP connect sends nothing
        try:
            s.connect((host, port))
        except OSError:
            pass
"""


def self_test() -> int:
    """The guard flags exactly the remote v4 and v6 addresses and the DNS port on loopback,
    not plain loopback. No packet leaves the machine: UDP connects send nothing."""
    try:
        status, found = trace([sys.executable, "-c", SELF_TEST])
    except Unavailable as e:
        print(f"loopback_only: self-test: {e}", file=sys.stderr)
        return 2
    reasons = sorted(f.split(": ", 1)[0] for f in found)
    expected = ["DNS query to 127.0.0.1", "contacts 192.0.2.1 port 9", "contacts 2001:db8::1 port 9"]
    if status != 0 or reasons != expected:
        print(f"loopback_only: self-test FAILED: status {status}, flagged {reasons}, expected {expected}",
              file=sys.stderr)
        return 1
    print("loopback_only: self-test passed", file=sys.stderr)
    return 0


def main(argv: List[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    if not argv or argv[0].startswith("-"):
        print("usage: loopback_only.py COMMAND [ARGS...] | --self-test", file=sys.stderr)
        return 2
    return guarded(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
