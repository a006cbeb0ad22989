"""Alerts on Cloud Storage IAM changes (CIS GCP 2.10): a log-based metric that counts them and
an alert policy on that metric that notifies someone, from their JSON.

- A log-based metric (Logging `projects.metrics.list`) has a `name`, a `filter` in the
  Logging query language, `disabled`, `bucketName` when it counts one log bucket's entries
  only, and `metricDescriptor.type` (logging.googleapis.com/user/NAME).
- An alert policy (Monitoring `projects.alertPolicies.list`) has `enabled`, `conditions[]`
  (a threshold condition names its metric in `conditionThreshold.filter`:
  metric.type="logging.googleapis.com/user/NAME") and `notificationChannels[]`.

The metric's filter must be the benchmark's, `resource.type="gcs_bucket" AND
protoPayload.methodName="storage.setIamPermissions"`, written any way the query language
allows: either order, any spacing, double, single or no quotes, explicit or implied AND,
redundant parentheses, `:` (has) for `=`, and a logName term naming the Admin Activity audit
log where those entries are. A filter with any other term (it counts fewer changes), OR or NOT
is not taken as watching IAM changes. A metric scoped to one log bucket is not counted either:
whether that bucket receives Admin Activity entries depends on the project's sinks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from cloudaudit.providers.gcp.calls import strings

USER_METRIC_PREFIX = "logging.googleapis.com/user/"
IAM_CHANGE_TERMS = frozenset({("resource.type", "gcs_bucket"), ("protoPayload.methodName", "storage.setIamPermissions")})
ACTIVITY_LOG_SUFFIXES = ("/logs/cloudaudit.googleapis.com%2Factivity", "/logs/cloudaudit.googleapis.com/activity")

_COMPARISON = re.compile(
    r"""(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>=|:)\s*(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()"']+)"""
)
_CONNECTIVES = re.compile(r"^(?:\s|\(|\)|\bAND\b)*$")


def comparisons(query: str) -> tuple[list[tuple[str, str, str]], str]:
    """(field, operator, unquoted value) of each comparison in a Logging or Monitoring filter,
    and what is left of the filter around them."""
    found = []
    for match in _COMPARISON.finditer(query):
        value = match.group("value")
        if value[:1] in ('"', "'") and value[-1:] == value[:1]:
            value = value[1:-1]
        found.append((match.group("field"), match.group("op"), value))
    return found, _COMPARISON.sub(" ", query)


def watches_iam_changes(query: str) -> bool:
    """Does a log filter select exactly Cloud Storage's setIamPermissions audit entries?"""
    terms, rest = comparisons(query)
    if not terms or not _CONNECTIVES.match(rest):
        return False  # OR, NOT, a negation, another operator: not the plain conjunction
    required: set[tuple[str, str]] = set()
    for field, _, value in terms:
        if (field, value) in IAM_CHANGE_TERMS:
            required.add((field, value))
        elif not (field == "logName" and value.endswith(ACTIVITY_LOG_SUFFIXES)):
            return False
    return required == IAM_CHANGE_TERMS


def metric_type(metric: Mapping[str, Any]) -> str:
    descriptor = metric.get("metricDescriptor")
    declared = descriptor.get("type") if isinstance(descriptor, Mapping) else None
    return declared if isinstance(declared, str) and declared else USER_METRIC_PREFIX + str(metric.get("name"))


def iam_change_metrics(metrics: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Metric type -> metric name, for the enabled project-wide metrics that count IAM changes."""
    found = {}
    for metric in metrics:
        query = metric.get("filter")
        if metric.get("disabled") is True or metric.get("bucketName") or not isinstance(query, str):
            continue
        if watches_iam_changes(query):
            found[metric_type(metric)] = str(metric.get("name"))
    return found


def alerts_on(policy: Mapping[str, Any], metric_types: Iterable[str]) -> bool:
    """Is the alert policy enabled, with a notification channel, and a threshold condition on
    one of these metrics? A policy whose `enabled` is not given is not counted (the API says
    to assume nothing then)."""
    if policy.get("enabled") is not True or not strings(policy.get("notificationChannels")):
        return False
    wanted = set(metric_types)
    for condition in policy.get("conditions") or ():
        threshold = condition.get("conditionThreshold") if isinstance(condition, Mapping) else None
        query = threshold.get("filter") if isinstance(threshold, Mapping) else None
        if not isinstance(query, str):
            continue
        terms, _ = comparisons(query)
        if any(field == "metric.type" and op == "=" and value in wanted for field, op, value in terms):
            return True
    return False


@dataclass(frozen=True)
class IamChangeAlerts:
    """What watches a project's Cloud Storage IAM changes."""

    metrics: tuple[str, ...]
    """Names of the log-based metrics that count them."""
    policies: tuple[str, ...]
    """Display names (else resource names) of the alert policies that notify on those metrics."""

    @property
    def alerting(self) -> bool:
        return bool(self.metrics and self.policies)


def policy_label(policy: Mapping[str, Any]) -> str:
    label = policy.get("displayName") or policy.get("name")
    return label if isinstance(label, str) else "?"
