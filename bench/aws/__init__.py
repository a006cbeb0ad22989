"""The AWS part of the benchmark: a seeded S3 tenant served by a moto server."""
