"""The `cloudaudit` command."""

from __future__ import annotations

import os
import sys
import traceback

import click

from cloudaudit import __version__
from cloudaudit.cli.demo_cmd import demo
from cloudaudit.cli.diff_cmd import diff_command
from cloudaudit.cli.frameworks_cmd import frameworks_group
from cloudaudit.cli.notify_cmd import notify_command
from cloudaudit.cli.rules_cmd import rules_group
from cloudaudit.cli.scan_cmd import collect_command, evaluate_command, scan
from cloudaudit.errors import CloudauditError, ExitCode

INTERNAL_ERROR = 4


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="cloudaudit")
@click.option("--debug", is_flag=True, envvar="CLOUDAUDIT_DEBUG", help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Audit the cloud storage of a medical practice: is patient data encrypted, private,
    kept in the EEA, protected against ransomware and deletion, reachable only over TLS,
    logged, and guarded by MFA? cloudaudit only ever reads; it changes nothing.

    \b
    Start here:
      cloudaudit demo                              # a practice's AWS account, offline
      cloudaudit scan --provider aws --profile P   # your own account
      cloudaudit rules list                        # what is checked

    \b
    Exit codes: 0 nothing failed at or above --fail-on; 1 checks failed (with --baseline:
    new ones; MUTED never); 2 bad input (usage, config, rules, suppressions); 3 the scan
    could not run (credentials, network) or a webhook delivery failed; 4 internal error.
    """
    ctx.obj = {"debug": debug}


cli.add_command(scan)
cli.add_command(collect_command)
cli.add_command(evaluate_command)
cli.add_command(demo)
cli.add_command(rules_group)
cli.add_command(frameworks_group)
cli.add_command(diff_command)
cli.add_command(notify_command)


def main() -> None:
    debug = os.environ.get("CLOUDAUDIT_DEBUG") == "1" or "--debug" in sys.argv[1:2]
    try:
        cli.main(prog_name="cloudaudit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except CloudauditError as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("\ninterrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(ExitCode.OK)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a dump
        if debug:
            traceback.print_exc()
        click.echo(
            f"cloudaudit: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback, and report it)",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)
