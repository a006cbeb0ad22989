"""Boto3 sessions whose clients only know the operations in operations.py.

botocore reads each service's model (service-2.json) whole and keeps it for the session, as
ordered dicts; the scanner needs a handful of operations from each. The loader here cuts a model
down, as it is read, to those operations and the shapes they reach, without their documentation.
Everything else in botocore (endpoint rules, retries, signing, parsing) is left as it is.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import boto3
import botocore.loaders
import botocore.session

from cloudaudit.providers.aws.operations import READ_OPERATIONS

SERVICE_MODEL_FILE = "service-2"

LEFT_WHOLE = frozenset({"sts", "sso", "sso-oidc"})
"""Models kept whole: botocore's credential chain makes its own clients for these services from
the same session and calls operations the scanner never does (AssumeRoleWithWebIdentity for a CI
job's OIDC token, AssumeRole for a profile's role_arn, SSO's GetRoleCredentials). They are small."""


def read_only_session(profile: str | None = None, **credentials: Any) -> boto3.session.Session:
    """A boto3 session (for `profile`, or with explicit credentials and region_name) whose
    clients are built from the cut-down models."""
    core = botocore.session.Session()
    core.lazy_register_component("data_loader", lambda: _loader(core))
    return boto3.session.Session(botocore_session=core, profile_name=profile, **credentials)


def _loader(core: botocore.session.Session) -> botocore.loaders.Loader:
    """botocore's own loader (same search paths, AWS_DATA_PATH included) with our file reader."""
    data_path = core.get_config_variable("data_path") or ""
    extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep) if p]
    return botocore.loaders.Loader(extra_search_paths=extra, file_loader=ReadOnlyModelFiles(READ_OPERATIONS))


class ReadOnlyModelFiles(botocore.loaders.JSONFileLoader):
    def __init__(self, operations: Mapping[str, frozenset[str]]):
        self._operations = operations

    def load_file(self, file_path: str) -> Any:
        data = super().load_file(file_path)
        service, kind = _service_and_kind(file_path)
        if data is not None and kind == SERVICE_MODEL_FILE and service in self._operations and service not in LEFT_WHOLE:
            return cut_model(data, self._operations[service], service)
        return data


def _service_and_kind(file_path: str) -> tuple[str, str]:
    """'.../botocore/data/ec2/2016-11-15/service-2' -> ('ec2', 'service-2')."""
    parts = os.path.normpath(file_path).split(os.sep)
    return (parts[-3], parts[-1]) if len(parts) >= 3 else ("", parts[-1])


def cut_model(model: Mapping[str, Any], keep: frozenset[str], service: str) -> dict[str, Any]:
    """The model with only the `keep` operations and the shapes they reach."""
    missing = keep - set(model["operations"])
    if missing:
        raise LookupError(f"botocore's {service} model has no operation {', '.join(sorted(missing))}")
    operations = {name: _undocumented(model["operations"][name]) for name in sorted(keep)}
    shapes = model["shapes"]
    reached: dict[str, Any] = {}
    pending = [ref["shape"] for op in operations.values() for ref in _shape_refs_of_operation(op)]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        shape = reached[name] = _undocumented(shapes[name])
        pending.extend(ref["shape"] for ref in _shape_refs_of_shape(shape))
    return {**model, "operations": operations, "shapes": reached}


def _shape_refs_of_operation(operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    refs = [operation[key] for key in ("input", "output") if key in operation]
    return refs + list(operation.get("errors", []))


def _shape_refs_of_shape(shape: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    refs = list(shape.get("members", {}).values())
    return refs + [shape[key] for key in ("member", "key", "value") if key in shape]


def _undocumented(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without documentation text (a large part of every model, never read at run time);
    members keep their other traits (location, locationName, ...)."""
    copy = {key: value for key, value in node.items() if key != "documentation"}
    if "members" in copy:
        copy["members"] = {
            name: {key: value for key, value in member.items() if key != "documentation"}
            for name, member in copy["members"].items()
        }
    return copy
