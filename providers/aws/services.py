"""Account- and region-wide reads that bucket checks depend on, each made once per scan:
KMS key facts, CloudTrail trails, AWS Backup's protected resources, GuardDuty and Macie."""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.cloudtrail import (
    Trail,
    advanced_selections,
    classic_selections,
    log_group_name,
    watches_bucket_policy_changes,
)
from cloudaudit.providers.aws.errors import describe, error_code
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.facts import ReadFailure, SharedReads


class AccountServices:
    def __init__(self, session: AwsSession):
        self._session = session
        self._shared = SharedReads()

    # -- KMS ---------------------------------------------------------------------------------

    def key_manager(self, key_id: str, region: str) -> str:
        """'provider' for an AWS-managed key, 'customer' for a customer-managed one."""
        metadata = self._shared.get(("kms-key", key_id), lambda: self._describe_key(key_id, region))
        return "provider" if metadata.get("KeyManager") == "AWS" else "customer"

    def key_rotation(self, key_id: str, region: str) -> bool:
        def ask() -> bool:
            metadata = self._describe_key(key_id, region)
            kms = self._session.client("kms", _key_region(key_id, region))
            response = read("kms:GetKeyRotationStatus", kms.get_key_rotation_status, KeyId=metadata["KeyId"])
            return bool(response.get("KeyRotationEnabled"))

        return self._shared.get(("kms-rotation", key_id), ask)

    def _describe_key(self, key_id: str, region: str) -> dict[str, Any]:
        def ask() -> dict[str, Any]:
            kms = self._session.client("kms", _key_region(key_id, region))
            return read("kms:DescribeKey", kms.describe_key, KeyId=key_id)["KeyMetadata"]

        return self._shared.get(("kms-describe", key_id), ask)

    # -- CloudTrail --------------------------------------------------------------------------

    def trails(self) -> tuple[Trail, ...]:
        return self._shared.get("trails", self._read_trails)

    def _read_trails(self) -> tuple[Trail, ...]:
        home = self._session.client("cloudtrail")
        listed = read("cloudtrail:DescribeTrails", home.describe_trails, includeShadowTrails=True)
        trails = []
        for trail in listed.get("trailList", []):
            region = trail.get("HomeRegion") or self._session.home_region
            client = self._session.client("cloudtrail", region)
            arn = trail.get("TrailARN") or trail["Name"]
            status = read("cloudtrail:GetTrailStatus", client.get_trail_status, Name=arn)
            selectors = read("cloudtrail:GetEventSelectors", client.get_event_selectors, TrailName=arn)
            selections = classic_selections(selectors.get("EventSelectors") or [])
            selections += advanced_selections(selectors.get("AdvancedEventSelectors") or [])
            log_group = trail.get("CloudWatchLogsLogGroupArn")
            trails.append(
                Trail(
                    name=trail["Name"],
                    home_region=region,
                    multi_region=bool(trail.get("IsMultiRegionTrail")),
                    logging=bool(status.get("IsLogging")),
                    bucket=trail.get("S3BucketName"),
                    selections=tuple(selections),
                    log_group=log_group_name(log_group) if log_group else None,
                )
            )
        return tuple(trails)

    def alerts_on_bucket_policy_changes(self) -> bool:
        """Does a logging multi-region trail feed a metric filter on S3 policy/ACL changes that an
        alarm with an action watches (CIS AWS 4.8)?"""

        def ask() -> bool:
            for trail in self.trails():
                if not (trail.logging and trail.multi_region and trail.log_group):
                    continue
                logs = self._session.client("logs", trail.home_region)
                cloudwatch = self._session.client("cloudwatch", trail.home_region)
                filters = read("logs:DescribeMetricFilters", logs.describe_metric_filters, logGroupName=trail.log_group)
                for metric_filter in filters.get("metricFilters", []):
                    if not watches_bucket_policy_changes(metric_filter.get("filterPattern", "")):
                        continue
                    for metric in metric_filter.get("metricTransformations", []):
                        alarms = read(
                            "cloudwatch:DescribeAlarmsForMetric",
                            cloudwatch.describe_alarms_for_metric,
                            MetricName=metric["metricName"],
                            Namespace=metric["metricNamespace"],
                        )
                        if any(alarm.get("AlarmActions") for alarm in alarms.get("MetricAlarms", [])):
                            return True
            return False

        return self._shared.get("policy-change-alerts", ask)

    # -- regional services -------------------------------------------------------------------

    def s3_vpc_endpoint(self, region: str) -> bool:
        """Is there an available VPC endpoint for S3 (gateway or interface) in this region?"""

        def ask() -> bool:
            ec2 = self._session.client("ec2", region)
            response = read(
                "ec2:DescribeVpcEndpoints",
                ec2.describe_vpc_endpoints,
                Filters=[{"Name": "service-name", "Values": [f"com.amazonaws.{region}.s3"]}],
            )
            return any(e.get("State", "").lower() == "available" for e in response.get("VpcEndpoints", []))

        return self._shared.get(("s3-vpc-endpoint", region), ask)

    def backup_protected(self, region: str) -> frozenset[str]:
        """ARNs of the resources AWS Backup has backed up in this region."""

        def ask() -> frozenset[str]:
            backup = self._session.client("backup", region)
            arns: set[str] = set()
            token = None
            while True:
                params = {"NextToken": token} if token else {}
                page = read("backup:ListProtectedResources", backup.list_protected_resources, **params)
                arns.update(r["ResourceArn"] for r in page.get("Results", []))
                token = page.get("NextToken")
                if not token:
                    return frozenset(arns)

        return self._shared.get(("backup", region), ask)

    def guardduty_s3_protection(self, region: str) -> bool:
        """Does an enabled GuardDuty detector watch S3 data events in this region?"""

        def ask() -> bool:
            guardduty = self._session.client("guardduty", region)
            detectors = read("guardduty:ListDetectors", guardduty.list_detectors).get("DetectorIds", [])
            for detector_id in detectors:
                detector = read("guardduty:GetDetector", guardduty.get_detector, DetectorId=detector_id)
                if detector.get("Status") != "ENABLED":
                    continue
                features = {f.get("Name"): f.get("Status") for f in detector.get("Features", [])}
                legacy = detector.get("DataSources", {}).get("S3Logs", {}).get("Status")
                if features.get("S3_DATA_EVENTS") == "ENABLED" or legacy == "ENABLED":
                    return True
            return False

        return self._shared.get(("guardduty", region), ask)

    def macie_enabled(self, region: str) -> bool:
        def ask() -> bool:
            macie = self._session.client("macie2", region)
            try:
                session = macie.get_macie_session()
            except botocore.exceptions.ClientError as exc:
                # Macie answers AccessDeniedException "Macie is not enabled" when it is off;
                # any other denial is a real one and must stay an error.
                message = exc.response.get("Error", {}).get("Message", "")
                if error_code(exc) == "AccessDeniedException" and "not enabled" in message.lower():
                    return False
                if error_code(exc) == "ResourceNotFoundException":  # no Macie session at all
                    return False
                raise ReadFailure(describe("macie2:GetMacieSession", exc)) from None
            except botocore.exceptions.BotoCoreError as exc:
                raise ReadFailure(describe("macie2:GetMacieSession", exc)) from None
            return session.get("status") == "ENABLED"

        return self._shared.get(("macie", region), ask)


def _key_region(key_id: str, region: str) -> str:
    return key_id.split(":")[3] if key_id.startswith("arn:") else region
