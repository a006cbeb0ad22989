"""What the commands share: reading options into a run, and writing reports."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import click

from cloudaudit.atomic import StagedFile
from cloudaudit.cli.options import output_option_key
from cloudaudit.config import Config, TenantConfig, load_config
from cloudaudit.engine.ruleset import ParamOverrides, Selection, SeverityOverrides
from cloudaudit.errors import InputError
from cloudaudit.frameworks import Framework, get_framework
from cloudaudit.model import Severity
from cloudaudit.outputs import FORMATS, RenderOptions, get_format
from cloudaudit.providers import provider_names, provider_options
from cloudaudit.report import Report
from cloudaudit.scan import RuleBook, Target, prepare_rules
from cloudaudit.standards import Standard, get_standard, layered


def tenant_from(options: Mapping[str, Any]) -> TenantConfig | None:
    if not options.get("config_path"):
        if options.get("tenant"):
            raise InputError("--tenant: needs --config (the file that lists the tenants)")
        return None
    config: Config = load_config(options["config_path"])
    return config.tenant(options.get("tenant"))


def selection_from(options: Mapping[str, Any], tenant: TenantConfig | None) -> Selection:
    cli = Selection(
        include=tuple(options.get("include") or ()),
        exclude=tuple(options.get("exclude") or ()),
        min_severity=Severity(options["min_severity"]) if options.get("min_severity") else None,
        categories=tuple(options.get("categories") or ()),
    )
    return tenant.selection.merged(cli) if tenant else cli


@dataclass(frozen=True)
class RunRules:
    """The rules of a run with what chose them: the standard and the frameworks reported on."""

    book: RuleBook
    standard: Standard | None
    frameworks: tuple[Framework, ...]


def rules_for_run(options: Mapping[str, Any], tenant: TenantConfig | None) -> RunRules:
    """Rule defaults < the standard < the config (defaults, then tenant) < the command line."""
    standard = None
    if options.get("standard"):
        standard = get_standard(options["standard"])
    elif tenant and tenant.standard:
        standard = get_standard(tenant.standard, where=tenant.standard_where)
    frameworks = tuple(get_framework(name) for name in options.get("frameworks") or ())
    selection = selection_from(options, tenant)
    if standard:
        selection = standard.selection.merged(selection)
    if frameworks:
        mapped = tuple(dict.fromkeys(rule for f in frameworks for rule in f.rule_ids))
        selection = selection.merged(Selection(within=mapped))
    overrides = layered(standard.params if standard else ParamOverrides(), tenant.params if tenant else ParamOverrides())
    severities = SeverityOverrides(standard.severity, standard.source) if standard else SeverityOverrides()
    book = prepare_rules(tuple(options.get("rules_dirs") or ()), selection, overrides, severities)
    return RunRules(book, standard, frameworks)


def targets_from(options: Mapping[str, Any], tenant: TenantConfig | None) -> list[Target]:
    """The accounts to read: --provider with its options, merged over the config's accounts."""
    cli_settings = {name: _cli_settings(name, options) for name in provider_names()}
    env_keys = {name: {k for k in settings if _from_environment(f"{name}__{k}")} for name, settings in cli_settings.items()}
    chosen = list(options.get("providers") or ())
    if not chosen:
        configured = [a.provider for a in tenant.accounts] if tenant else []
        # A variable in the environment (AZURE_STORAGE_CONNECTION_STRING...) names no cloud to scan.
        implied = [name for name, settings in cli_settings.items() if set(settings) - env_keys[name]]
        chosen = list(dict.fromkeys(configured + implied))
    if not chosen:
        raise InputError(
            "no cloud to scan: name one with --provider (aws, azure, gcp) or list accounts in --config"
        )
    targets = []
    for name in chosen:
        accounts = [a for a in tenant.accounts if a.provider == name] if tenant else []
        if accounts:
            # Precedence: the command line, then the config file, then the environment.
            from_env = {k: v for k, v in cli_settings[name].items() if k in env_keys[name]}
            given = {k: v for k, v in cli_settings[name].items() if k not in env_keys[name]}
            targets.extend(Target(name, {**from_env, **a.settings, **given}) for a in accounts)
        else:
            targets.append(Target(name, cli_settings[name]))
    return targets


def _from_environment(parameter: str) -> bool:
    context = click.get_current_context(silent=True)
    return context is not None and context.get_parameter_source(parameter) is click.core.ParameterSource.ENVIRONMENT


def _cli_settings(provider: str, options: Mapping[str, Any]) -> dict[str, Any]:
    settings = {}
    for spec in provider_options(provider):
        value = options.get(f"{provider}__{spec.key}")
        if value not in (None, (), []):
            settings[spec.key] = list(value) if spec.multiple else value
    return settings


@dataclass(frozen=True)
class OutputTarget:
    format_name: str
    path: str | None
    """None means stdout."""
    given: str = "stdout"
    """How it was asked for, e.g. '--output-json out.json', for messages."""


_FORMAT_LIKE = re.compile(r"^[a-z][a-z0-9_-]+$")
"""What a FORMAT of -o FORMAT:PATH looks like (a one-letter prefix is a Windows drive)."""


