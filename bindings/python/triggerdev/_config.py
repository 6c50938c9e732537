"""Configuration keywords -> the C ABI's configuration JSON (the official SDK's names).

Python takes durations in seconds (``timeout=5.0``, ``RetryPolicy(min_timeout=1.0)``) and
``max_retries`` (retries after the first attempt, as openai-python); the JSON takes
milliseconds and ``maxAttempts``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Mapping, Optional, Union

from ._encode import dumps, str_pairs
from ._exceptions import InvalidArgumentError

__all__ = ["RetryPolicy", "config_dict", "request_options_dict", "USER_AGENT"]

VERSION = "0.2.0"
USER_AGENT = f"python/{VERSION}"


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or a timedelta, not {type(value).__name__}")
    if not value >= 0 or value == float("inf"):
        raise InvalidArgumentError(f"{name}: must be a finite number of seconds, at least 0")
    return float(value)


def _ms(value: Any, name: str) -> float:
    ms = _seconds(value, name) * 1000.0
    return int(ms) if ms == int(ms) else ms


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _path(value: Any, name: str) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or a path, not {type(value).__name__}")
    return value


def _pem(value: Any, name: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise InvalidArgumentError(f"{name}: PEM text must be ASCII") from None
    return _str(value, name)


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise InvalidArgumentError(f"{name}: must be at least {minimum}")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried. Unset fields keep the library's defaults (5 attempts,
    factor 1.6, 1 s to 30 s, no randomization, rate-limit waits up to 60 s). Durations are in
    seconds. A policy given to a client or ``with_options`` replaces the whole policy."""

    max_attempts: Optional[int] = None
    factor: Optional[float] = None
    min_timeout: Optional[float] = None
    max_timeout: Optional[float] = None
    randomize: Optional[bool] = None
    max_rate_limit_wait: Optional[float] = None

    @classmethod
    def none(cls) -> "RetryPolicy":
        """One attempt, no retries."""
        return cls(max_attempts=1)

    def to_dict(self) -> Dict[str, Any]:
        """The policy as the C ABI's ``retry`` JSON (camelCase, milliseconds)."""
        out: Dict[str, Any] = {}
        if self.max_attempts is not None:
            out["maxAttempts"] = _int(self.max_attempts, "retry.max_attempts", 0)
        if self.factor is not None:
            if isinstance(self.factor, bool) or not isinstance(self.factor, (int, float)):
                raise TypeError(f"retry.factor must be a number, not {type(self.factor).__name__}")
            out["factor"] = self.factor
        if self.min_timeout is not None:
            out["minTimeoutInMs"] = _ms(self.min_timeout, "retry.min_timeout")
        if self.max_timeout is not None:
            out["maxTimeoutInMs"] = _ms(self.max_timeout, "retry.max_timeout")
        if self.randomize is not None:
            out["randomize"] = _bool(self.randomize, "retry.randomize")
        if self.max_rate_limit_wait is not None:
            out["maxRateLimitWaitMs"] = _ms(self.max_rate_limit_wait, "retry.max_rate_limit_wait")
        return out


_RETRY_SNAKE = {
    "max_attempts",
    "factor",
    "min_timeout",
    "max_timeout",
    "randomize",
    "max_rate_limit_wait",
}
_RETRY_CAMEL = {
    "maxAttempts",
    "factor",
    "minTimeoutInMs",
    "maxTimeoutInMs",
    "randomize",
    "maxRateLimitWaitMs",
}

RetryLike = Union[RetryPolicy, Mapping[str, Any]]

# A CA bundle's path.
StrPath = Union[str, "os.PathLike[str]"]


def _retry(value: Any) -> Dict[str, Any]:
    if isinstance(value, RetryPolicy):
        return value.to_dict()
    if isinstance(value, Mapping):
        keys = set(value)
        if keys <= _RETRY_SNAKE:
            return RetryPolicy(**dict(value)).to_dict()
        if keys <= _RETRY_CAMEL:
            return {k: v for k, v in value.items() if v is not None}
        unknown = sorted(keys - _RETRY_SNAKE - _RETRY_CAMEL) or sorted(keys)
        raise TypeError(
            f"retry: unknown field(s) {', '.join(unknown)} (expected RetryPolicy fields "
            f"{', '.join(sorted(_RETRY_SNAKE))}, or the JSON names {', '.join(sorted(_RETRY_CAMEL))})"
        )
    # duck typing: any object with RetryPolicy's attributes
    if all(hasattr(value, name) for name in ("max_attempts", "factor")):
        return RetryPolicy(**{k: getattr(value, k, None) for k in _RETRY_SNAKE}).to_dict()
    raise TypeError(f"retry must be a RetryPolicy or a dict, not {type(value).__name__}")


