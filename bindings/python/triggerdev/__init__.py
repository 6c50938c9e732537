"""triggerdev: a blocking Python SDK for the Trigger.dev management API.

A ctypes binding of the ``triggerdev`` Rust library's C ABI, with no runtime dependency::

    import triggerdev

    client = triggerdev.Client(access_token="tr_dev_...")
    handle = client.tasks.trigger("send-email", {"to": "ada@example.com"}, tags=["welcome"])
    run = client.runs.retrieve(handle.id)
    for run in client.runs.list(status="COMPLETED"):
        print(run.id)

    # The ambient API: configure() (or TRIGGER_SECRET_KEY), with thread-local overrides.
    triggerdev.configure(secret_key="tr_prod_...")
    with triggerdev.auth.with_auth(access_token="tr_prod_project_b"):
        page = triggerdev.runs.list(limit=10).page()
"""

from __future__ import annotations

from . import _ffi
from ._logging import sync_level as sync_log_level
from . import auth as auth
from ._call import AMBIENT as _AMBIENT
from ._client import CancelToken, Client, with_options
from ._config import RetryPolicy
from ._encode import NOT_GIVEN, NotGiven
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchNotSealedError,
    CallInterruptedError,
    CancelledError,
    ConflictError,
    DecodeError,
    InternalServerError,
    InvalidArgumentError,
    InvalidCredentialsError,
    MissingCredentialsError,
    MissingProjectRefError,
    NotFoundError,
    PermissionDeniedError,
    PollLimitReachedError,
    RateLimitError,
    ResponseTooLargeError,
    SessionClosedError,
    TriggerError,
    TriggerPanicError,
    UnprocessableEntityError,
    UnsupportedCredentialError,
    WaitTimeoutError,
)
from ._managed import ClosedError
from ._models import (
    Appended,
    BulkAction,
    BulkActionCounts,
    BulkActionsPage,
    ChannelRecord,
    CreatedWaitpointToken,
    Deployment,
    DeploymentsPage,
    PromotedDeployment,
    Queue,
    QueueConcurrency,
    QueuesPage,
    ConcurrencyBound,
    ConcurrencyKeyBound,
    ConcurrencyKeyLimit,
    ConcurrencyLimit,
    ConcurrencyLimitsPage,
    QueryResult,
    QuerySchema,
    QueryTable,
    QueryColumn,
    Dashboard,
    DashboardSummary,
    TaskRunError,
    BatchUsage,
    BatchItemResult,
    BatchResults,
    RunSpan,
    Session,
    SessionRecord,
    SessionsPage,
    StartedSession,
    WaitpointToken,
    WaitpointTokensPage,
    Batch,
    BatchError,
    BatchHandle,
    BatchProcessing,
    BatchStatus,
    CursorPagination,
    EnvVar,
    IdResponse,
    MessageResponse,
    OffsetPagination,
    Record,
    Run,
    RunAttempt,
    RunEnvironment,
    RunError,
    RunEvent,
    RunEvents,
    RunHandle,
    RunListItem,
    RunMetadata,
    RunOutcome,
    RunResult,
    RunsPage,
    RunStatus,
    RunTrace,
    Schedule,
    ScheduleEnvironment,
    ScheduleGenerator,
    SchedulesPage,
    SuccessResponse,
)
from ._resources import (
    BatchItem,
    TriggerOptions,
    Batches,
    BulkActions,
    Deployments,
    EnvVars,
    IdempotencyKeys,
    PublicTokens,
    Queues,
    ConcurrencyLimits,
    Dashboards,
    Query,
    Runs,
    RunStream,
    RunSubscription,
    Schedules,
    SessionChannel,
    SessionHandle,
    Sessions,
    Streams,
    Subscription,
    Tasks,
    Waitpoints,
    parse_dotenv,
)
from ._pager import ListIterable
from .auth import AuthSnapshot, configure, current, with_auth

__version__ = "0.2.0"
assert __version__ == _ffi.VERSION

