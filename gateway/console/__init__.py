"""The province's web console, served by the gateway under ``/console``, in Vietnamese: staff
sign in and see the kiosks of their units (last heartbeat, outbox, device alerts, clock skew,
the ones out of touch first) and the dossiers those units received, open their pages in the
browser, move them through the back office's statuses (which the kiosks' status lookup then
shows), and province administrators read the console's audit log.

Why server-rendered pages (Jinja2 templates, HTML forms, one stylesheet, no JavaScript):

- no build chain: nothing to compile, bundle or keep patched beside the gateway; the templates
  ship in the wheel and a province's technician can read them;
- it works in whatever browser the province's office PCs have, old ones included, and with the
  strict policy ``default-src 'self'`` (no inline script, no CDN, no external font);
- authorization happens on the server for every page and every file: the browser only ever
  receives what the account may see, and there is no API surface a script could call beyond
  the pages themselves;
- a tiny attack surface: a handful of GET pages and three POST forms, each checked for the
  session, a synchronizer token and the account's area.

Roles and what they may do (``gateway.console.access.PERMISSIONS``); "in the area" means the
dossier's kiosk has a unit code equal to the account's prefix or under it (``H15`` a province,
``H15.50`` a district, ``H15.50.05.13`` a commune):

=======================================  ==============  ===================  =============
action                                   province_admin  district_technician  commune_staff
=======================================  ==============  ===================  =============
list and search dossiers in the area     yes             yes                  yes
open a dossier and view its files        yes             yes                  yes
change a dossier's status (with a note)  yes             no                   yes
see the kiosks in the area ("Kiosk")     yes             yes                  yes
dossiers and kiosks without a unit       yes             no                   no
read the audit log ("Nhật ký thao tác")  yes             no                   no
create, reset or disable accounts        on the server only, ``dvc-gateway staff …``
=======================================  ==============  ===================  =============

A dossier outside the account's area is answered 404, like one that does not exist; an action
the role lacks is 403 and audited. Sessions, CSRF tokens, the log-in lock-out and the security
headers are ``gateway.console.web``'s; passwords ``gateway.console.passwords``'; what is kept,
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