def output_targets_from(options: Mapping[str, Any], stdout_is_terminal: bool) -> list[OutputTarget]:
    """The report destinations of a command's options (see cli/options.report_destinations)."""
    per_format = {name: options.get(output_option_key(name)) for name in FORMATS}
    return output_targets(options.get("format_name"), options.get("outputs") or (), stdout_is_terminal, per_format)


def output_targets(
    format_name: str | None,
    outputs: Sequence[str],
    stdout_is_terminal: bool,
    per_format: Mapping[str, str | None] | None = None,
) -> list[OutputTarget]:
    """Where each report goes. `-o PATH` sends the main format to PATH instead of stdout;
    `-o FORMAT:PATH` and `--output-FORMAT PATH` add a file in another format. Raises InputError,
    before anything runs, for an unknown format, a path given twice or a folder that is missing."""
    plain: list[str] = []
    extra: list[OutputTarget] = []
    for value in outputs:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in FORMATS and rest:
            extra.append(OutputTarget(prefix, rest, f"--output {value}"))
        elif sep and _FORMAT_LIKE.match(prefix):
            if prefix in FORMATS or not rest:
                raise InputError(f"--output {value}: expected FORMAT:PATH with a path after the colon")
            raise InputError(
                f"--output {value}: unknown format {prefix!r} (known: {', '.join(sorted(FORMATS))}); "
                f"for a file name with a colon, write ./{value}"
            )
        elif not value:
            raise InputError("--output: the path is empty")
        else:
            plain.append(value)
    for name, path in sorted((per_format or {}).items()):
        if path is None:
            continue
        if not path:
            raise InputError(f"--output-{name}: the path is empty")
        extra.append(OutputTarget(name, path, f"--output-{name} {path}"))
    if len(plain) > 1:
        raise InputError(
            f"--output: {len(plain)} paths for one format ({', '.join(plain)}); use FORMAT:PATH for the others"
        )
    main = format_name
    if main is None and plain:
        main = _format_for_extension(plain[0])
    if main is None:
        main = "table" if stdout_is_terminal else "json"
    primary = OutputTarget(main, plain[0], f"--output {plain[0]}") if plain else OutputTarget(main, None)
    targets = [primary] + extra
    _check_destinations(targets)
    return targets


def _format_for_extension(path: str) -> str | None:
    for name, cls in FORMATS.items():
        if path.lower().endswith("." + cls.extension):
            return name
    return None


def _check_destinations(targets: Sequence[OutputTarget]) -> None:
    """Each file once, in a folder that exists: found now, not after a ten-minute scan."""
    problems: list[str] = []
    seen: dict[str, OutputTarget] = {}
    for target in targets:
        if target.path is None:
            continue
        key = os.path.realpath(target.path)
        if key in seen:
            problems.append(f"{target.given}: the same file as {seen[key].given}; give each report its own file")
            continue
        seen[key] = target
        folder = os.path.dirname(os.path.abspath(target.path))
        if os.path.isdir(target.path):
            problems.append(f"{target.given}: {target.path} is a folder, expected a file path")
        elif not os.path.isdir(folder):
            problems.append(f"{target.given}: folder {folder} does not exist")
    if problems:
        raise InputError(problems)


def write_reports(report: Report, targets: Sequence[OutputTarget], show_passed: bool) -> None:
    """Render every report first, then print the one for stdout and put the files in place,
    each atomically: a file that cannot be written keeps its old content, and the others are
    still written. Files are rendered straight into their temporary files, so that a large
    report is never held in memory whole. Raises InputError listing the files not written."""
    stdout_terminal = sys.stdout.isatty()
    rendered: list[tuple[OutputTarget, str | StagedFile | OSError]] = []
    try:
        for target in targets:
            color = target.path is None and stdout_terminal
            options = RenderOptions(show_passed=show_passed, color=color, width=_width())
            output = get_format(target.format_name, options)
            if target.path is None:
                rendered.append((target, output.render(report)))
                continue
            try:
                rendered.append((target, StagedFile(target.path, lambda handle: output.write(report, handle))))
            except OSError as exc:
                rendered.append((target, exc))
    except BaseException:
        for _, staged in rendered:
            if isinstance(staged, StagedFile):
                staged.discard()
        raise
    failures: list[str] = []
    for target, outcome in rendered:
        if isinstance(outcome, str):
            click.echo(outcome, nl=False)
            continue
        try:
            if isinstance(outcome, OSError):
                raise outcome
            outcome.commit()
        except OSError as exc:
            failures.append(f"{target.given}: cannot write ({exc.strerror or exc}); the file is unchanged")
            continue
        click.echo(f"wrote {target.path} ({target.format_name}, {len(report.findings)} findings)", err=True)
    if failures:
        raise InputError(failures)


def _width() -> int:
    import shutil

    return max(80, min(120, shutil.get_terminal_size((100, 24)).columns))


def fail_on_from(value: str) -> Severity | None:
    return None if value == "none" else Severity(value)
