"""The providers the benchmark can drive (Azure and GCP plug in here when their adapters land)."""

from __future__ import annotations

from typing import Callable

from bench.interface import BenchProvider


def _aws(regions_in_listing: bool) -> BenchProvider:
    from bench.aws.provider import AwsBench

    return AwsBench(regions_in_listing=regions_in_listing)


PROVIDERS: dict[str, Callable[[bool], BenchProvider]] = {"aws": _aws}
"""name -> factory(regions_in_listing) (the flag only means something to AWS)."""
