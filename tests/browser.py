"""One headless Chromium for the browser tests, driven over the DevTools protocol.

Starting Chromium and loading the 5 MB report once per look (DOM, screenshots, PDF) cost the
browser tests most of their time. Here one Chromium process serves the whole test session;
each test opens the report once in a new tab and takes every look from that one load. The
page gets the same 20 s of virtual time to run its scripts as `--virtual-time-budget=20000`
gave it on the command line."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]
VIRTUAL_TIME_MS = 20_000


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """A headless Chromium process and one DevTools connection to it."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = self._devtools_url()
        self._connection = contextlib.ExitStack()
        self.socket: ClientConnection = self._connection.enter_context(
            connect(url, max_size=None, open_timeout=60)
        )
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    def _devtools_url(self) -> str:
        assert self.process.stderr is not None
        seen = []
        for line in self.process.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1)
            seen.append(line)
        raise RuntimeError("Chromium did not start: " + "".join(seen)[-2000:])

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        message_id = next(self._ids)
        message = {"id": message_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, session: str) -> dict:
        while True:
            message = (
                self._events.pop(0) if self._events else json.loads(self.socket.recv(timeout=60))
            )
            if message.get("method") == event and message.get("sessionId") == session:
                return message.get("params", {})

    def open(self, page: Path, width: int = 1280, height: int = 2400) -> Tab:
        """A new tab showing `page` after its virtual time has run out."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, target, session)
        tab.resize(width, height)
        self.call("Page.enable", session)
        self.call("Page.navigate", session, url=page.as_uri())
        self.wait_for("Page.loadEventFired", session)
        # then the page's timers get their virtual time, as with --virtual-time-budget
        self.call(
            "Emulation.setVirtualTimePolicy",
            session,
            policy="pauseIfNetworkFetchesPending",
            budget=VIRTUAL_TIME_MS,
        )
        self.wait_for("Emulation.virtualTimeBudgetExpired", session)
        return tab

    def close(self) -> None:
        self._connection.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Tab:
    """One page in the shared Chromium."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def resize(self, width: int, height: int) -> None:
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            self.session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def dom(self) -> str:
        """The page's DOM as `chromium --dump-dom` prints it."""
        result = self.browser.call(
            "Runtime.evaluate",
            self.session,
            expression="document.documentElement.outerHTML",
            returnByValue=True,
        )["result"]
        if "value" not in result:
            raise RuntimeError(f"the page has no DOM to read: {result}")
        return result["value"]

    def screenshot(self, path: Path, width: int, height: int) -> Path:
        """A PNG of the window at this size, as `--window-size=W,H --screenshot=path`."""
        self.resize(width, height)
        data = self.browser.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self, path: Path) -> Path:
        """The printed page, as `--no-pdf-header-footer --print-to-pdf=path`."""
        data = self.browser.call(
            "Page.printToPDF", self.session, displayHeaderFooter=False, preferCSSPageSize=True
        )["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.browser.call("Target.closeTarget", targetId=self.target)