def request_options_dict(
    *,
    max_retries: Any = None,
    timeout: Any = None,
    retry: Any = None,
    additional_headers: Any = None,
) -> Dict[str, Any]:
    """The ``requestOptions`` JSON object."""
    out: Dict[str, Any] = {}
    policy: Optional[Dict[str, Any]] = _retry(retry) if retry is not None else None
    if max_retries is not None:
        policy = dict(policy or {})
        policy["maxAttempts"] = _int(max_retries, "max_retries", 0) + 1
    if policy is not None:
        out["retry"] = policy
    if timeout is not None:
        ms = _ms(timeout, "timeout")
        if ms <= 0:
            raise InvalidArgumentError("timeout: must be greater than 0")
        out["timeoutMs"] = ms
    if additional_headers is not None:
        out["additionalHeaders"] = str_pairs(additional_headers, "additional_headers")
    return out


def config_dict(
    *,
    user_agent: bool,
    access_token: Any = None,
    secret_key: Any = None,
    base_url: Any = None,
    preview_branch: Any = None,
    dev_branch: Any = None,
    max_retries: Any = None,
    timeout: Any = None,
    retry: Any = None,
    additional_headers: Any = None,
    inherit_context: Any = None,
    user_agent_suffix: Any = None,
    external_deployment_id: Any = None,
    max_response_bytes: Any = None,
    dangerously_allow_insecure_http: Any = None,
    v2_realtime_streams: Any = None,
    ca_bundle_path: Any = None,
    ca_bundle_pem: Any = None,
    use_platform_trust_store: Any = None,
) -> Dict[str, Any]:
    """The configuration JSON object of ``trigger_client_new`` / ``trigger_configure`` /
    ``trigger_auth_push``. ``user_agent`` adds ``userAgentSuffix: python/<version>`` (before any
    suffix of the caller's)."""
    out: Dict[str, Any] = {}
    if access_token is not None:
        out["accessToken"] = _str(access_token, "access_token")
    if secret_key is not None:
        out["secretKey"] = _str(secret_key, "secret_key")
    if base_url is not None:
        out["baseURL"] = _str(base_url, "base_url")
    if preview_branch is not None:
        out["previewBranch"] = _str(preview_branch, "preview_branch")
    if dev_branch is not None:
        out["devBranch"] = _str(dev_branch, "dev_branch")
    if inherit_context is not None:
        out["inheritContext"] = _bool(inherit_context, "inherit_context")
    suffix = None if user_agent_suffix is None else _str(user_agent_suffix, "user_agent_suffix")
    if user_agent or suffix is not None:
        out["userAgentSuffix"] = USER_AGENT if suffix is None else f"{USER_AGENT} {suffix}"
    if external_deployment_id is not None:
        out["externalDeploymentId"] = _str(external_deployment_id, "external_deployment_id")
    if v2_realtime_streams is not None:
        out["future"] = {"v2RealtimeStreams": _bool(v2_realtime_streams, "v2_realtime_streams")}
    if max_response_bytes is not None:
        out["maxResponseBytes"] = _int(max_response_bytes, "max_response_bytes", 1)
    if dangerously_allow_insecure_http is not None:
        out["dangerouslyAllowInsecureHttp"] = _bool(
            dangerously_allow_insecure_http, "dangerously_allow_insecure_http"
        )
    if ca_bundle_path is not None:
        out["caBundlePath"] = _path(ca_bundle_path, "ca_bundle_path")
    if ca_bundle_pem is not None:
        out["caBundlePem"] = _pem(ca_bundle_pem, "ca_bundle_pem")
    if use_platform_trust_store is not None:
        out["usePlatformTrustStore"] = _bool(use_platform_trust_store, "use_platform_trust_store")
    request = request_options_dict(
        max_retries=max_retries, timeout=timeout, retry=retry, additional_headers=additional_headers
    )
    if request:
        out["requestOptions"] = request
    return out


def encode_config(values: Dict[str, Any]) -> bytes:
    return dumps(values, "config")

