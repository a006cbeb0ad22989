"""Reading a bucket IAM policy and legacy ACLs: who is granted access, and is anyone public.

IAM member strings look like `user:ana@cabinet.fr`, `group:staff@cabinet.fr`,
`domain:cabinet.fr`, `serviceAccount:app@PROJECT.iam.gserviceaccount.com`, `allUsers`,
`allAuthenticatedUsers`, `projectOwner:PROJECT` (and Editor, Viewer), `deleted:user:...?uid=N`
and federated `principal://...` / `principalSet://...`. A member is *in the project* when it
stands for the project's own roles or its own service accounts (by project id or number);
every other member has a domain (the part after @, or the federation pool), and a rule
compares those domains with the practice's allowed list.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

IAM_POLICY_VERSION = 3
"""The IAM policy version asked of every getIamPolicy (bucket and project): version 3 returns
conditional bindings too, where a version-1 read of such a policy fails."""
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
PROJECT_ROLES = ("projectOwner", "projectEditor", "projectViewer")
_POOL = re.compile(r"/(workforcePools|workloadIdentityPools)/([^/]+)")


@dataclass(frozen=True)
class Member:
    member: str
    """As in the policy, e.g. user:ana@cabinet.fr."""
    kind: str
    """user, group, domain, serviceAccount, allUsers, allAuthenticatedUsers, projectOwner..."""
    domain: str | None
    """Lower-case email domain, the domain itself, workforcePools/POOL, or projects/ID for another
    project's roles; None for public members and this project's roles."""
    in_project: bool
    roles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "roles": list(self.roles)}


def parse_member(member: str, roles: Iterable[str], project: str, project_number: str | None) -> Member:
    if member in PUBLIC_MEMBERS:
        return Member(member, member, None, False, tuple(roles))
    kind, _, value = member.partition(":")
    if kind == "deleted":  # deleted:user:ana@x.fr?uid=123 - a former principal, still bound
        _, _, value = value.partition(":")
        value = value.split("?", 1)[0]
    if kind in PROJECT_ROLES:
        own = value == project
        return Member(member, kind, None if own else f"projects/{value}", own, tuple(roles))
    if member.startswith(("principal://", "principalSet://")):
        pool = _POOL.search(member)
        domain = f"{pool.group(1)}/{pool.group(2)}" if pool else member.split("://", 1)[1]
        return Member(member, member.split(":", 1)[0], domain, False, tuple(roles))
    if kind == "domain":
        return Member(member, kind, value.lower(), False, tuple(roles))
    domain = value.rpartition("@")[2].lower() if "@" in value else None
    in_project = kind == "serviceAccount" and _own_service_account(value.lower(), project, project_number)
    return Member(member, kind, domain, in_project, tuple(roles))


def _own_service_account(email: str, project: str, project_number: str | None) -> bool:
    """The project's service accounts (NAME@PROJECT.iam..., PROJECT@appspot...) and the
    Google-managed agents named after its number (service-N@..., N-compute@..., N@...)."""
    local, _, domain = email.partition("@")
    project = project.lower()
    if domain == f"{project}.iam.gserviceaccount.com":
        return True
    if domain == "appspot.gserviceaccount.com" and local == project:
        return True
    if project_number and domain.endswith(".gserviceaccount.com"):
        return re.fullmatch(rf"(service-)?{re.escape(project_number)}(-compute)?", local) is not None
    return False


@dataclass(frozen=True)
class PolicyReading:
    """What a bucket IAM policy says, normalised."""

    members: tuple[Member, ...]
    public_members: tuple[str, ...]
    """allUsers / allAuthenticatedUsers, each with its roles: 'allUsers (roles/storage.objectViewer)'."""

    @property
    def public(self) -> bool:
        return bool(self.public_members)

    @property
    def outside_project(self) -> list[Member]:
        return [m for m in self.members if not m.in_project and m.kind not in PUBLIC_MEMBERS]


def read_policy(bindings: Iterable[Mapping[str, Any]], project: str, project_number: str | None) -> PolicyReading:
    """`bindings` as the JSON API returns them: [{role, members[], condition?}]. A conditional
    binding counts like any other: the condition may hold."""
    roles_of: dict[str, list[str]] = {}
    for binding in bindings:
        role = binding.get("role") or "?"
        for member in binding.get("members") or ():
            roles = roles_of.setdefault(member, [])
            if role not in roles:
                roles.append(role)
    members = tuple(parse_member(m, roles, project, project_number) for m, roles in roles_of.items())
    public = tuple(f"{m.member} ({', '.join(m.roles)})" for m in members if m.kind in PUBLIC_MEMBERS)
    return PolicyReading(members, public)


def public_acl_entities(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """allUsers / allAuthenticatedUsers among ACL entries [{entity, role}], once each."""
    found: list[str] = []
    for entry in entries:
        entity = entry.get("entity")
        if entity in PUBLIC_MEMBERS and entity not in found:
            found.append(entity)
    return found
