"""The rule language as a rule author and a user see it: operators, three-valued logic,
parameters, messages."""

from __future__ import annotations

import pytest

from cloudaudit.model import Status
from tests.support.rules import bucket, make_rule


def status_of(rule, resource):
    return rule.evaluate(resource).status


@pytest.mark.parametrize(
    "operator, value, actual, expected",
    [
        ("eq", True, True, Status.PASS),
        ("eq", True, False, Status.FAIL),
        ("ne", "AES256", "aws:kms", Status.PASS),
        ("ne", "AES256", "AES256", Status.FAIL),
        ("in", ["aws:kms", "aws:kms:dsse"], "aws:kms", Status.PASS),
        ("in", ["aws:kms", "aws:kms:dsse"], "AES256", Status.FAIL),
        ("not_in", ["AES256"], "aws:kms", Status.PASS),
        ("not_in", ["AES256"], "AES256", Status.FAIL),
        ("matches", "^aws:kms", "aws:kms:dsse", Status.PASS),
        ("matches", "^aws:kms", "AES256", Status.FAIL),
        ("matches", "^aws:kms", None, Status.FAIL),
    ],
)
def test_scalar_comparisons(operator, value, actual, expected):
    path = "encryption.at_rest" if isinstance(value, bool) else "encryption.algorithm"
    rule = make_rule(**{"assert": {operator: {"path": path, "value": value}}})
    resource = bucket({"encryption": {"at_rest": actual} if isinstance(value, bool) else {"algorithm": actual}})
    assert status_of(rule, resource) is expected


def test_true_is_not_one():
    rule = make_rule(**{"assert": {"in": {"path": "retention.days", "value": [1, 2]}}})
    assert status_of(rule, bucket({"retention": {"days": 1}})) is Status.PASS
    rule = make_rule(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}})
    assert status_of(rule, bucket({"encryption": {"at_rest": 1}})) is Status.FAIL


@pytest.mark.parametrize(
    "operator, limit, days, expected",
    [
        ("gt", 30, 30, Status.FAIL),
        ("gte", 30, 30, Status.PASS),
        ("lt", 31, 30, Status.PASS),
        ("lte", 29, 30, Status.FAIL),
        ("gte", 30, None, Status.FAIL),
    ],
)
def test_ordering(operator, limit, days, expected):
    rule = make_rule(**{"assert": {operator: {"path": "retention.days", "value": limit}}})
    assert status_of(rule, bucket({"retention": {"days": days}})) is expected


def test_contains_and_subset_of():
    contains = make_rule(**{"assert": {"contains": {"path": "location.data_regions", "value": "eu-west-3"}}})
    assert status_of(contains, bucket({"location": {"data_regions": ["eu-west-3", "eu-central-1"]}})) is Status.PASS
    assert status_of(contains, bucket({"location": {"data_regions": ["us-east-1"]}})) is Status.FAIL
    subset = make_rule(**{"assert": {"subset_of": {"path": "location.data_regions", "value": ["eu-west-3", "eu-central-1"]}}})
    assert status_of(subset, bucket({"location": {"data_regions": ["eu-west-3"]}})) is Status.PASS
    finding = subset.evaluate(bucket({"location": {"data_regions": ["eu-west-3", "us-east-1"]}}))
    assert finding.status is Status.FAIL
    assert finding.message == "location.data_regions includes 'us-east-1' (expected only 'eu-west-3', 'eu-central-1')"


def test_exists_and_absent_treat_null_as_not_set():
    exists = make_rule(**{"assert": {"exists": {"path": "encryption.key_id"}}})
    absent = make_rule(id="test.absent", **{"assert": {"absent": {"path": "encryption.key_id"}}})
    assert status_of(exists, bucket({"encryption": {"key_id": "arn:aws:kms:x"}})) is Status.PASS
    assert status_of(exists, bucket({"encryption": {"key_id": None}})) is Status.FAIL
    assert status_of(exists, bucket({})) is Status.FAIL
    assert status_of(absent, bucket({})) is Status.PASS
    unreadable = bucket(errors={"encryption.key_id": "s3:GetBucketEncryption: AccessDenied"})
    assert status_of(exists, unreadable) is Status.ERROR
    assert status_of(absent, unreadable) is Status.ERROR


