"""Webhook delivery of new failing findings, for ticket systems and chat.

Delivery is at-least-once on the wire and exactly-once in effect: every request carries an
`Idempotency-Key` header (the finding's fingerprint, or a hash of a batch's fingerprints) that
stays the same across retries, and a state file records what the receiver accepted, so a
re-run sends only what was not delivered yet. Nothing is dropped silently: what could not be
delivered is reported, and the command exits non-zero.
"""
