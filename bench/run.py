"""The scan benchmark. From a fresh clone: `make bench` (or `.venv/bin/python bench/run.py`).

For each provider and tenant size it starts an emulator holding a seeded tenant, runs
`cloudaudit scan` (the real CLI, in a child process) directly and behind a proxy that adds a
fixed latency per request, checks every finding against the tenant's known settings, and prints
one table row per scan. `--help` lists the knobs; bench/README.md has the latest figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Iterator, Mapping, Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.interface import BenchProvider, Tenant  # noqa: E402
from bench.measure import ChildRun, run_child  # noqa: E402
from bench.providers import PROVIDERS  # noqa: E402
from bench.startup import parse_importtime  # noqa: E402
from bench.table import Row, markdown  # noqa: E402
from bench.verify import verify  # noqa: E402
from tests.support.http_proxy import RecordingProxy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.provider = args.provider or sorted(PROVIDERS)
    rows: list[Row] = []
    startups: list[dict] = []
    failed = False
    for name in args.provider:
        for listing in args.listing if name == "aws" else ["-"]:  # ListBuckets' regions: an AWS matter
            provider = PROVIDERS[name](listing == "aws")
            if args.startup:
                startups.append(_startup(provider, args, listing))
            for size in args.buckets:
                tenant = provider.start(size, args.seed)
                _say(f"{name} N={size:,} listing={listing}: tenant built in {tenant.build_seconds:.1f} s ({tenant.build_calls:,} calls)")
                try:
                    for latency in args.latency_ms:
                        for selection in args.rules:
                            row = _scan(provider, tenant, size, latency, selection, listing, args)
                            rows.append(row)
                            failed |= not row.matched
                            _say(markdown([row]).splitlines()[-1])
                finally:
                    provider.stop()
    print()
    for startup in startups:
        print(_startup_line(startup))
    print()
    print(markdown(rows))
    if args.sdk_floor and "aws" in args.provider:
        _print_sdk_floor(rows)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [asdict(r) for r in rows], "startup": startups}, indent=2) + "\n")
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", action="append", choices=sorted(PROVIDERS), help="Provider to run (repeatable; default: all).")
    parser.add_argument("--buckets", "-n", type=_int_list, default=[100, 1000, 5000], help="Tenant sizes, comma-separated (default: 100,1000,5000).")
    parser.add_argument("--latency-ms", type=_float_list, default=[0.0, 25.0], help="Added latency per request, comma-separated; 0 scans the emulator directly (default: 0,25).")
    parser.add_argument("--rules", type=lambda s: s.split(","), default=["full", "encryption"], help="Rule selections: full, encryption, first-catalogue (default: full,encryption).")
    parser.add_argument("--listing", type=lambda s: s.split(","), default=["moto"], help="AWS: 'moto' (ListBuckets without regions, as moto answers) and/or 'aws' (with BucketRegion, as AWS answers).")
    parser.add_argument("--workers", type=int, help="Pass --workers to the scan (default: the scan's own default).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--proxy-always", action="store_true", help="Go through the proxy at 0 ms latency too (to see its own cost).")
    parser.add_argument("--no-startup", dest="startup", action="store_false", help="Skip the empty-account start-up measurement.")
    parser.add_argument("--no-sdk-floor", dest="sdk_floor", action="store_false", help="Skip bench/sdk_floor.py (what an S3 read costs in boto3 alone).")
    parser.add_argument("--json", metavar="PATH", help="Also write every figure to this JSON file.")
    parser.set_defaults(provider=None)
    return parser


def _print_sdk_floor(rows: Sequence[Row]) -> None:
    """bench/sdk_floor.py in a child process, priced at the largest full AWS scan's calls per bucket."""
    full = [r for r in rows if r.provider == "aws" and r.selection == "full"]
    largest = max(full, key=lambda r: r.size, default=None)
    per_bucket = largest.api_calls / largest.size if largest else 9.9
    print()
    subprocess.run([sys.executable, str(REPO / "bench" / "sdk_floor.py"), "--calls-per-bucket", f"{per_bucket:.2f}"], check=False)


