"""``GET /metrics``: the gateway in Prometheus's text format, for the province's monitoring.

Two kinds of figures:
- this process's own: requests by method, route and status, and their latency. Each replica
  counts its own, and Prometheus scrapes each replica on its loopback port (``sum by (route)``
  adds them up);
- the fleet's, read from the store at each scrape, the same from every replica: uploads in
  progress, dossiers awaiting files, and per kiosk its last heartbeat, outbox depth, its oldest
  unsynced dossier, its clock's skew, the devices it reports not ready and each device's
  condition, whether its touchscreen app is running, and its link (the quality the gateway
  judges, and the figures it is judged from). ``max by (kiosk)`` takes one replica's answer.

Routes are labelled by their template (``/api/v1/uploads/{upload_id}``), never by the path
itself, so a scrape has a bounded number of series whatever the requests were. Kiosk ids are
labels; nothing personal is (dossier codes and ID numbers never appear).

The endpoint lists the fleet, so it is not public: it takes the monitoring token
(``GatewaySettings.metrics_token``) as a bearer token, and without one configured it answers 404.
The example alert rules are ``packaging/gateway/alerts.yml``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dvc_common.protocol import DeviceCondition, LinkQuality
from gateway.fleet import DEVICE_READY, KioskReport
from gateway.store import Store

METRICS_PATH = "/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Heartbeats every 30 s; the slowest request a kiosk makes is a PATCH over a rural link.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
UNMATCHED = "(unmatched)"
# A condition label is one of the protocol's; an older kiosk's free text is "other", so a scrape
# has a bounded number of series whatever kiosks send.
CONDITIONS = frozenset(condition.value for condition in DeviceCondition)
OTHER_CONDITION = "other"


def condition_label(status: str) -> str:
    return status if status in CONDITIONS else OTHER_CONDITION


class FleetCollector(Collector):
    """The fleet's figures, read from the store at each scrape."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    def collect(self) -> Iterable[Metric]:
        counts = self._store.counts()
        yield GaugeMetricFamily(
            "dvc_gateway_uploads_in_progress",
            "tus uploads not complete yet (a kiosk may resume them)",
            value=counts.uploads_in_progress,
        )
        yield GaugeMetricFamily(
            "dvc_gateway_dossiers_awaiting_files",
            "dossiers created whose files have not all arrived",
            value=counts.dossiers_awaiting_files,
        )
        yield GaugeMetricFamily(
            "dvc_gateway_kiosks_enrolled", "kiosks enrolled and enabled", value=counts.kiosks
        )
        yield from self._kiosks()

    def _kiosks(self) -> Iterator[Metric]:
        seen = GaugeMetricFamily(
            "dvc_gateway_kiosk_last_seen_timestamp_seconds",
            "when the gateway received the kiosk's last heartbeat (Unix time)", labels=["kiosk"],
        )  # fmt: skip
        queued = GaugeMetricFamily(
            "dvc_gateway_kiosk_outbox_dossiers",
            "dossiers in the kiosk's outbox at its last heartbeat, by state",
            labels=["kiosk", "state"],
        )
        oldest = GaugeMetricFamily(
            "dvc_gateway_kiosk_oldest_unsynced_timestamp_seconds",
            "when the oldest dossier still in the kiosk's outbox was queued (Unix time)",
            labels=["kiosk"],
        )
        skew = GaugeMetricFamily(
            "dvc_gateway_kiosk_clock_skew_seconds",
            "the kiosk's clock minus the gateway's, at its last heartbeat", labels=["kiosk"],
        )  # fmt: skip
        devices = GaugeMetricFamily(
            "dvc_gateway_kiosk_device_ready",
            "1 when the kiosk reported the device ready at its last heartbeat, 0 otherwise",
            labels=["kiosk", "device"],
        )
        version = GaugeMetricFamily(
            "dvc_gateway_kiosk_software_info", "the kiosk's software version (always 1)",
            labels=["kiosk", "version"],
        )  # fmt: skip
        condition = GaugeMetricFamily(
            "dvc_gateway_kiosk_device_condition",
            "1 for the condition the kiosk reported for the device at its last heartbeat "
            "(ok, paper_low, paper_out, cover_open, missing, error, unknown; other for text "
            "from an older kiosk)",
            labels=["kiosk", "device", "condition"],
        )
        app = GaugeMetricFamily(
            "dvc_gateway_kiosk_app_running",
            "1 when the kiosk's touchscreen app had reported its devices recently at its last "
            "heartbeat, 0 when it had not (not running); absent for kiosks that do not say",
            labels=["kiosk"],
        )
        quality = GaugeMetricFamily(
            "dvc_gateway_kiosk_link_quality",
            "1 for the quality the gateway judges the kiosk's link at its last heartbeat "
            "(good, weak, poor, unknown)",
            labels=["kiosk", "quality"],
        )
        signal = GaugeMetricFamily(
            "dvc_gateway_kiosk_link_signal_percent",
            "the kiosk's Wi-Fi signal at its last heartbeat (absent on a wired link)",
            labels=["kiosk"],
        )
        rtt = GaugeMetricFamily(
            "dvc_gateway_kiosk_link_rtt_seconds",
            "the median round trip of the kiosk's answered small requests over the hour before "
            "its last heartbeat",
            labels=["kiosk"],
        )
        tried = GaugeMetricFamily(
            "dvc_gateway_kiosk_link_requests",
            "requests the kiosk tried in the hour before its last heartbeat", labels=["kiosk"],
        )  # fmt: skip
        failed = GaugeMetricFamily(
            "dvc_gateway_kiosk_link_failures",
            "of them, requests that got no answer (time-out, refused, reset)", labels=["kiosk"],
        )  # fmt: skip
        # A kiosk disabled or whose token was revoked is silent on purpose: its last heartbeat
        # is not exported, or every alert on it (stale above all) would fire for ever.
        active = {
            k.kiosk_id for k in self._store.kiosks() if k.enabled and k.token_revoked_at is None
        }
        beats = (beat for beat in self._store.heartbeats() if beat.kiosk_id in active)
        for report in map(KioskReport.of, beats):
            kiosk = report.kiosk_id
            seen.add_metric([kiosk], report.received_at.timestamp())
            for state, count in report.outbox.items():
                if count is not None:
                    queued.add_metric([kiosk, state], count)
            if report.oldest_queued_at is not None:
                oldest.add_metric([kiosk], report.oldest_queued_at.timestamp())
            if report.clock_skew is not None:
                skew.add_metric([kiosk], report.clock_skew.total_seconds())
            for device, status in report.devices.items():
                devices.add_metric([kiosk, device], 1.0 if status == DEVICE_READY else 0.0)
                condition.add_metric([kiosk, device, condition_label(status)], 1.0)
            if report.software_version is not None:
                version.add_metric([kiosk, report.software_version], 1.0)
            if report.app_running is not None:
                app.add_metric([kiosk], 1.0 if report.app_running else 0.0)
            link = report.link
            judged = link.quality
            for level in LinkQuality:
                quality.add_metric([kiosk, level.value], 1.0 if level is judged else 0.0)
            if link.signal_percent is not None:
                signal.add_metric([kiosk], float(link.signal_percent))
            if link.rtt_ms is not None:
                rtt.add_metric([kiosk], link.rtt_ms / 1000)
            if link.requests is not None:
                tried.add_metric([kiosk], float(link.requests))
            if link.failures is not None:
                failed.add_metric([kiosk], float(link.failures))
        yield from (seen, queued, oldest, skew, devices, version, condition, app)
        yield from (quality, signal, rtt, tried, failed)