class TestThreeValuedLogic:
    """A fact that could not be read is unknown; it must never turn into PASS or FAIL unless
    the rest of the expression decides on its own."""

    denied = {"transport.https_only": "s3:GetBucketPolicy: AccessDenied: Access Denied"}

    def test_unreadable_fact_is_error_naming_the_call(self):
        rule = make_rule(**{"assert": {"eq": {"path": "transport.https_only", "value": True}}})
        finding = rule.evaluate(bucket(errors=self.denied))
        assert finding.status is Status.ERROR
        assert "s3:GetBucketPolicy: AccessDenied" in finding.message

    def test_all_with_a_false_branch_fails_despite_the_unknown(self):
        rule = make_rule(**{"assert": {"all": [
            {"eq": {"path": "transport.https_only", "value": True}},
            {"eq": {"path": "encryption.at_rest", "value": True}},
        ]}})
        assert status_of(rule, bucket({"encryption": {"at_rest": False}}, errors=self.denied)) is Status.FAIL
        assert status_of(rule, bucket({"encryption": {"at_rest": True}}, errors=self.denied)) is Status.ERROR

    def test_any_with_a_true_branch_passes_despite_the_unknown(self):
        rule = make_rule(**{"assert": {"any": [
            {"eq": {"path": "transport.https_only", "value": True}},
            {"eq": {"path": "encryption.at_rest", "value": True}},
        ]}})
        assert status_of(rule, bucket({"encryption": {"at_rest": True}}, errors=self.denied)) is Status.PASS
        assert status_of(rule, bucket({"encryption": {"at_rest": False}}, errors=self.denied)) is Status.ERROR

    def test_not_keeps_unknown_unknown(self):
        rule = make_rule(**{"assert": {"not": {"eq": {"path": "transport.https_only", "value": False}}}})
        assert status_of(rule, bucket(errors=self.denied)) is Status.ERROR
        assert status_of(rule, bucket({"transport": {"https_only": True}})) is Status.PASS

    def test_missing_fact_is_error_unless_on_missing_fail(self):
        strict = make_rule(**{"assert": {"eq": {"path": "logging.access_logs", "value": True}}})
        lenient = make_rule(on_missing="fail", **{"assert": {"eq": {"path": "logging.access_logs", "value": True}}})
        assert status_of(strict, bucket({})) is Status.ERROR
        assert status_of(lenient, bucket({})) is Status.FAIL

    def test_on_missing_fail_never_hides_a_denied_read(self):
        rule = make_rule(on_missing="fail", **{"assert": {"eq": {"path": "transport.https_only", "value": True}}})
        assert status_of(rule, bucket(errors=self.denied)) is Status.ERROR

    def test_error_on_a_parent_path_covers_its_children(self):
        rule = make_rule(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}})
        assert status_of(rule, bucket(errors={"encryption": "s3:GetBucketEncryption: AccessDenied"})) is Status.ERROR


class TestQuantifiers:
    def rule(self, operator):
        return make_rule(**{"assert": {operator: {
            "path": "replication.destinations[*]",
            "where": {"in": {"path": "region", "value": ["eu-central-1", "eu-west-1"]}},
        }}})

    def resource(self, *regions):
        return bucket({"replication": {"destinations": [{"bucket": f"b{i}", "region": r} for i, r in enumerate(regions)]}})

    def test_every(self):
        assert status_of(self.rule("every"), self.resource("eu-central-1", "eu-west-1")) is Status.PASS
        finding = self.rule("every").evaluate(self.resource("eu-central-1", "us-east-1"))
        assert finding.status is Status.FAIL
        assert "replication.destinations[1]" in finding.message
        assert status_of(self.rule("every"), self.resource()) is Status.PASS

    def test_some(self):
        assert status_of(self.rule("some"), self.resource("us-east-1", "eu-west-1")) is Status.PASS
        assert status_of(self.rule("some"), self.resource("us-east-1")) is Status.FAIL
        assert status_of(self.rule("some"), self.resource()) is Status.FAIL

    def test_none(self):
        assert status_of(self.rule("none"), self.resource("us-east-1", "ap-south-1")) is Status.PASS
        assert status_of(self.rule("none"), self.resource("us-east-1", "eu-west-1")) is Status.FAIL
        assert status_of(self.rule("none"), self.resource()) is Status.PASS

    def test_element_itself_with_at(self):
        rule = make_rule(**{"assert": {"every": {"path": "location.data_regions[*]", "where": {"matches": {"path": "@", "value": "^eu-"}}}}})
        assert status_of(rule, bucket({"location": {"data_regions": ["eu-west-3"]}})) is Status.PASS
        assert status_of(rule, bucket({"location": {"data_regions": ["eu-west-3", "us-east-1"]}})) is Status.FAIL

    def test_unreadable_list(self):
        resource = bucket(errors={"replication.destinations": "s3:GetBucketReplication: AccessDenied"})
        assert status_of(self.rule("every"), resource) is Status.ERROR


def test_applies_if_gives_not_applicable_and_reads_tags():
    rule = make_rule(
        applies_if={"ne": {"path": "tags.env", "value": "sandbox"}},
        **{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}},
    )
    assert status_of(rule, bucket({"encryption": {"at_rest": False}}, tags={"env": "sandbox"})) is Status.NOT_APPLICABLE
    assert status_of(rule, bucket({"encryption": {"at_rest": False}}, tags={"env": "prod"})) is Status.FAIL
    # A tag that is not set is known to be not set: the rule applies.
    assert status_of(rule, bucket({"encryption": {"at_rest": False}})) is Status.FAIL


def test_providers_field_limits_which_resources_get_findings():
    rule = make_rule(providers=["aws"], **{"assert": {"eq": {"path": "versioning.mfa_delete", "value": True}}})
    assert rule.matches(bucket(provider="aws"))
    assert not rule.matches(bucket(provider="gcp"))


