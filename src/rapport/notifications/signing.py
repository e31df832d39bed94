"""How a webhook is signed, and how a receiver checks it (documented on the endpoint page).

`X-Rapport-Signature: sha256=<hex>` is HMAC-SHA256, keyed by the endpoint's secret, over
`<X-Rapport-Timestamp>.<raw body>`; the timestamp (Unix seconds) lets a receiver refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(*, secret: str, timestamp: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)
