"""After os.fork(), the parent and its children calling at once on a client and an ambient API
they all inherited each get the responses to their own requests (pre-forking servers: gunicorn
--preload, Celery prefork)."""

from __future__ import annotations

import os
from typing import List, Tuple

import pytest

import triggerdev
from triggerdev.testing import Emulator

CHILDREN = 4
CALLS = 200


def calls(client: triggerdev.Client, ids: List[str], n: int) -> Tuple[int, List[str]]:
    """Process ``n``: a trigger of its own (a request id shared with another process would
    return that process's run), then retrieves on the inherited client and the ambient API."""
    crossed, errors = 0, []
    mine = {"from": f"process-{n}"}
    try:
        run = client.runs.retrieve(client.tasks.trigger("fork-test", mine).id)
        if run.payload != mine:
            crossed += 1
    except triggerdev.TriggerError as e:
        errors.append(str(e))
    for i in range(CALLS):
        want = ids[(i * 7 + n) % len(ids)]
        for retrieve in (client.runs.retrieve, triggerdev.runs.retrieve):
            try:
                if retrieve(want).id != want:
                    crossed += 1
            except triggerdev.TriggerError as e:
                errors.append(str(e))
    return crossed, errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_children_and_their_parent_each_get_their_own_responses(emu: Emulator) -> None:
    triggerdev.configure(secret_key=emu.dev_key, base_url=emu.base_url, max_retries=0)
    with emu.client(max_retries=0) as client:
        ids = [client.tasks.trigger("fork-test", {"n": i}).id for i in range(16)]
        # Both pools hold a connection when the processes part.
        client.runs.retrieve(ids[0])
        triggerdev.runs.retrieve(ids[0])
        children = []
        for n in range(1, CHILDREN + 1):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                code = 1
                try:
                    crossed, errors = calls(client, ids, n)
                    code = 0 if crossed == 0 and not errors else 1
                    if code:
                        os.write(2, f"child {n}: {crossed} crossed, errors {errors[:3]}\n".encode())
                finally:
                    os._exit(code)
            children.append(pid)
        crossed, errors = calls(client, ids, 0)
        statuses = [os.waitpid(pid, 0)[1] for pid in children]
    assert (crossed, errors) == (0, [])
    assert statuses == [0] * CHILDREN
