"""The providers the benchmark can drive."""

from __future__ import annotations

from typing import Callable

from bench.interface import BenchProvider


def _aws(regions_in_listing: bool) -> BenchProvider:
    from bench.aws.provider import AwsBench

    return AwsBench(regions_in_listing=regions_in_listing)


def _azure(regions_in_listing: bool) -> BenchProvider:
    from bench.azure.provider import AzureBench

    return AzureBench()


def _gcp(regions_in_listing: bool) -> BenchProvider:
    from bench.gcp.provider import GcpBench

    return GcpBench()


PROVIDERS: dict[str, Callable[[bool], BenchProvider]] = {"aws": _aws, "azure": _azure, "gcp": _gcp}
"""name -> factory(regions_in_listing) (the flag only means something to AWS)."""
