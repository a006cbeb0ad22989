"""JSON Schema validation that reports one readable line per problem.

jsonschema's own messages dump whole sub-documents; these name the JSON path and say what
was expected instead: `$.assert.all[1]: unknown operator 'equals' (expected one of eq, ne, ...)`.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Iterable

import jsonschema
from jsonschema.exceptions import ValidationError


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("cloudaudit").joinpath(f"schemas/{name}").read_text("utf-8")
    return json.loads(text)


@functools.lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_problems(document: Any, schema_name: str) -> list[str]:
    """Problems of `document` against a packaged schema, as `$.path: what was expected` lines."""
    errors = _validator(schema_name).iter_errors(document)
    return problems_from_errors(errors)


def problems_from_errors(errors: Iterable[ValidationError]) -> list[str]:
    lines: list[str] = []
    for error in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        for line in _describe(error):
            if line not in lines:
                lines.append(line)
    return lines


def _describe(error: ValidationError) -> list[str]:
    where = error.json_path
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    value = error.instance

    if schema.get("x-kind") == "expression":
        operators = ", ".join(schema.get("properties", {}))
        if kind == "additionalProperties":
            extra = sorted(k for k in value if k not in schema.get("properties", {}))
            return [
                f"{where}: unknown operator {key!r} (expected one of {operators})" for key in extra
            ]
        if kind == "minProperties":
            return [f"{where}: empty expression (expected one operator: {operators})"]
        if kind == "maxProperties":
            found = ", ".join(value)
            return [f"{where}: an expression has exactly one operator, found {len(value)}: {found}"]
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed)
        hint = f" (expected one of {', '.join(allowed)})" if allowed else ""
        return [f"{where}: unexpected key {key!r}{hint}" for key in extra]
    if kind == "required":
        missing = [key for key in error.validator_value if key not in value]
        return [f"{where}: missing required key {key!r}" for key in missing]
    if kind == "type":
        return [f"{where}: expected {_type_words(error.validator_value)}, got {_show(value)}"]
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return [f"{where}: {_show(value)} is not allowed (expected one of {choices})"]
    if kind == "const":
        return [f"{where}: {_show(value)} is not supported (expected {_show(error.validator_value)})"]
    if kind == "pattern":
        expected = schema.get("x-expected", f"a string matching {error.validator_value}")
        return [f"{where}: {_show(value)} is not valid (expected {expected})"]
    if kind == "propertyNames":
        return [f"{where}: {error.message}"]
    if kind in ("minItems", "minLength", "minProperties"):
        return [f"{where}: must not be empty"]
    if kind == "uniqueItems":
        return [f"{where}: has duplicate entries"]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        return [f"{where}: {_show(value)} is out of range (expected {word} {error.validator_value})"]
    if kind == "format":
        return [f"{where}: {_show(value)} is not a valid {error.validator_value}"]
    return [f"{where}: {error.message.splitlines()[0]}"]


def _type_words(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    return " or ".join(words.get(n, n) for n in names)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
