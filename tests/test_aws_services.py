"""Account- and region-wide facts: CloudTrail data events, AWS Backup, GuardDuty, Macie, KMS
rotation, cross-account grants, VPC-only policies, root hardware MFA and access key age."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest

from cloudaudit.demo import moto_gaps
from cloudaudit.providers.aws.cloudtrail import Trail, advanced_selections, classic_selections, object_events_logged
from cloudaudit.providers.aws.s3_policy import foreign_accounts, restricted_to_private_network
from tests.support.aws import account_resource, answer, by_name, collect, create_bucket, deny

ACCOUNT = "123456789012"


class TestTrailSelectors:
    def trail(self, selections, multi_region=True, logging=True, home="eu-west-3"):
        return Trail("t", home, multi_region, logging, "logs", tuple(selections))

    def test_classic_all_buckets_read_and_write(self):
        selections = classic_selections([{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
        assert object_events_logged([self.trail(selections)], "records", "us-east-1")

    def test_classic_write_only_is_not_enough_but_two_selectors_are(self):
        write = classic_selections([{"ReadWriteType": "WriteOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::records/"]}]}])
        read = classic_selections([{"ReadWriteType": "ReadOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::"]}]}])
        assert not object_events_logged([self.trail(write)], "records", "eu-west-3")
        assert object_events_logged([self.trail(write), self.trail(read)], "records", "eu-west-3")

    def test_a_prefix_does_not_cover_the_bucket(self):
        selections = classic_selections([{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::records/scans/"]}]}])
        assert not object_events_logged([self.trail(selections)], "records", "eu-west-3")

    def test_single_region_trail_and_stopped_trail(self):
        selections = classic_selections([{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
        single = self.trail(selections, multi_region=False, home="eu-west-3")
        assert object_events_logged([single], "records", "eu-west-3")
        assert not object_events_logged([single], "records", "eu-central-1")
        assert not object_events_logged([self.trail(selections, logging=False)], "records", "eu-west-3")

    def test_advanced_selectors(self):
        both = advanced_selections([{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        ]}])
        reads = advanced_selections([{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "readOnly", "Equals": ["true"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::records/"]},
        ]}])
        excluding = advanced_selections([{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::records/"]},
        ]}])
        assert object_events_logged([self.trail(both)], "records", "eu-west-3")
        assert not object_events_logged([self.trail(reads)], "records", "eu-west-3")
        assert not object_events_logged([self.trail(excluding)], "records", "eu-west-3")
        assert object_events_logged([self.trail(excluding)], "other", "eu-west-3")


class TestPolicyGrants:
    def policy(self, *statements):
        return {"Version": "2012-10-17", "Statement": list(statements)}

    def test_foreign_accounts_in_every_principal_spelling(self):
        document = self.policy(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": ["777788889999", f"arn:aws:iam::{ACCOUNT}:role/app"]}, "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:*", "Resource": "*"},
        )
        assert foreign_accounts(document, ACCOUNT) == ["444455556666", "777788889999"]

    def test_vpc_endpoint_only(self):
        deny_outside = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
        assert restricted_to_private_network(self.policy(deny_outside), "b")
        allow_only = dict(deny_outside, Effect="Allow")
        assert not restricted_to_private_network(self.policy(allow_only), "b")
        assert not restricted_to_private_network(self.policy(), "b")


@pytest.mark.usefixtures("mocked_aws")
class TestRegionalServices:
    def test_backup_guardduty_and_macie_are_read_once_per_region(self):
        for name in ("paris-a", "paris-b"):
            create_bucket(name, "eu-west-3")
        moto_gaps.protect_with_backup(ACCOUNT, "eu-west-3", "arn:aws:s3:::paris-a")
        boto3.client("guardduty", region_name="eu-west-3").create_detector(Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}])
        boto3.client("macie2", region_name="eu-west-3").disable_macie()
        result = collect()
        buckets = by_name(result)
        assert buckets["paris-a"].properties["backup"] == {"protected": True}
        assert buckets["paris-b"].properties["backup"] == {"protected": False}
        assert buckets["paris-b"].properties["threat_detection"] == {"enabled": True}
        assert buckets["paris-b"].properties["data_discovery"] == {"enabled": False}
        for call in ("backup:ListProtectedResources", "guardduty:ListDetectors", "macie2:GetMacieSession", "cloudtrail:DescribeTrails"):
            assert result.api_calls[call] == 1, call

    def test_detector_without_s3_protection(self):
        create_bucket("paris-a", "eu-west-3")
        boto3.client("guardduty", region_name="eu-west-3").create_detector(Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "DISABLED"}])
        assert by_name(collect())["paris-a"].properties["threat_detection"] == {"enabled": False}

    def test_a_real_macie_denial_stays_an_error(self, monkeypatch):
        create_bucket("paris-a", "eu-west-3")
        deny(monkeypatch, ["macie2.GetMacieSession"], code="AccessDeniedException")
        bucket = by_name(collect())["paris-a"]
        assert bucket.errors["data_discovery.enabled"] == "macie2:GetMacieSession: AccessDeniedException"

    def test_macie_not_enabled_answer_means_off(self, monkeypatch):
        create_bucket("paris-a", "eu-west-3")
        deny(monkeypatch, ["macie2.GetMacieSession"], code="AccessDeniedException", status=401, message="Macie is not enabled.")
        assert by_name(collect())["paris-a"].properties["data_discovery"] == {"enabled": False}

    def test_trail_denied_gives_errors_for_audit_facts_only(self, monkeypatch):
        create_bucket("paris-a", "eu-west-3")
        deny(monkeypatch, ["cloudtrail.DescribeTrails"])
        bucket = by_name(collect())["paris-a"]
        assert bucket.errors["logging.object_audit"].startswith("cloudtrail:DescribeTrails: AccessDenied")
        assert bucket.errors["logging.audit_log_bucket"].startswith("cloudtrail:DescribeTrails: AccessDenied")
        assert bucket.properties["logging"]["access_logs"] is False

    def test_cross_account_grant_read_from_the_policy(self):
        client = create_bucket("shared")
        client.put_bucket_policy(Bucket="shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}))
        assert by_name(collect())["shared"].properties["public_access"]["foreign_accounts"] == ["444455556666"]


@pytest.mark.usefixtures("mocked_aws")
class TestAccountIdentity:
    def test_old_active_access_keys_are_reported_with_their_age(self):
        from moto.iam.models import iam_backends

        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="scanner-pc")
        key_id = iam.create_access_key(UserName="scanner-pc")["AccessKey"]["AccessKeyId"]
        iam.create_user(UserName="no-keys")
        user = iam_backends[ACCOUNT]["aws"].get_user("scanner-pc")
        (key,) = [k for k in user.access_keys if k.access_key_id == key_id]
        key.create_date = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
        keys = account_resource(collect()).properties["identity"]["access_keys"]
        assert keys == [{"user": "scanner-pc", "active": True, "age_days": 400}]

    def test_root_with_a_virtual_device_has_no_hardware_mfa(self, monkeypatch):
        moto_gaps.enable_root_mfa(ACCOUNT)
        answer(monkeypatch, "iam.ListVirtualMFADevices", {"VirtualMFADevices": [
            {"SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device", "User": {"Arn": f"arn:aws:iam::{ACCOUNT}:root"}}]})
        assert account_resource(collect()).properties["identity"]["root_hardware_mfa"] is False

    def test_root_with_mfa_and_no_virtual_device_has_hardware_mfa(self):
        moto_gaps.enable_root_mfa(ACCOUNT)
        assert account_resource(collect()).properties["identity"]["root_hardware_mfa"] is True


@pytest.mark.usefixtures("mocked_aws")
class TestAlertsAndEndpoints:
    def test_bucket_policy_change_alarm_on_the_trail_log_group(self):
        create_bucket("trail-logs", "eu-west-3")
        logs = boto3.client("logs", region_name="eu-west-3")
        logs.create_log_group(logGroupName="trail")
        group_arn = f"arn:aws:logs:eu-west-3:{ACCOUNT}:log-group:trail:*"
        role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="trail-to-logs", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        cloudtrail = boto3.client("cloudtrail", region_name="eu-west-3")
        cloudtrail.create_trail(Name="audit", S3BucketName="trail-logs", IsMultiRegionTrail=True,
                                CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn=role)
        cloudtrail.start_logging(Name="audit")
        assert account_resource(collect()).properties["logging"] == {"policy_change_alerts": False}

        logs.put_metric_filter(
            logGroupName="trail", filterName="s3-policy",
            filterPattern="{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = DeleteBucketPolicy)) }",
            metricTransformations=[{"metricName": "S3PolicyChanges", "metricNamespace": "CIS", "metricValue": "1"}],
        )
        cloudwatch = boto3.client("cloudwatch", region_name="eu-west-3")
        alarm = dict(AlarmName="s3-policy", MetricName="S3PolicyChanges", Namespace="CIS", Statistic="Sum", Period=300,
                     EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
        cloudwatch.put_metric_alarm(**alarm)
        assert account_resource(collect()).properties["logging"] == {"policy_change_alerts": False}, "an alarm nobody hears"
        topic = boto3.client("sns", region_name="eu-west-3").create_topic(Name="security")["TopicArn"]
        cloudwatch.put_metric_alarm(**alarm, AlarmActions=[topic])
        assert account_resource(collect()).properties["logging"] == {"policy_change_alerts": True}

    def test_s3_vpc_endpoint_per_region(self):
        create_bucket("paris-bucket", "eu-west-3")
        create_bucket("frankfurt-bucket", "eu-central-1")
        ec2 = boto3.client("ec2", region_name="eu-west-3")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.eu-west-3.s3", VpcEndpointType="Gateway")
        result = collect()
        buckets = by_name(result)
        assert buckets["paris-bucket"].properties["network"]["private_endpoint_approved"] is True
        assert buckets["frankfurt-bucket"].properties["network"]["private_endpoint_approved"] is False
        assert result.api_calls["ec2:DescribeVpcEndpoints"] == 2
