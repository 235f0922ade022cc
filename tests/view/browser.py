"""Load a page in headless Chromium from file:// with the network off, and read it back.

The page is written as it is, with two scripts added: a hook first in ``<head>``
that records errors (uncaught exceptions, failed resource loads, console.error),
and a probe last in ``<body>`` that runs checks once the page has drawn and puts
its findings, as JSON, into ``<body data-probe>``. Chromium dumps the DOM
(``--dump-dom``) after a virtual-time budget, so no DevTools client is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

#: Install line for Debian-based CI images (the package that provides the binary).
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: No network: host names never resolve and requests go to a dead local proxy.
_FLAGS = (
    "--headless",
    "--no-sandbox",  # needed as root (CI containers)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--enable-logging=stderr",
    "--v=0",
)

HOOK = """<script>
window.__pkErrors = [];
window.addEventListener("error", function (event) {
  var target = event.target;
  window.__pkErrors.push(target && target !== window && (target.src || target.href)
    ? "load failed: " + (target.src || target.href) : "error: " + event.message);
}, true);
window.addEventListener("unhandledrejection", function (event) {
  window.__pkErrors.push("unhandled rejection: " + event.reason);
});
(function (original) {
  console.error = function () {
    window.__pkErrors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})(console.error);
</script>"""


def find_chromium() -> str | None:
    """The Chromium binary: ``$PAPERKG_CHROMIUM``, else the first known name on PATH."""
    override = os.environ.get("PAPERKG_CHROMIUM")
    if override:
        return override
    return next((path for path in map(shutil.which, _NAMES) if path), None)


@dataclass(frozen=True)
class BrowserRun:
    """What came back from one page load."""

    #: The probe's findings (``None`` if it never reported).
    probe: dict | None
    #: The body's ``data-*`` attributes set by the page.
    body: dict[str, str]
    #: Chromium's stderr (console lines are logged there too).
    stderr: str

    def uncaught(self) -> list[str]:
        """Console lines from Chromium's log that report an uncaught exception."""
        return [
            line for line in self.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line
        ]


def load(
    chromium: str, page: str, probe_js: str, folder: Path, *, budget_ms: int = 10000
) -> BrowserRun:
    """Write ``page`` plus the hook and ``probe_js`` into ``folder`` and load it."""
    head_at = page.index("<head>") + len("<head>")
    body_at = page.rindex("</body>")
    instrumented = page[:head_at] + HOOK + page[head_at:body_at] + f"<script>{probe_js}</script>"
    instrumented += page[body_at:]
    target = folder / "page.html"
    target.write_text(instrumented, encoding="utf-8")
    result = subprocess.run(
        [
            chromium,
            *_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            "--window-size=1400,900",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    body = _body_attributes(result.stdout)
    probe = json.loads(body["data-probe"]) if "data-probe" in body else None
    return BrowserRun(probe=probe, body=body, stderr=result.stderr)


def _body_attributes(dom: str) -> dict[str, str]:
    class Body(HTMLParser):
        attrs: dict[str, str] = {}

        def handle_starttag(self, tag, attrs):
            if tag == "body" and not self.attrs:
                self.attrs = {k: v or "" for k, v in attrs}

    parser = Body()
    parser.feed(dom)
    return parser.attrs
