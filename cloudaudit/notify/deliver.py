"""Send the requests one after the other, retry what may succeed later, and account for all."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping, Sequence

from cloudaudit.model import Severity, Status
from cloudaudit.notify.http import post_json
from cloudaudit.notify.payload import Request, plan_requests
from cloudaudit.notify.retry import RetryPolicy
from cloudaudit.notify.state import DeliveryState, StateNotWritten
from cloudaudit.notify.target import WebhookTarget


@dataclass(frozen=True)
class NotDelivered:
    fingerprints: tuple[str, ...]
    reason: str
    attempts: int
    """Requests made for it; 0 when it was never sent (delivery stopped before it)."""


@dataclass(frozen=True)
class DeliveryReport:
    endpoint: str
    delivered: tuple[str, ...]
    not_delivered: tuple[NotDelivered, ...]
    already_delivered: tuple[str, ...]
    """Skipped: the state file says this webhook accepted them on an earlier run."""
    fixed: tuple[str, ...]
    """Delivered on an earlier run and PASS in this one: forgotten, sent again if they fail again."""
    requests: int
    """HTTP requests made, retries included."""

    @property
    def complete(self) -> bool:
        return not self.not_delivered

    def lines(self, findings: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """The final account, for stderr: totals, then every finding not delivered and why."""
        missing = sum(len(n.fingerprints) for n in self.not_delivered)
        summary = (
            f"webhook {self.endpoint}: delivered {len(self.delivered)} finding{_s(len(self.delivered))} "
            f"in {self.requests} request{_s(self.requests)}"
        )
        if self.already_delivered:
            summary += f"; {len(self.already_delivered)} already delivered earlier"
        if self.fixed:
            summary += f"; {len(self.fixed)} fixed since delivered (sent again if {'they fail' if len(self.fixed) > 1 else 'it fails'} again)"
        summary += f"; not delivered: {missing}"
        lines = [summary]
        for item in self.not_delivered:
            for fingerprint in item.fingerprints:
                lines.append(f"  not delivered: {_describe(fingerprint, findings)}: {item.reason}")
        return lines

    def to_document(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "requests": self.requests,
            "delivered": list(self.delivered),
            "already_delivered": list(self.already_delivered),
            "fixed": list(self.fixed),
            "not_delivered": [
                {"fingerprints": list(n.fingerprints), "reason": n.reason, "attempts": n.attempts}
                for n in self.not_delivered
            ],
        }


def new_failing(
    findings: Sequence[Mapping[str, Any]], min_severity: Severity, known: Collection[str] = frozenset()
) -> list[Mapping[str, Any]]:
    """The FAIL findings (document form) at or above `min_severity` whose fingerprint is not
    in `known` (failing already in a baseline). MUTED findings are never sent."""
    return [
        f
        for f in findings
        if f["status"] == Status.FAIL.value
        and Severity(f["severity"]).rank >= min_severity.rank
        and f["fingerprint"] not in known
    ]


Sleep = Callable[[float], None]


def deliver(
    findings: Sequence[Mapping[str, Any]],
    scan: Mapping[str, Any],
    target: WebhookTarget,
    policy: RetryPolicy,
    state: DeliveryState,
    batch_size: int = 1,
    sleep: Sleep = time.sleep,
    passing: Collection[str] = (),
) -> DeliveryReport:
    """Deliver the findings the state does not list yet, after forgetting the delivered ones
    that are `passing` now (fixed). A request that fails for a reason of its own (400, 422) is
    reported and the others go on; when the receiver refuses all (401, 403, 404) or keeps
    failing past the retries, the rest is reported as not sent."""
    fixed = state.forget_fixed(target.state_key, passing)
    done = state.delivered(target.state_key)
    already = tuple(f["fingerprint"] for f in findings if f["fingerprint"] in done)
    pending = [f for f in findings if f["fingerprint"] not in done]
    requests = plan_requests(pending, scan, batch_size, lambda fp: state.occurrence(target.state_key, fp))
    delivered: list[str] = []
    failed: list[NotDelivered] = []
    made = 0
    stop_reason: str | None = None
    for request in requests:
        if stop_reason is not None:
            failed.append(NotDelivered(request.fingerprints, f"not sent: {stop_reason}", 0))
            continue
        outcome, tries, stop_reason = _send(request, target, policy, sleep)
        made += tries
        if outcome is None:
            try:
                state.record(target.state_key, target.endpoint, request.fingerprints, _now())
            except StateNotWritten as exc:
                stop_reason = exc.message
            delivered.extend(request.fingerprints)
        else:
            failed.append(NotDelivered(request.fingerprints, outcome, tries))
    return DeliveryReport(target.endpoint, tuple(delivered), tuple(failed), already, fixed, made)


def _send(request: Request, target: WebhookTarget, policy: RetryPolicy, sleep: Sleep) -> tuple[str | None, int, str | None]:
    """(None when accepted, else why not; requests made; why to stop sending the others)."""
    tries = 0
    while True:
        attempt = post_json(target, request.body, request.key)
        tries += 1
        if attempt.delivered:
            return None, tries, None
        if attempt.blocks_everything:
            return attempt.error, tries, f"the webhook refused a request ({attempt.error})"
        if not attempt.retryable:
            return attempt.error, tries, None
        if tries >= policy.attempts:
            reason = f"{attempt.error}, after {tries} attempts"
            return reason, tries, f"the webhook kept failing ({reason})"
        wait = policy.wait_before_retry(tries, attempt.retry_after)
        if wait is None:
            reason = f"{attempt.error}; it asked to wait {attempt.retry_after:g} s, longer than the retry limit of {policy.max_delay:g} s"
            return reason, tries, "the webhook asked to wait longer than the retry limit"
        sleep(wait)


def _describe(fingerprint: str, findings: Mapping[str, Mapping[str, Any]]) -> str:
    finding = findings.get(fingerprint)
    if finding is None:
        return fingerprint
    return f"{fingerprint} {finding['rule']['id']} {finding['resource']['id']}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
