"""Helper for the browser tests: Debian's headless Chromium driven by Playwright, network off.

Every request that is not ``file:`` or ``data:`` is aborted and recorded, so a page that needs
a CDN fails its test. The tests skip only when Chromium (or Playwright) is missing outside CI;
in CI (``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MINEPLAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"]


def require_browser():
    """Skip (or, in CI, fail) when Chromium or Playwright is not available."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"Chromium not found at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI must run the browser tests")
        pytest.skip(problem)


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.console_errors + self.page_errors + [f"network: {u}" for u in self.blocked + self.failed]


@contextmanager
def browser_page(url: str, tmp_path: Path, *, allowed: tuple[str, ...], args=ARGS, viewport=(1280, 900),
                 ready: str | None = None, accept_downloads: bool = False):
    """Open ``url`` in headless Chromium where only requests starting with ``allowed`` go through;
    any other is aborted and recorded. Waits for the selector ``ready`` (else 300 ms); yields
    (page, log)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    log = PageLog()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=args,
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=accept_downloads)
        try:
            page = context.pages[0] if context.pages else context.new_page()

            def route(r):
                url = r.request.url
                if url.startswith(allowed):
                    r.continue_()
                else:
                    log.blocked.append(url)
                    r.abort()

            context.route("**/*", route)
            page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: log.page_errors.append(str(e)))
            page.on("requestfailed", lambda r: log.failed.append(r.url)
                    if not r.url.startswith(allowed) and r.url not in log.blocked else None)
            page.goto(url, wait_until="load")
            if ready is None:
                page.wait_for_timeout(300)
            else:
                page.wait_for_selector(ready, timeout=15000)
            yield page, log
        finally:
            context.close()


def offline_page(path: Path, tmp_path: Path, *, viewport=(1280, 900)):
    """Open ``path`` (a local file) in headless Chromium with the network off; yield (page, log)."""
    return browser_page(path.resolve().as_uri(), tmp_path, allowed=("file:", "data:", "about:"), viewport=viewport)
