"""The interface every cloud adapter implements, and what it hands back."""

from __future__ import annotations

import abc
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from cloudaudit.model import CollectionIssue, Resource
from cloudaudit.progress import Progress


@dataclass(frozen=True)
class OptionSpec:
    """One setting of a provider, given as a CLI option or as a key of a config account entry."""

    key: str
    """Setting name and config key, e.g. 'regions'."""
    flag: str
    """CLI option, e.g. '--region'."""
    help: str
    multiple: bool = False
    """A list: the CLI option may be repeated, the config value is a list."""
    envvar: str | None = None
    """Environment variable read when neither the CLI nor the config sets it."""
    secret: bool = False
    """Never echoed: not in help defaults, reports or errors."""


@dataclass(frozen=True)
class CollectionPlan:
    """What the selected rules will read, so that adapters make only the calls that feed them."""

    needs: Mapping[str, frozenset[str]] | None = None
    """Resource type -> property paths; None means collect everything."""

    def wants_type(self, resource_type: str) -> bool:
        return self.needs is None or resource_type in self.needs

    def wants_any(self, resource_type: str, provided: tuple[str, ...]) -> bool:
        """Does any rule read one of these paths (or a path inside or around them)?"""
        if self.needs is None:
            return True
        needed = self.needs.get(resource_type, frozenset())
        for want in needed:
            for path in provided:
                if path == want or path.startswith(want + ".") or want.startswith(path + "."):
                    return True
        return False


@dataclass(frozen=True)
class AccountRef:
    provider: str
    id: str
    name: str = ""


@dataclass
class CollectionResult:
    resources: list[Resource] = field(default_factory=list)
    issues: list[CollectionIssue] = field(default_factory=list)
    accounts: list[AccountRef] = field(default_factory=list)
    api_calls: Counter = field(default_factory=Counter)
    """Operation ('s3:GetBucketPolicy') -> how many calls were made (a retried call counts once)."""


class Provider(abc.ABC):
    """A cloud adapter: lists resources and reads their settings with read-only calls."""

    name: ClassVar[str]
    options: ClassVar[tuple[OptionSpec, ...]]

    def __init__(self, settings: Mapping[str, Any], workers: int):
        self.settings = settings
        self.workers = workers

    @abc.abstractmethod
    def collect(self, plan: CollectionPlan, progress: Progress) -> CollectionResult:
        """Collect every resource the plan wants. Raises ScanCannotRun when nothing can be read
        (no credentials, expired token, unreachable endpoint); any narrower failure is recorded
        on the resource (Resource.errors) or as a CollectionIssue, and collection goes on."""
