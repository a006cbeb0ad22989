"""The GCP project as a cloud.account resource, and the project-wide reads its buckets share.

Four settings of a project matter to its buckets, each read once per project, only when a
selected rule needs it, and shared by the project resource and every bucket of the project:

- the project IAM policy's audit configuration (Resource Manager `projects.getIamPolicy`):
  are Cloud Storage's Data Access logs (DATA_READ, DATA_WRITE) on? That call is an HTTP POST
  because it takes options in a body (the policy version to return); it reads and changes
  nothing, like every `get*` method of Google's APIs (setIamPolicy is the write). Audit
  configurations add up down the resource hierarchy, so when the project's own does not log
  every object read and write, its folders' and organization's are read too
  (`projects.getAncestry`, then `folders.getIamPolicy` / `organizations.getIamPolicy`, POSTs of
  the same kind); exemptions set on those are not seen when the project's own suffices;
- the effective organization policies of four constraints (Org Policy v2
  `projects.policies.getEffectivePolicy`, one GET each): public access prevention, resource
  locations, uniform bucket-level access, HTTPS only;

and two facts are the project's own: its HMAC keys (`storage.projects.hmacKeys.list`, the
keys' metadata only; no call returns a secret), and whether an alert fires on Cloud Storage
IAM changes (Logging `projects.metrics.list`, then Monitoring `projects.alertPolicies.list`
only when a metric counts those changes; alerts.py reads their documents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cloudaudit.providers.facts import Facts, Fetcher, SharedReads
from cloudaudit.providers.gcp.alerts import IamChangeAlerts, alerts_on, iam_change_metrics, policy_label
from cloudaudit.providers.gcp.calls import read_json, read_json_pages, read_pages
from cloudaudit.providers.gcp.iam import IAM_POLICY_VERSION
from cloudaudit.providers.gcp.locations import policy_regions
from cloudaudit.providers.gcp.policies import StorageAudit, boolean_enforced, list_policy, storage_audit
from cloudaudit.providers.gcp.session import GcsSession

IAM_POLICY_CALL = "cloudresourcemanager.projects.getIamPolicy"
ANCESTRY_CALL = "cloudresourcemanager.projects.getAncestry"
ANCESTOR_IAM_CALLS = {"folder": "cloudresourcemanager.folders.getIamPolicy", "organization": "cloudresourcemanager.organizations.getIamPolicy"}
AUDIT_CALLS = (IAM_POLICY_CALL, ANCESTRY_CALL, *ANCESTOR_IAM_CALLS.values())
ORG_POLICY_CALL = "orgpolicy.projects.policies.getEffectivePolicy"
HMAC_CALL = "storage.projects.hmacKeys.list"
METRICS_CALL = "logging.projects.metrics.list"
ALERT_POLICIES_CALL = "monitoring.projects.alertPolicies.list"

PUBLIC_ACCESS_PREVENTION = "storage.publicAccessPrevention"
RESOURCE_LOCATIONS = "gcp.resourceLocations"
UNIFORM_ACCESS = "storage.uniformBucketLevelAccess"
SECURE_TRANSPORT = "storage.secureHttpTransport"
CONSTRAINTS = (PUBLIC_ACCESS_PREVENTION, RESOURCE_LOCATIONS, UNIFORM_ACCESS, SECURE_TRANSPORT)

HMAC_ACTIVE = "ACTIVE"


def resource_id(project: str) -> str:
    """The project's full resource name, as Cloud Asset Inventory and audit logs spell it."""
    return f"//cloudresourcemanager.googleapis.com/projects/{project}"


