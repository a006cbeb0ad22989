"""No secret reaches a message: the scrubber every provider error goes through."""

from __future__ import annotations

from cloudaudit.redact import one_line, scrub


def test_azure_connection_string_and_sas():
    text = ("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net"
            " and https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&sig=abc%2Bdef%3D&se=2026-01-01")
    cleaned = scrub(text)
    assert "Eby8vdM02" not in cleaned and "abc%2Bdef" not in cleaned
    assert "AccountKey=[REDACTED]" in cleaned and "sig=[REDACTED]" in cleaned
    assert "AccountName=acct" in cleaned


def test_tokens_and_aws_keys():
    cleaned = scrub("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig AKIAABCDEFGHIJKLMNOP aws_secret_access_key=wJalrXUtnFEMI/K7MDENG")
    assert "eyJhbGci" not in cleaned and "ABCDEFGHIJKLMNOP" not in cleaned and "wJalrXUtnFEMI" not in cleaned


def test_private_key_in_a_service_account_file():
    cleaned = scrub('{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv\\n-----END PRIVATE KEY-----\\n", "client_email": "x@y"}')
    assert "MIIEv" not in cleaned and "client_email" in cleaned


def test_one_line_flattens_and_shortens():
    assert one_line("a\n  b\tc") == "a b c"
    assert len(one_line("x" * 1000)) == 300