class GatewayMetrics:
    """This process's request counters and the fleet collector, in one registry."""

    def __init__(self, store: Store, now: Callable[[], datetime], token: str | None) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "dvc_gateway_http_requests", "requests answered, by route template and status",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "dvc_gateway_http_request_duration_seconds",
            "time from the request's start to the end of the answer, by route template",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.registry.register(FleetCollector(store, now))
        self._token = token

    async def endpoint(self, request: Request) -> Response:
        """The scrape. 404 without a monitoring token configured, 401 without the right one:
        the figures name every kiosk of the province."""
        if self._token is None:
            return Response(status_code=404)
        given = request.headers.get("authorization", "")
        expected = f"Bearer {self._token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        # The fleet's figures are read from the store (every kiosk's heartbeat): on a thread,
        # not on the event loop the kiosks' requests share.
        body = await run_in_threadpool(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE)


def route_of(app: ASGIApp, scope: Scope) -> str:
    """The template of the route that took the request, as the router left it in the scope;
    the routes are looked at again only for a request that ended before routing (a 413 from
    the body limit, a fault injected in front)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", UNMATCHED))
    return UNMATCHED


class RequestMetricsMiddleware:
    """Counts and times every HTTP request, whatever answered it (handler, middleware or the
    server's own error page). ``routes`` is the application whose router names the routes."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics, routes: ASGIApp) -> None:
        self.app = app
        self.metrics = metrics
        self.routes_of = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == METRICS_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the application raises before answering

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = route_of(self.routes_of, scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
