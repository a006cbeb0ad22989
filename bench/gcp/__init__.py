"""The GCP part of the benchmark: a seeded project of buckets on gcp-storage-emulator."""
