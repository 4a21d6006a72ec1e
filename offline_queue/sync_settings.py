"""The sync engine's tunables, as the sync process's composition root fills them from the
kiosk's settings; every default is what the measurements in ``benchmarks.sync`` chose."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncSettings:
    kiosk_id: str
    software_version: str = "0"
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    chunk_min: int = 16 * 1024
    chunk_max: int = 1024 * 1024
    # The first chunks, before the link has shown how often it drops: small, because the first
    # drop costs up to a chunk per lane. They grow as the link carries bytes without dropping.
    chunk_initial: int = 16 * 1024
    target_chunk_s: float = 4.0
    retention_s: float = 7 * 86_400
    heartbeat_s: float = 300.0
    reference_refresh_s: float = 6 * 3600.0
    # Requests in flight at once, each on its own connection, so that while some wait for
    # their answer another is sending. With two, both often wait at once (they share the
    # link fairly, so they tend to finish together): benchmarks.sync measured goodput 0.906
    # with two lanes, 0.939 with three, at the same resend. Chunks shrink with more lanes
    # (DROP_FRACTION in offline_queue.chunking), so a drop costs no more.
    lanes: int = 3
    # sha1 per chunk (tus checksum): a chunk is then kept whole or not at all, so every drop
    # costs the whole chunk in flight. Off by default; see offline_queue.uploading.
    chunk_checksums: bool = False
    # After a 401/403: probe with an authenticated heartbeat after 30 s, then 60 s, 120 s, …
    # up to an hour. A token is fixed by a person (re-enrolment, the gateway's operator), so
    # minutes do not matter, while an hour bounds the wait once it is fixed.
    auth_probe_base_s: float = 30.0
    auth_probe_cap_s: float = 3600.0
    # Finalize answers in a row that name the same files as missing although the kiosk sent
    # them whole. The first is explained by a gateway that lost a completion (killed inside
    # it): the files are sent again as new uploads. A second may be one more crash during that
    # resend. A third means the gateway cannot complete them; sending whole files for ever
    # would take the link from every other dossier, so the dossier waits for a technician.
    missing_files_limit: int = 3