@dataclass
class ProjectReads:
    """Reads made once per project and shared by the project resource and the worker threads of
    its buckets; a failed read fails the facts of everything that needs it, with one reason."""

    project: str
    session: GcsSession
    _shared: SharedReads = field(default_factory=SharedReads)

    @property
    def id(self) -> str:
        return resource_id(self.project)

    @property
    def _name(self) -> str:
        return quote(self.project, safe="")  # a legacy id holds a colon: example.com:project

    def storage_audit(self) -> StorageAudit:
        return self._shared.get("audit", self._storage_audit)

    def _storage_audit(self) -> StorageAudit:
        audit = storage_audit(self._iam_policy())
        if audit.objects_recorded:
            return audit
        for kind, ancestor in self._ancestors():
            audit = audit.merged(storage_audit(self._ancestor_iam_policy(kind, ancestor)))
        return audit

    def _iam_policy(self) -> dict[str, Any]:
        url = f"{self.session.endpoints.resource_manager}/v1/projects/{self._name}:getIamPolicy"
        body = {"options": {"requestedPolicyVersion": IAM_POLICY_VERSION}}
        return read_json(self.session, IAM_POLICY_CALL, "POST", url, body)

    def _ancestors(self) -> list[tuple[str, str]]:
        """(folder or organization, id) above the project, nearest first."""
        url = f"{self.session.endpoints.resource_manager}/v1/projects/{self._name}:getAncestry"
        answer = read_json(self.session, ANCESTRY_CALL, "POST", url, {})
        found = []
        for item in answer.get("ancestor") or ():
            resource = item.get("resourceId") if isinstance(item, dict) else None
            if isinstance(resource, dict) and resource.get("type") in ANCESTOR_IAM_CALLS and isinstance(resource.get("id"), str):
                found.append((resource["type"], resource["id"]))
        return found

    def _ancestor_iam_policy(self, kind: str, ancestor: str) -> dict[str, Any]:
        url = f"{self.session.endpoints.resource_manager}/v3/{kind}s/{quote(ancestor, safe='')}:getIamPolicy"
        body = {"options": {"requestedPolicyVersion": IAM_POLICY_VERSION}}
        return read_json(self.session, ANCESTOR_IAM_CALLS[kind], "POST", url, body, subject=f"{kind}s/{ancestor}")

    def effective_policy(self, constraint: str) -> dict[str, Any]:
        """The organization policy that holds on the project for `constraint`."""

        def load() -> dict[str, Any]:
            url = f"{self.session.endpoints.org_policy}/v2/projects/{self._name}/policies/{constraint}:getEffectivePolicy"
            return read_json(self.session, ORG_POLICY_CALL, "GET", url, subject=constraint)

        return self._shared.get(("policy", constraint), load)

    def enforced(self, constraint: str) -> bool:
        return boolean_enforced(self.effective_policy(constraint))

    def iam_change_alerts(self) -> IamChangeAlerts:
        """The log-based metrics that count Cloud Storage IAM changes, and the alert policies
        that notify on them (read only when there is such a metric)."""
        endpoints = self.session.endpoints
        metrics = read_json_pages(self.session, METRICS_CALL, f"{endpoints.logging}/v2/projects/{self._name}/metrics", "metrics")
        watched = iam_change_metrics(metrics)
        if not watched:
            return IamChangeAlerts((), ())
        url = f"{endpoints.monitoring}/v3/projects/{self._name}/alertPolicies"
        policies = read_json_pages(self.session, ALERT_POLICIES_CALL, url, "alertPolicies")
        alerting = [policy_label(p) for p in policies if alerts_on(p, watched)]
        return IamChangeAlerts(tuple(sorted(watched.values())), tuple(alerting))


# -- the project's facts ---------------------------------------------------------------------


def _public_access_prevention(ctx: ProjectReads, facts: Facts) -> dict[str, Any]:
    return {"public_access.blocked": ctx.enforced(PUBLIC_ACCESS_PREVENTION)}


def _uniform_access(ctx: ProjectReads, facts: Facts) -> dict[str, Any]:
    return {"public_access.uniform_access_required": ctx.enforced(UNIFORM_ACCESS)}


def _resource_locations(ctx: ProjectReads, facts: Facts) -> dict[str, Any]:
    policy = list_policy(ctx.effective_policy(RESOURCE_LOCATIONS))
    return {
        "location.guardrail": policy.restricted,
        "location.guardrail_regions": policy_regions(policy.allowed, policy.denied) if policy.restricted else [],
        "raw.resource_locations": {"allowed": list(policy.allowed), "denied": list(policy.denied)},
    }


def _hmac_keys(ctx: ProjectReads, facts: Facts) -> dict[str, Any]:
    session = ctx.session
    listing = session.client.list_hmac_keys(project_id=ctx.project, retry=session.retry)
    now = dt.datetime.now(dt.timezone.utc)
    keys = []
    for key in read_pages(session, HMAC_CALL, listing):
        created = key.time_created
        keys.append({
            "service_account": key.service_account_email,
            "state": key.state,
            "active": key.state == HMAC_ACTIVE,
            "age_days": (now - created).days if created else None,
        })
    active = [k["service_account"] for k in keys if k["active"]]
    return {"identity.hmac_keys": keys, "identity.active_hmac_key_accounts": sorted(set(active))}


def _policy_change_alerts(ctx: ProjectReads, facts: Facts) -> dict[str, Any]:
    alerts = ctx.iam_change_alerts()
    return {
        "logging.policy_change_alerts": alerts.alerting,
        "raw.iam_change_metrics": list(alerts.metrics),
        "raw.iam_change_alert_policies": list(alerts.policies),
    }


_ORG_POLICY = (ORG_POLICY_CALL,)

PROJECT_FETCHERS: tuple[Fetcher[ProjectReads], ...] = (
    Fetcher("public_access_prevention", ("public_access.blocked",), _public_access_prevention, calls=_ORG_POLICY),
    Fetcher("uniform_access", ("public_access.uniform_access_required",), _uniform_access, calls=_ORG_POLICY),
    Fetcher(
        "resource_locations",
        ("location.guardrail", "location.guardrail_regions", "raw.resource_locations"),
        _resource_locations,
        calls=_ORG_POLICY,
    ),
    Fetcher("hmac_keys", ("identity.hmac_keys", "identity.active_hmac_key_accounts"), _hmac_keys, calls=(HMAC_CALL,)),
    Fetcher(
        "policy_change_alerts",
        ("logging.policy_change_alerts", "raw.iam_change_metrics", "raw.iam_change_alert_policies"),
        _policy_change_alerts,
        calls=(METRICS_CALL, ALERT_POLICIES_CALL),
    ),
)