#: The ambient API: calls with the ``configure()`` configuration (or the environment) and this
#: thread's ``with_auth`` overrides.
tasks = Tasks(_AMBIENT)
batches = Batches(_AMBIENT)
runs = Runs(_AMBIENT)
envvars = EnvVars(_AMBIENT)
schedules = Schedules(_AMBIENT)
idempotency_keys = IdempotencyKeys(_AMBIENT)
queues = Queues(_AMBIENT)
concurrency_limits = ConcurrencyLimits(_AMBIENT)
query = Query(_AMBIENT)
deployments = Deployments(_AMBIENT)
waitpoints = Waitpoints(_AMBIENT)
bulk_actions = BulkActions(_AMBIENT)
sessions = Sessions(_AMBIENT)
streams = Streams(_AMBIENT)


def library_version() -> str:
    """The version the loaded native library reports (equal to ``__version__``)."""
    return _ffi.library_version()


def library_path() -> str:
    """Where the native library was loaded from."""
    return _ffi.LIB_PATH


__all__ = [
    "__version__",
    "library_version",
    "library_path",
    # clients and the ambient API
    "Client",
    "CancelToken",
    "RetryPolicy",
    "configure",
    "with_auth",
    "current",
    "with_options",
    "sync_log_level",
    "auth",
    "tasks",
    "batches",
    "runs",
    "envvars",
    "schedules",
    "idempotency_keys",
    "queues",
    "concurrency_limits",
    "query",
    "deployments",
    "waitpoints",
    "bulk_actions",
    "sessions",
    "streams",
    "parse_dotenv",
    "AuthSnapshot",
    "NOT_GIVEN",
    "NotGiven",
    "ClosedError",
    # areas
    "ListIterable",
    "Tasks",
    "BatchItem",
    "TriggerOptions",
    "Batches",
    "Runs",
    "EnvVars",
    "Schedules",
    "IdempotencyKeys",
    "Queues",
    "ConcurrencyLimits",
    "Query",
    "Dashboards",
    "Deployments",
    "Waitpoints",
    "BulkActions",
    "PublicTokens",
    "Sessions",
    "SessionHandle",
    "SessionChannel",
    "Subscription",
    "RunSubscription",
    "RunStream",
    "Streams",
    # results
    "Record",
    "RunStatus",
    "BatchStatus",
    "RunHandle",
    "BatchHandle",
    "Run",
    "RunListItem",
    "RunAttempt",
    "RunEnvironment",
    "RunError",
    "RunsPage",
    "CursorPagination",
    "RunOutcome",
    "RunResult",
    "RunMetadata",
    "RunEvent",
    "RunEvents",
    "RunTrace",
    "IdResponse",
    "SuccessResponse",
    "MessageResponse",
    "Batch",
    "BatchError",
    "BatchProcessing",
    "EnvVar",
    "Schedule",
    "ScheduleGenerator",
    "ScheduleEnvironment",
    "SchedulesPage",
    "OffsetPagination",
    "Queue",
    "QueueConcurrency",
    "ConcurrencyBound",
    "ConcurrencyKeyBound",
    "ConcurrencyKeyLimit",
    "ConcurrencyLimit",
    "ConcurrencyLimitsPage",
    "QueryResult",
    "QuerySchema",
    "QueryTable",
    "QueryColumn",
    "Dashboard",
    "DashboardSummary",
    "TaskRunError",
    "BatchUsage",
    "BatchItemResult",
    "BatchResults",
    "RunSpan",
    "QueuesPage",
    "Deployment",
    "PromotedDeployment",
    "DeploymentsPage",
    "CreatedWaitpointToken",
    "WaitpointToken",
    "WaitpointTokensPage",
    "BulkAction",
    "BulkActionCounts",
    "BulkActionsPage",
    "Session",
    "StartedSession",
    "SessionsPage",
    "Appended",
    "ChannelRecord",
    "SessionRecord",
    # errors
    "TriggerError",
    "InvalidArgumentError",
    "MissingCredentialsError",
    "InvalidCredentialsError",
    "UnsupportedCredentialError",
    "MissingProjectRefError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "SessionClosedError",
    "APIConnectionError",
    "APITimeoutError",
    "DecodeError",
    "BatchNotSealedError",
    "ResponseTooLargeError",
    "PollLimitReachedError",
    "WaitTimeoutError",
    "CancelledError",
    "CallInterruptedError",
    "TriggerPanicError",
]