def test_parameters_bind_defaults_and_overrides():
    declaration = {"min_days": {"type": "integer", "default": 7, "minimum": 1}}
    body = {"gte": {"path": "retention.days", "value": {"param": "min_days"}}}
    default = make_rule(overrides={}, **{"params": declaration, "assert": body})
    stricter = make_rule(overrides={"min_days": 30}, **{"params": declaration, "assert": body})
    resource = bucket({"retention": {"days": 10}})
    assert status_of(default, resource) is Status.PASS
    assert status_of(stricter, resource) is Status.FAIL


def test_region_set_expands_to_every_cloud():
    rule = make_rule(
        overrides={"allowed": {"region_set": "eea"}},
        **{"params": {"allowed": {"type": "array", "items": {"type": "string"}, "default": []}},
           "assert": {"in": {"path": "location.region", "value": {"param": "allowed"}}}},
    )
    for region in ("eu-west-3", "francecentral", "europe-west9", "eu"):
        assert status_of(rule, bucket({"location": {"region": region}})) is Status.PASS, region
    for region in ("eu-west-2", "uksouth", "europe-west2", "switzerlandnorth", "us-east-1"):
        assert status_of(rule, bucket({"location": {"region": region}})) is Status.FAIL, region


class TestMessages:
    def test_auto_message_says_what_was_seen_and_expected(self):
        rule = make_rule(**{"assert": {"in": {"path": "transport.min_tls_version", "value": ["1.2", "1.3"]}}})
        finding = rule.evaluate(bucket({"transport": {"min_tls_version": "1.0"}}))
        assert finding.message == "transport.min_tls_version is '1.0' (expected one of '1.2', '1.3')"

    def test_template_fills_paths_and_why(self):
        rule = make_rule(
            message={"fail": "minimum TLS is {transport.min_tls_version}: {why}", "pass": "TLS {transport.min_tls_version}"},
            **{"assert": {"in": {"path": "transport.min_tls_version", "value": ["1.2", "1.3"]}}},
        )
        assert rule.evaluate(bucket({"transport": {"min_tls_version": "1.0"}})).message.startswith("minimum TLS is 1.0: transport.min_tls_version is '1.0'")
        assert rule.evaluate(bucket({"transport": {"min_tls_version": "1.2"}})).message == "TLS 1.2"

    def test_evidence_holds_the_values_read(self):
        rule = make_rule(**{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}})
        finding = rule.evaluate(bucket({"encryption": {"at_rest": False}}))
        assert finding.evidence == {"encryption.at_rest": False}


def test_messages_and_remediation_per_cloud():
    rule = make_rule(
        resource=["storage.bucket", "storage.account"],
        message={"fail": "not encrypted", "azure": {"fail": "storage account not encrypted"}},
        remediation={
            "text": "Turn on default encryption.",
            "aws": {"console": "S3 > bucket > Properties > Default encryption"},
            "azure": {"text": "Use a Key Vault key.", "cli": "az storage account update --encryption-key-source Microsoft.Keyvault"},
        },
        **{"assert": {"eq": {"path": "encryption.at_rest", "value": True}}},
    )
    s3 = rule.evaluate(bucket({"encryption": {"at_rest": False}}))
    azure = rule.evaluate(bucket({"encryption": {"at_rest": False}}, provider="azure", type="storage.account"))
    assert s3.message == "not encrypted"
    assert s3.remediation == "Turn on default encryption.\nConsole: S3 > bucket > Properties > Default encryption"
    assert azure.message == "storage account not encrypted"
    assert azure.remediation == "Use a Key Vault key.\nCLI: az storage account update --encryption-key-source Microsoft.Keyvault"
    documented = rule.spec.remediation.render()
    assert documented.startswith("Turn on default encryption.\nAWS:\n  Console: S3") and "AZURE:\n  Use a Key Vault key." in documented


def test_a_property_of_one_resource_type_read_behind_a_test_of_the_type():
    rule = make_rule(
        resource=["storage.bucket", "storage.account"],
        applies_if={"not": {"all": [{"eq": {"path": "type", "value": "storage.account"}}, {"eq": {"path": "account.kind", "value": "FileStorage"}}]}},
        **{"assert": {"eq": {"path": "versioning.enabled", "value": True}}},
    )
    gcs = bucket({"versioning": {"enabled": True}}, provider="gcp")
    blob_account = bucket({"versioning": {"enabled": True}, "account": {"kind": "StorageV2"}}, provider="azure", type="storage.account")
    file_account = bucket({"versioning": {"enabled": False}, "account": {"kind": "FileStorage"}}, provider="azure", type="storage.account")
    assert status_of(rule, gcs) is Status.PASS
    assert status_of(rule, blob_account) is Status.PASS
    assert status_of(rule, file_account) is Status.NOT_APPLICABLE
    assert "account.kind is 'FileStorage'" in rule.evaluate(file_account).message
