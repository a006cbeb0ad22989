"""bench/sdk_floor.py, on a tiny tenant: it makes every per-bucket S3 read on every bucket
(no timing is asserted)."""

from __future__ import annotations

from bench import sdk_floor


def test_the_floor_is_measured_over_every_per_bucket_read(monkeypatch):
    for name, value in {**sdk_floor.ISOLATED_ENVIRONMENT, "AWS_ENDPOINT_URL": "unset"}.items():
        monkeypatch.setenv(name, value)  # measure() points AWS_* at its server; undone after the test
    calls, seconds = sdk_floor.measure(3)
    assert "GetBucketEncryption" in sdk_floor.PER_BUCKET_READS and not {"ListBuckets", "HeadBucket"} & set(sdk_floor.PER_BUCKET_READS)
    assert calls == 3 * len(sdk_floor.PER_BUCKET_READS)
    assert seconds > 0
