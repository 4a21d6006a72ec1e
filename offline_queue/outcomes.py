"""How one step of one dossier can end other than in success, besides a ``GatewayError``.

The uploading side raises these; the sync engine's scheduling decides from them what waits,
for how long, and what a technician must see.
"""

from __future__ import annotations

from offline_queue.transport import GatewayError


class AlreadyCompleteError(Exception):
    """The gateway already holds this whole file (its last answer to us was lost)."""


class UploadGoneError(Exception):
    """The stored upload URL is unknown or expired at the gateway: start the file again."""


class PageUnreadableError(Exception):
    """A page file in the outbox is gone or cannot be read: that dossier cannot be sent as it
    is, like one that cannot be decrypted; it is set aside for a technician."""


class PassStoppedError(Exception):
    """Another lane failed and the pass is ending: stop between chunks, lose nothing."""


class DossierRetryError(GatewayError):
    """This dossier must wait and try again, but the link and the gateway are fine: back off
    this dossier only, with growing attempts, and carry on with the others."""
