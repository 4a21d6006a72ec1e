"""The province's web console, served by the gateway under ``/console``, in Vietnamese: staff
sign in and see the kiosks of their units (last heartbeat, outbox, link quality, device alerts,
clock skew, the technicians' audit entries, the ones out of touch first) and the dossiers those
units received, open their pages in the browser and move them through the back office's
statuses (which the kiosks' status lookup then shows); technicians issue enrolment codes (as QR)
and badges and revoke codes and kiosk tokens; province administrators publish the catalog and
the calendar the kiosks fetch, import USB exports, run the accounts and read the audit log.

Why server-rendered pages (Jinja2 templates, HTML forms, one stylesheet, no JavaScript):

- no build chain: nothing to compile, bundle or keep patched beside the gateway; the templates
  ship in the wheel and a province's technician can read them;
- it works in whatever browser the province's office PCs have, old ones included, and with the
  strict policy ``default-src 'self'`` (no inline script, no CDN, no external font; only the
  one-time QR images are ``data:`` URLs);
- authorization happens on the server for every page and every file: the browser only ever
  receives what the account may see, and there is no API surface a script could call beyond
  the pages themselves;
- a small attack surface: GET pages and POST forms, each POST checked for the session, a
  synchronizer token, the site it comes from, and the account's role and area.

Roles and what they may do (``gateway.console.access.PERMISSIONS``); "in the area" means the
kiosk (or the dossier's kiosk) has a unit code equal to the account's prefix or under it
(``H15`` a province, ``H15.50`` a district, ``H15.50.05.13`` a commune):

=========================================  ==============  ===================  =============
action                                     province_admin  district_technician  commune_staff
=========================================  ==============  ===================  =============
list and search dossiers in the area       yes             yes                  yes
open a dossier and view its files          yes             yes                  yes
change a dossier's status (with a note)    yes             no                   yes
see the kiosks in the area ("Kiosk")       yes             yes                  yes
dossiers and kiosks without a unit         yes             no                   no
enrolment codes, kiosk tokens, badges      yes             yes                  no
import a USB export from the area          yes             yes                  no
publish the catalog and the calendar       yes             no                   no
create, reset, disable accounts in area    yes             no                   no
change one's own password                  yes             yes                  yes
read the audit log ("Nhật ký thao tác")    yes             no                   no
=========================================  ==============  ===================  =============

The first administrator is made on the server (``dvc-gateway staff add``). A dossier or kiosk
outside the account's area is answered 404, like one that does not exist; an action the role
lacks is 403 and audited. Sessions, CSRF tokens, the log-in lock-out and the security headers
are ``gateway.console.web``'s; passwords ``gateway.console.passwords``'; accounts
``gateway.console.accounts``; codes, tokens and badges ``gateway.console.credentials_pages``;
the catalog, calendar and imports ``gateway.console.publishing``; what is kept,
``gateway.console.store``.
"""

from __future__ import annotations

from pathlib import Path

from gateway.console.store import ConsoleStore
from gateway.console.store_postgres import PostgresConsoleStore
from gateway.console.store_sqlite import SqliteConsoleStore
from gateway.console.web import create_console
from gateway.database import database_url

CONSOLE_PATH = "/console"


def open_console_store(data_dir: Path) -> ConsoleStore:
    """The console's store beside the gateway's own on ``data_dir``: the PostgreSQL database
    the directory names, or the embedded SQLite file (as ``gateway.app.open_store`` decides)."""
    url = database_url(data_dir)
    if url is None:
        return SqliteConsoleStore(data_dir)
    return PostgresConsoleStore(url)


__all__ = ["CONSOLE_PATH", "ConsoleStore", "create_console", "open_console_store"]
