"""The AWS part of the benchmark: a seeded S3 tenant served by a moto server."""

import os

ISOLATED_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""Dummy credentials and none of the developer's AWS settings: what the tenant builder and the
scan both run with."""
