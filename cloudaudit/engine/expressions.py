"""Compile rule expressions into evaluators with three-valued logic.

An evaluator answers TRUE, FALSE or UNKNOWN for a resource. UNKNOWN comes from a fact that is
missing (not collected) or unreadable (the read failed); `all` and `any` combine as in Kleene's
logic, so a FALSE branch still decides `all` even when another branch is UNKNOWN. Every outcome
carries the facts it saw, for the finding's message.

Compilation checks each path against the property vocabulary and each literal against the
type the vocabulary declares, and reports every problem it finds, with its JSON path.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from cloudaudit.model import PROVIDERS, RESOURCE_TYPES, Resource
from cloudaudit.paths import (
    MISSING,
    PathSyntaxError,
    PropertyPath,
    Unreadable,
    parse_path,
    parse_wildcard_path,
)
from cloudaudit.vocabulary import PropertySpec, Vocabulary


class Truth(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    truth: Truth
    facts: tuple[str, ...] = ()
    """What was seen, e.g. "transport.min_tls_version is '1.0'"."""
    expected: tuple[str, ...] = ()
    """What a FALSE leaf wanted, e.g. "one of '1.2', '1.3'"."""
    unreadable: bool = False
    """For UNKNOWN: True when a read failed, False when the fact is merely missing."""

    def describe(self) -> str:
        text = "; ".join(self.facts)
        if self.truth is Truth.FALSE and self.expected:
            text += f" (expected {'; '.join(self.expected)})"
        return text


Evaluator = Callable[[Resource, Any], Outcome]
"""(resource, current list element or None) -> Outcome."""

COMPARISONS = ("eq", "ne", "in", "not_in", "contains", "subset_of", "gt", "gte", "lt", "lte", "matches")
PRESENCE = ("exists", "absent")
BOOLEANS = ("all", "any", "not")
QUANTIFIERS = ("every", "some", "none")

_FIELD_SPECS = {
    "provider": PropertySpec("string", enum=PROVIDERS),
    "type": PropertySpec("string", enum=RESOURCE_TYPES),
    "id": PropertySpec("string"),
    "name": PropertySpec("string"),
    "account": PropertySpec("string"),
    "region": PropertySpec("string", nullable=True),
}
_TAG_SPEC = PropertySpec("string", nullable=True)
_LONG_LIST = 6


@dataclass
class CompileContext:
    """What compilation needs to know, and where it collects problems and referenced paths."""

    resource_types: Sequence[str]
    vocabulary: Vocabulary
    params: Mapping[str, Any]
    """Parameter values for this run, already validated against their declarations."""
    problems: list[str] = field(default_factory=list)
    paths: dict[str, PropertyPath] = field(default_factory=dict)
    """Absolute paths the expression reads, by text (for evidence and for the collection plan)."""

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")


@dataclass(frozen=True)
class _ListScope:
    """Inside a quantifier: element paths are relative to this list."""

    list_path: str
    """The vocabulary key of the list, e.g. replication.destinations, or '' for raw lists."""


def compile_expression(node: Any, where: str, ctx: CompileContext, scope: _ListScope | None = None) -> Evaluator:
    """Compile one (already schema-valid) expression node."""
    (operator, body), = node.items()
    if operator in COMPARISONS:
        return _compile_comparison(operator, body, f"{where}.{operator}", ctx, scope)
    if operator in PRESENCE:
        return _compile_presence(operator, body, f"{where}.{operator}", ctx, scope)
    if operator == "not":
        return _negate(compile_expression(body, f"{where}.not", ctx, scope))
    if operator in ("all", "any"):
        children = []
        branch_ctx = ctx
        for i, child in enumerate(body):
            children.append(compile_expression(child, f"{where}.{operator}[{i}]", branch_ctx, scope))
            branch_ctx = _after_type_test(child, operator, branch_ctx)
        return _conjunction(children) if operator == "all" else _disjunction(children)
    if operator in QUANTIFIERS:
        return _compile_quantifier(operator, body, f"{where}.{operator}", ctx, scope)
    raise AssertionError(f"schema let through operator {operator!r}")


def _after_type_test(node: Any, operator: str, ctx: CompileContext) -> CompileContext:
    """The context for the branches after `node` in an `all` (or `any`): when `node` tests the
    resource's type against literals, later branches only decide for the types where it is TRUE
    (FALSE for `any`), so their paths need only be properties of those types. This lets a rule
    on buckets and accounts read an account-only property behind a type test, e.g.
    any: [{eq: {path: type, value: storage.bucket}}, {ne: {path: account.kind, value: FileStorage}}]."""
    (test, body), = node.items()
    if test not in ("eq", "ne", "in", "not_in") or body.get("path") != "type":
        return ctx
    value = body.get("value")
    listed = [value] if test in ("eq", "ne") else value
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        return ctx  # a parameter or a wrong literal: checked (and reported) elsewhere
    positive = test in ("eq", "in")
    deciding_later = operator == "all"  # all: later branches matter where this one is TRUE
    remaining = [t for t in ctx.resource_types if ((t in listed) == positive) == deciding_later]
    if not remaining or len(remaining) == len(ctx.resource_types):
        return ctx
    return dataclasses.replace(ctx, resource_types=tuple(remaining))


# -- paths -----------------------------------------------------------------------------------


def _resolve_path(text: str, where: str, ctx: CompileContext, scope: _ListScope | None) -> tuple[PropertyPath, PropertySpec | None] | None:
    """Parse a path and find its vocabulary spec; report a problem and return None if invalid."""
    try:
        path = parse_path(text, relative=scope is not None)
    except PathSyntaxError as exc:
        ctx.problem(where, str(exc))
        return None
    if scope is not None:
        if scope.list_path == "":
            return path, None
        key = f"{scope.list_path}[*]" + ("" if text == "@" else f".{text}")
        spec = _spec_for_all_types(key, ctx)
        if text == "@":
            list_spec = _spec_for_all_types(scope.list_path, ctx)
            spec = PropertySpec(list_spec.items or "object") if list_spec else None
        if spec is None:
            ctx.problem(where, f"unknown path {text!r} in the elements of {scope.list_path}")
            return None
        return path, spec
    if path.root == "field":
        return path, _FIELD_SPECS[text]
    if path.root == "tags":
        ctx.paths[text] = path
        return path, _TAG_SPEC
    if path.root == "raw":
        ctx.paths[text] = path
        return path, None
    spec = _spec_for_all_types(text, ctx)
    if spec is None:
        known_in = [t for t in ctx.resource_types if ctx.vocabulary.spec(t, text) is not None]
        types = ", ".join(ctx.resource_types)
        if known_in:
            missing = ", ".join(t for t in ctx.resource_types if t not in known_in)
            ctx.problem(where, f"path {text!r} is not a property of {missing} (see cloudaudit/schemas/properties.yaml)")
        else:
            ctx.problem(where, f"unknown path {text!r} for {types} (see cloudaudit/schemas/properties.yaml)")
        return None
    ctx.paths[text] = path
    return path, spec


def _spec_for_all_types(key: str, ctx: CompileContext) -> PropertySpec | None:
    specs = [ctx.vocabulary.spec(t, key) for t in ctx.resource_types]
    if any(s is None for s in specs):
        return None
    return specs[0]


def _reader(path: PropertyPath) -> Callable[[Resource, Any], Any]:
    if path.root == "element":
        return lambda resource, element: path.lookup_in(element)
    return lambda resource, element: path.lookup(resource)


def _unknown_outcome(path_text: str, value: Any) -> Outcome | None:
    if value is MISSING:
        return Outcome(Truth.UNKNOWN, (f"{path_text} was not collected",))
    if isinstance(value, Unreadable):
        return Outcome(Truth.UNKNOWN, (f"{path_text} could not be read: {value.reason}",), unreadable=True)
    return None


# -- literals and their types ----------------------------------------------------------------


def _resolve_value(raw: Any, where: str, ctx: CompileContext) -> tuple[bool, Any]:
    if isinstance(raw, dict) and set(raw) == {"param"}:
        name = raw["param"]
        if name not in ctx.params:
            declared = ", ".join(sorted(ctx.params)) or "none"
            ctx.problem(f"{where}.value", f"unknown parameter {name!r} (declared: {declared})")
            return False, None
        return True, ctx.params[name]
    return True, raw


def _type_matches(value: Any, type_name: str) -> bool:
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    return True


def _check_scalar(value: Any, spec: PropertySpec, where: str, ctx: CompileContext) -> None:
    if value is None:
        if not spec.nullable:
            ctx.problem(where, "null can never match: this property is always set")
        return
    if not _type_matches(value, spec.type):
        ctx.problem(where, f"{_show(value)} does not fit the property, which is of type {spec.type}")
        return
    if spec.enum is not None and value not in spec.enum:
        ctx.problem(where, f"{_show(value)} is not a value this property takes (expected one of {', '.join(spec.enum)})")


def _check_literal(operator: str, value: Any, spec: PropertySpec | None, where: str, ctx: CompileContext) -> None:
    if operator in ("in", "not_in", "subset_of"):
        if not isinstance(value, list):
            ctx.problem(where, f"{operator} needs a list value, got {_show(value)}")
            return
    if operator == "matches":
        if not isinstance(value, str):
            ctx.problem(where, f"matches needs a regular expression string, got {_show(value)}")
            return
        try:
            re.compile(value)
        except re.error as exc:
            ctx.problem(where, f"invalid regular expression: {exc}")
        return
    ordered = operator in ("gt", "gte", "lt", "lte")
    if ordered and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        ctx.problem(where, f"{operator} needs a number or a string, got {_show(value)}")
        return
    if spec is None:
        return
    if operator in ("eq", "ne"):
        _check_scalar(value, spec, where, ctx)
    elif operator in ("in", "not_in"):
        for i, item in enumerate(value):
            _check_scalar(item, spec, f"{where}[{i}]", ctx)
    elif operator == "subset_of":
        if spec.type != "array":
            ctx.problem(where, f"subset_of needs a list property, but this one is of type {spec.type}")
        elif spec.items:
            for i, item in enumerate(value):
                _check_scalar(item, PropertySpec(spec.items), f"{where}[{i}]", ctx)
    elif operator == "contains":
        if spec.type == "array":
            if spec.items:
                _check_scalar(value, PropertySpec(spec.items), where, ctx)
        elif spec.type == "string":
            _check_scalar(value, PropertySpec("string"), where, ctx)
        else:
            ctx.problem(where, f"contains needs a list or string property, but this one is of type {spec.type}")
    elif ordered:
        if spec.type not in ("integer", "number", "string"):
            ctx.problem(where, f"{operator} needs a number or string property, but this one is of type {spec.type}")
        elif (spec.type == "string") != isinstance(value, str):
            ctx.problem(where, f"{_show(value)} does not fit the property, which is of type {spec.type}")


# -- leaves ----------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps true apart from 1 (Python's True == 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _member(value: Any, options: Sequence[Any]) -> bool:
    return any(_same(value, option) for option in options)


def _choices(values: Sequence[Any]) -> str:
    if len(values) > _LONG_LIST:
        return f"one of the {len(values)} allowed values"
    return "one of " + ", ".join(_show(v) for v in values)


def _compile_comparison(operator: str, body: Mapping[str, Any], where: str, ctx: CompileContext, scope: _ListScope | None) -> Evaluator:
    resolved = _resolve_path(body["path"], f"{where}.path", ctx, scope)
    ok, expected = _resolve_value(body["value"], where, ctx)
    if resolved is None or not ok:
        return _never
    path, spec = resolved
    before = len(ctx.problems)
    _check_literal(operator, expected, spec, f"{where}.value", ctx)
    if len(ctx.problems) > before:
        return _never
    read = _reader(path)
    text = path.text
    test, wanted = _COMPARATORS[operator](expected)

    def evaluate(resource: Resource, element: Any) -> Outcome:
        actual = read(resource, element)
        unknown = _unknown_outcome(text, actual)
        if unknown is not None:
            return unknown
        result = test(actual)
        seen = f"{text} is {_show(actual)}"
        if result is None:
            return Outcome(Truth.UNKNOWN, (f"{seen}, which cannot be compared with {_show(expected)}",))
        if result:
            return Outcome(Truth.TRUE, (seen,))
        return Outcome(Truth.FALSE, (_explain_false(operator, text, actual, expected) or seen,), (wanted,))

    return evaluate


def _explain_false(operator: str, text: str, actual: Any, expected: Any) -> str | None:
    if operator == "subset_of" and isinstance(actual, list):
        extra = [v for v in actual if not _member(v, expected)]
        if extra:
            return f"{text} includes {', '.join(_show(v) for v in extra)}"
    return None


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any], Callable[[Any], Any]]:
    def build(expected: Any) -> Callable[[Any], Any]:
        def test(actual: Any) -> Any:
            if actual is None:
                return False
            numeric = (int, float)
            if isinstance(actual, bool) or isinstance(expected, bool):
                return None
            if isinstance(actual, numeric) and isinstance(expected, numeric):
                return op(actual, expected)
            if isinstance(actual, str) and isinstance(expected, str):
                return op(actual, expected)
            return None

        return test

    return build


def _contains(expected: Any) -> Callable[[Any], Any]:
    def test(actual: Any) -> Any:
        if actual is None:
            return False
        if isinstance(actual, list):
            return _member(expected, actual)
        if isinstance(actual, str) and isinstance(expected, str):
            return expected in actual
        return None

    return test


def _subset(expected: Any) -> Callable[[Any], Any]:
    def test(actual: Any) -> Any:
        if actual is None:
            actual = []
        if not isinstance(actual, list):
            return None
        return all(_member(v, expected) for v in actual)

    return test


def _matches(expected: Any) -> Callable[[Any], Any]:
    pattern = re.compile(expected)

    def test(actual: Any) -> Any:
        if actual is None:
            return False
        if not isinstance(actual, str):
            return None
        return pattern.search(actual) is not None

    return test


_COMPARATORS: dict[str, Callable[[Any], tuple[Callable[[Any], Any], str]]] = {
    "eq": lambda e: (lambda a: _same(a, e), _show(e)),
    "ne": lambda e: (lambda a: not _same(a, e), f"anything but {_show(e)}"),
    "in": lambda e: (lambda a: _member(a, e), _choices(e)),
    "not_in": lambda e: (lambda a: not _member(a, e), f"none of {', '.join(_show(v) for v in e)}"),
    "contains": lambda e: (_contains(e), f"to contain {_show(e)}"),
    "subset_of": lambda e: (_subset(e), f"only {_choices(e).removeprefix('one of ')}"),
    "gt": lambda e: (_ordered(lambda a, b: a > b)(e), f"> {_show(e)}"),
    "gte": lambda e: (_ordered(lambda a, b: a >= b)(e), f">= {_show(e)}"),
    "lt": lambda e: (_ordered(lambda a, b: a < b)(e), f"< {_show(e)}"),
    "lte": lambda e: (_ordered(lambda a, b: a <= b)(e), f"<= {_show(e)}"),
    "matches": lambda e: (_matches(e), f"to match {_show(e)}"),
}


def _compile_presence(operator: str, body: Mapping[str, Any], where: str, ctx: CompileContext, scope: _ListScope | None) -> Evaluator:
    resolved = _resolve_path(body["path"], f"{where}.path", ctx, scope)
    if resolved is None:
        return _never
    path, _ = resolved
    read = _reader(path)
    text = path.text
    want_present = operator == "exists"

    def evaluate(resource: Resource, element: Any) -> Outcome:
        actual = read(resource, element)
        if isinstance(actual, Unreadable):
            return _unknown_outcome(text, actual)  # type: ignore[return-value]
        present = actual is not MISSING and actual is not None
        seen = f"{text} is {_show(actual)}" if present else f"{text} is not set"
        truth = Truth.TRUE if present == want_present else Truth.FALSE
        return Outcome(truth, (seen,), ("it to be set" if want_present else "it not to be set",))

    return evaluate


def _never(resource: Resource, element: Any) -> Outcome:
    """Stands in for an expression that did not compile; a rule with problems never runs."""
    raise AssertionError("an expression with compile problems was evaluated")


# -- combinators -----------------------------------------------------------------------------


def _negate(child: Evaluator) -> Evaluator:
    def evaluate(resource: Resource, element: Any) -> Outcome:
        outcome = child(resource, element)
        if outcome.truth is Truth.UNKNOWN:
            return outcome
        flipped = Truth.FALSE if outcome.truth is Truth.TRUE else Truth.TRUE
        return Outcome(flipped, outcome.facts)

    return evaluate


def _conjunction(children: Sequence[Evaluator]) -> Evaluator:
    def evaluate(resource: Resource, element: Any) -> Outcome:
        outcomes = [child(resource, element) for child in children]
        return combine_all(outcomes)

    return evaluate


def _disjunction(children: Sequence[Evaluator]) -> Evaluator:
    def evaluate(resource: Resource, element: Any) -> Outcome:
        outcomes = [child(resource, element) for child in children]
        return combine_any(outcomes)

    return evaluate


def combine_all(outcomes: Sequence[Outcome]) -> Outcome:
    false = [o for o in outcomes if o.truth is Truth.FALSE]
    if false:
        return _merge(Truth.FALSE, false)
    unknown = [o for o in outcomes if o.truth is Truth.UNKNOWN]
    if unknown:
        return _merge(Truth.UNKNOWN, unknown)
    return _merge(Truth.TRUE, outcomes)


def combine_any(outcomes: Sequence[Outcome]) -> Outcome:
    true = [o for o in outcomes if o.truth is Truth.TRUE]
    if true:
        return _merge(Truth.TRUE, true[:1])
    unknown = [o for o in outcomes if o.truth is Truth.UNKNOWN]
    if unknown:
        return _merge(Truth.UNKNOWN, unknown)
    return _merge(Truth.FALSE, outcomes)


def _merge(truth: Truth, outcomes: Sequence[Outcome]) -> Outcome:
    facts: list[str] = []
    expected: list[str] = []
    for outcome in outcomes:
        facts.extend(f for f in outcome.facts if f not in facts)
        expected.extend(e for e in outcome.expected if e not in expected)
    unreadable = any(o.unreadable for o in outcomes)
    return Outcome(truth, tuple(facts), tuple(expected), unreadable)


# -- quantifiers -----------------------------------------------------------------------------


def _compile_quantifier(operator: str, body: Mapping[str, Any], where: str, ctx: CompileContext, scope: _ListScope | None) -> Evaluator:
    if scope is not None:
        ctx.problem(f"{where}.path", "quantifiers cannot be nested inside another quantifier's where")
        return _never
    try:
        path = parse_wildcard_path(body["path"])
    except PathSyntaxError as exc:
        ctx.problem(f"{where}.path", str(exc))
        return _never
    if path.root == "raw":
        inner_scope = _ListScope("")
        ctx.paths[path.text] = path
    else:
        resolved = _resolve_path(path.text, f"{where}.path", ctx, None)
        if resolved is None:
            return _never
        _, spec = resolved
        if spec is not None and spec.type != "array":
            ctx.problem(f"{where}.path", f"{path.text!r} is of type {spec.type}, not a list")
            return _never
        inner_scope = _ListScope(path.text)
    condition = compile_expression(body["where"], f"{where}.where", ctx, inner_scope)
    text = path.text

    def evaluate(resource: Resource, element: Any) -> Outcome:
        items = path.lookup(resource)
        unknown = _unknown_outcome(text, items)
        if unknown is not None:
            return unknown
        if items is None:
            items = []
        if not isinstance(items, list):
            return Outcome(Truth.UNKNOWN, (f"{text} is {_show(items)}, not a list",))
        results = [(i, condition(resource, item)) for i, item in enumerate(items)]
        return _QUANTIFY[operator](text, results)

    return evaluate


def _labelled(text: str, index: int, outcome: Outcome) -> Outcome:
    facts = tuple(f"{text}[{index}]: {fact}" for fact in outcome.facts)
    return Outcome(outcome.truth, facts, outcome.expected, outcome.unreadable)


def _every(text: str, results: list[tuple[int, Outcome]]) -> Outcome:
    if not results:
        return Outcome(Truth.TRUE, (f"{text} is empty",))
    return combine_all([_labelled(text, i, o) for i, o in results])


def _some(text: str, results: list[tuple[int, Outcome]]) -> Outcome:
    if not results:
        return Outcome(Truth.FALSE, (f"{text} is empty",), ("at least one match",))
    return combine_any([_labelled(text, i, o) for i, o in results])


def _none(text: str, results: list[tuple[int, Outcome]]) -> Outcome:
    matching = [_labelled(text, i, o) for i, o in results if o.truth is Truth.TRUE]
    if matching:
        return _merge(Truth.FALSE, matching)
    unknown = [_labelled(text, i, o) for i, o in results if o.truth is Truth.UNKNOWN]
    if unknown:
        return _merge(Truth.UNKNOWN, unknown)
    return Outcome(Truth.TRUE, (f"no element of {text} matches",))


_QUANTIFY = {"every": _every, "some": _some, "none": _none}


# -- display ---------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if value is MISSING:
        return "not collected"
    if isinstance(value, Unreadable):
        return "unreadable"
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        if not value:
            return "empty"
        if len(value) > _LONG_LIST:
            return "[" + ", ".join(_show(v) for v in value[:_LONG_LIST]) + f", ... {len(value)} in all]"
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


show_value = _show
