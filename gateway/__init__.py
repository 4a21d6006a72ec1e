"""The reference public-service gateway: the server side of docs/gateway-protocol.md.

It stands in for the provincial system in development and tests: dossiers with idempotent
creation, tus uploads, official codes, status lookups, reference data, identity checks and
one-time codes, with switchable faults so the kiosk's sync engine can be tested against a
misbehaving peer. Nothing here starts a thread or opens a file at import.
"""

GATEWAY_VERSION = "0.1.0"

__all__ = ["GATEWAY_VERSION"]
