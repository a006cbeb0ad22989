"""AWS: S3 buckets and the account (Block Public Access, root and console MFA), through boto3.

This module stays light (no boto3 import) so that the CLI can list the options of every
provider without loading any SDK; the adapter itself is in provider.py.
"""

from cloudaudit.providers.interface import OptionSpec

OPTIONS = (
    OptionSpec("profile", "--profile", "AWS profile from ~/.aws/config (default: boto3's credential chain).", envvar=None),
    OptionSpec("regions", "--region", "Only buckets in this region (repeatable; default: every region).", multiple=True),
    OptionSpec("role_arn", "--aws-role-arn", "Assume this IAM role first (an IT provider scanning a practice's account)."),
    OptionSpec("external_id", "--aws-external-id", "External id for --aws-role-arn.", secret=True),
)


def load_provider():
    from cloudaudit.providers.aws.provider import AwsProvider

    return AwsProvider
