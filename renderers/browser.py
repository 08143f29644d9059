"""Finding a Chromium to drive, and launching it locked down.

The browser is looked up in a fixed order so a run says which one it used and why: an explicit
setting (recipe `renderers.chromium.executable` or a CLI flag), then the RENDER_FACTORY_CHROMIUM
environment variable, then Playwright's own managed download, then a system install. A path
the user named that does not exist is an error, never a silent fall-through to another browser.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from factory.errors import FactoryError

log = logging.getLogger(__name__)

ENV_VAR = "RENDER_FACTORY_CHROMIUM"
SYSTEM_PATHS = ("/usr/bin/chromium",)
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install one with 'apt-get install -y chromium' (Debian/Ubuntu) or "
    "'python -m playwright install chromium', or point "
    f"{ENV_VAR} / renderers.chromium.executable at its executable"
)

# Chromium switches for a reproducible, silent, offline renderer. Playwright adds several of
# these itself; they are repeated here so the policy does not depend on Playwright's defaults.
LAUNCH_ARGS = (
    "--disable-background-networking",  # no update checks, metrics or prefetch of its own
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",  # software raster: the same pixels on every machine with the same fonts
    "--disable-quic",
    # Asks for unhinted glyphs whatever the host's fontconfig says (this one says "slight").
    # Measured with Chromium 156 headless: byte-identical screenshots with and without it, and
    # deterministic either way; kept so hosts with stronger hinting configs cannot differ.
    "--font-render-hinting=none",
    "--hide-scrollbars",
    # Defence in depth behind the request router: a request that slips past it (preconnect,
    # DNS prefetch, a WebSocket) cannot resolve a name nor reach a host.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


@dataclass(frozen=True)
class BrowserLocation:
    """A Chromium executable and where the setting for it came from."""

    path: str
    origin: str  # "setting", "env", "playwright" or "system"

    def describe(self) -> str:
        return f"{self.path} (from {self.origin})"


_local = threading.local()


def acquire_playwright() -> Any:
    """This thread's sync Playwright driver, started on first use; pair with release_playwright.

    Playwright's sync API allows one running instance per thread, so renderers (and lookups)
    in one thread share it, each with its own browser.
    """
    state = getattr(_local, "state", None)
    if state is not None and state[2] != os.getpid():
        state = None  # inherited through fork: the driver's pipes belong to the parent
    if state is None:
        from playwright.sync_api import sync_playwright

        with _driver_in_own_session():
            state = _local.state = [sync_playwright().start(), 0, os.getpid()]
    state[1] += 1
    return state[0]


@contextmanager
def _driver_in_own_session() -> Iterator[None]:
    """Start Playwright's driver in a session of its own.

    Ctrl-C at a terminal signals the whole foreground process group: the driver heard it too and
    closed the browser, so a run that was stopping cleanly after its current sample failed with
    "Chromium failed to start" instead. Out of the group, only this process hears Ctrl-C and
    closes the browser itself; the driver still ends when this process dies (its pipe closes).
    Playwright starts the driver with asyncio.create_subprocess_exec and no way to pass
    start_new_session, so the call is wrapped while the driver starts (if Playwright ever starts
    it otherwise, the wrapper is simply not used).
    """
    original = asyncio.create_subprocess_exec

    async def in_own_session(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("start_new_session", True)
        return await original(*args, **kwargs)

    asyncio.create_subprocess_exec = in_own_session  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.create_subprocess_exec = original  # type: ignore[assignment]


def release_playwright() -> None:
    state = getattr(_local, "state", None)
    if state is None or state[2] != os.getpid():
        return
    state[1] -= 1
    if state[1] <= 0:
        _local.state = None
        state[0].stop()


def _usable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _named(path: str, origin: str, where: str) -> BrowserLocation:
    """A path the user asked for: it must work, there is no fallback."""
    expanded = os.path.expanduser(path)
    if not _usable(expanded):
        raise FactoryError(
            f"Chromium executable '{path}' given by {where} does not exist or is not executable; "
            f"fix the path, or unset it and {INSTALL_HINT}"
        )
    return BrowserLocation(expanded, origin)


def _playwright_managed(playwright: Any | None) -> str | None:
    """The executable `playwright install chromium` would have put in place, if it is there."""
    if playwright is not None:
        path = playwright.chromium.executable_path
    else:
        driver = acquire_playwright()
        try:
            path = driver.chromium.executable_path
        finally:
            release_playwright()
    return path if path and _usable(path) else None


def system_browser() -> str | None:
    """A Chromium installed by the system's package manager, if there is one."""
    for path in SYSTEM_PATHS:
        if _usable(path):
            return path
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_browser(explicit: str | None = None, playwright: Any | None = None, system_first: bool = False) -> BrowserLocation:
    """Where the Chromium to launch is. `playwright`, when given, is a started sync Playwright.

    `system_first` (for checks that only need to know some browser exists) looks at the system
    before starting Playwright's driver to ask for its own.
    """
    if explicit:
        return _named(explicit, "setting", "renderers.chromium.executable (or --browser)")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _named(from_env, "env", f"the {ENV_VAR} environment variable")
    system = system_browser()
    if system_first and system:
        return BrowserLocation(system, "system")
    managed = _playwright_managed(playwright)
    if managed:
        return BrowserLocation(managed, "playwright")
    if system:
        return BrowserLocation(system, "system")
    raise FactoryError(f"no Chromium browser found: {INSTALL_HINT}")


def executable_version(path: str) -> str:
    """The browser's version from `<exe> --version`, without launching a page ("" if unknown)."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("could not read the version of %s: %s", path, exc)
        return ""
    match = re.search(r"\b(\d+\.\d+\.\d+\.\d+)\b", out)
    return match.group(1) if match else ""


def launch(playwright: Any, location: BrowserLocation, timeout_ms: float) -> Any:
    """Launch the browser; a browser that will not start is a one-line FactoryError.

    As root Chromium refuses its sandbox, so it runs without one (the page content is
    generated by the factory, and every request is refused). As another user the sandbox is
    kept when the kernel allows it.
    """
    from playwright.sync_api import Error as PlaywrightError

    sandbox = hasattr(os, "geteuid") and os.geteuid() != 0
    args = list(LAUNCH_ARGS) + ([] if sandbox else ["--no-sandbox"])
    try:
        return playwright.chromium.launch(
            executable_path=location.path, args=args, chromium_sandbox=sandbox, timeout=timeout_ms
        )
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if sandbox and "sandbox" in str(exc).lower():
            log.warning("Chromium sandbox unavailable (%s); launching without it", first)
            return playwright.chromium.launch(
                executable_path=location.path,
                args=args + ["--no-sandbox"],
                chromium_sandbox=False,
                timeout=timeout_ms,
            )
        raise FactoryError(
            f"Chromium at {location.describe()} failed to start: {first}; "
            f"check it runs ('{location.path} --headless --version') or {INSTALL_HINT}"
        ) from None
