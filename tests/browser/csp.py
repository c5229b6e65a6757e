"""Collect what Chromium reports as Content-Security-Policy violations on a Playwright page."""

from __future__ import annotations

from typing import Any


def watch_csp(page: Any) -> list[str]:
    """Attach listeners to ``page``; the returned list fills with every CSP violation."""
    seen: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"{page.url}: page error {error}"))
    # securitypolicyviolation reaches the page even when the console message is dropped.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI))"
    )
    return seen