def _int_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def _float_list(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


def _scan(provider: BenchProvider, tenant: Tenant, size: int, latency: float, selection: str, listing: str, args: argparse.Namespace) -> Row:
    with _endpoints(tenant.upstreams, latency, args.proxy_always) as (urls, proxies):
        with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
            findings_path = Path(scratch) / "findings.json"
            command = [sys.executable, "-m", "cloudaudit", "scan", *provider.scan_options(urls),
                       *provider.selections[selection], "--format", "json", "-o", str(findings_path), "--fail-on", "none"]
            if args.workers:
                command += ["--workers", str(args.workers)]
            run = run_child(command, _environment(provider, urls))
            document = _document(run, findings_path)
    verdict = verify(document, tenant.expected, _selected_rules(provider.selections[selection]))
    for line in verdict.wrong[:10]:
        _say(f"  mismatch: {line}")
    calls = sum(document["scan"]["api_calls"].values())
    return Row(
        provider=provider.name, size=size, latency_ms=latency, selection=selection, listing=listing,
        wall_seconds=run.wall_seconds, cpu_seconds=run.cpu_seconds, rss_mb=run.peak_rss_mb,
        api_calls=calls, wire_requests=sum(len(p.requests) for p in proxies) if proxies else None,
        peak_in_flight=max(p.peak_in_flight for p in proxies) if proxies else None,
        findings=len(document["findings"]), matched=verdict.matched and bool(verdict.checked),
        exit_code=run.returncode, workers=args.workers, calls_by_operation=dict(document["scan"]["api_calls"]),
    )


def _selected_rules(options: Sequence[str]) -> set[str] | None:
    """The rule ids a selection's `--rule` options name (None: no --rule, every rule runs)."""
    rules = {options[i + 1] for i, option in enumerate(options[:-1]) if option == "--rule"}
    return rules or None


@contextlib.contextmanager
def _endpoints(upstreams: Mapping[str, int], latency_ms: float, proxy_always: bool) -> Iterator[tuple[dict[str, str], list[RecordingProxy]]]:
    """The URL of each upstream: the emulator itself, or a latency proxy in front of it."""
    if not latency_ms and not proxy_always:
        yield {name: f"http://127.0.0.1:{port}" for name, port in upstreams.items()}, []
        return
    proxies = {name: RecordingProxy(port, latency=latency_ms / 1000).start() for name, port in upstreams.items()}
    try:
        yield {name: proxy.url for name, proxy in proxies.items()}, list(proxies.values())
    finally:
        for proxy in proxies.values():
            proxy.stop()


def _environment(provider: BenchProvider, urls: Mapping[str, str]) -> dict[str, str]:
    """The benchmark's own environment without any cloud settings, plus the provider's."""
    cloud_prefixes = ("AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "STORAGE_EMULATOR_HOST")
    base = {k: v for k, v in os.environ.items() if not k.startswith(cloud_prefixes)}
    base["PYTHONPATH"] = str(REPO)
    return {**base, **provider.scan_environment(urls)}


def _document(run: ChildRun, path: Path) -> dict:
    if run.returncode not in (0, 1) or not path.exists():
        raise SystemExit(f"the scan failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    return json.loads(path.read_text())


def _startup(provider: BenchProvider, args: argparse.Namespace, listing: str) -> dict:
    """Scan an empty account a few times (the start-up cost), and once under -X importtime."""
    tenant = provider.start(0, args.seed)
    try:
        urls = {name: f"http://127.0.0.1:{port}" for name, port in tenant.upstreams.items()}
        env = _environment(provider, urls)
        command = ["-m", "cloudaudit", "scan", *provider.scan_options(urls), "--format", "json", "--fail-on", "none"]
        walls = [run_child([sys.executable, *command], env).wall_seconds for _ in range(5)]
        traced = run_child([sys.executable, "-X", "importtime", *command], env)
    finally:
        provider.stop()
    profile = parse_importtime(traced.stderr)
    return {
        "provider": provider.name,
        "listing": listing,
        "empty_scan_seconds_median": statistics.median(walls),
        "empty_scan_seconds_min": min(walls),
        "import_ms": profile.total_ms,
        "heaviest_imports_ms": dict(profile.heaviest),
        "foreign_sdks_loaded": profile.foreign(provider.name),
    }


def _startup_line(startup: Mapping) -> str:
    heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in startup["heaviest_imports_ms"].items())
    foreign = ", ".join(startup["foreign_sdks_loaded"]) or "none"
    return (
        f"{startup['provider']} start-up: empty-account scan {startup['empty_scan_seconds_median']:.2f} s median "
        f"({startup['empty_scan_seconds_min']:.2f} s min); imports {startup['import_ms']:.0f} ms ({heavy}); "
        f"other clouds' SDKs loaded: {foreign}"
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
