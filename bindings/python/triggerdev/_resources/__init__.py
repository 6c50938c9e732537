"""The API areas, one module each (as ``src/resources`` and the Ruby binding): tasks, batches,
runs, envvars, schedules, idempotency keys, queues, concurrency limits, query, deployments, waitpoint tokens, bulk
actions, public tokens, sessions, the realtime run subscriptions, run streams and input
streams.

Each area is a small class over a ``Caller`` (a client, or the ambient client). A method checks
and encodes its arguments (``_encode``), makes one call (``Caller.json``) and wraps the JSON in
a record (``_models``); a list method returns a ``ListIterable`` (``_pager``). A new area of the
C ABI is its rows in ``_ffi.JSON_EXPORTS`` plus a module like these.
"""

from ._area import Duration, StrOrList, TimeOrDuration
from .batches import Batches
from .bulk_actions import BulkActions
from .branches import Branches
from .concurrency_limits import ConcurrencyKey, ConcurrencyLimits
from .projects import Projects
from .deployments import Deployments
from .envvars import EnvVars, parse_dotenv
from .idempotency_keys import IdempotencyKeys, create_idempotency_key
from .public_tokens import Expiration, PublicTokens, TokenScopes
from .query import Dashboards, Query, QueryTime
from .queues import Queues
from .realtime import RunStream, RunSubscription
from .runs import Runs
from .schedules import Schedules
from .sessions import SessionChannel, SessionHandle, Sessions, Subscription
from .streams import Streams
from .tasks import BatchItem, Tasks, TriggerOptions
from .waitpoints import Waitpoints

__all__ = [
    "Tasks",
    "BatchItem",
    "TriggerOptions",
    "Batches",
    "Runs",
    "RunSubscription",
    "RunStream",
    "Streams",
    "EnvVars",
    "Schedules",
    "IdempotencyKeys",
    "Queues",
    "ConcurrencyLimits",
    "Branches",
    "Projects",
    "ConcurrencyKey",
    "Query",
    "Dashboards",
    "QueryTime",
    "Deployments",
    "Waitpoints",
    "BulkActions",
    "PublicTokens",
    "Sessions",
    "SessionHandle",
    "SessionChannel",
    "Subscription",
    "parse_dotenv",
    "create_idempotency_key",
    "Duration",
    "TimeOrDuration",
    "StrOrList",
    "Expiration",
    "TokenScopes",
]
