"""Make one AWS read and turn its failure into a ReadFailure that names the call."""

from __future__ import annotations

from typing import Any, Callable

import botocore.exceptions

from cloudaudit.providers.aws.errors import describe, error_code
from cloudaudit.providers.facts import ReadFailure


def read(call: str, operation: Callable[..., Any], *, absent: tuple[str, ...] = (), **params: Any) -> Any:
    """Call `operation(**params)`; None when the error code says the setting is not configured
    (one of `absent`, e.g. NoSuchBucketPolicy); ReadFailure for any other failure."""
    try:
        return operation(**params)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in absent:
            return None
        raise ReadFailure(describe(call, exc)) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise ReadFailure(describe(call, exc)) from None
