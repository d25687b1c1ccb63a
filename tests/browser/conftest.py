"""Browser journeys: Debian's Chromium driven by Playwright against a real `mutuelle serve`
(gunicorn + whitenoise, collected and compressed static files) on the test database."""

import os
import socket
import subprocess
from pathlib import Path

import pytest

from .. import processes

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).with_name("vendor") / "axe-4.11.0.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(django_db_setup, django_db_blocker, tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-var")
    log = var / "server.log"
    env = {"MUTUELLE_VAR_DIR": str(var)}
    with django_db_blocker.unblock():
        subprocess.run(
            [processes.MUTUELLE, "collectstatic", "--noinput", "-v0"],
            env=processes.env(**env),
            check=True,
            cwd=processes.ROOT,
        )
        port = _free_port()
        server = processes.start(
            "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", log=log, **env
        )
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    processes.wait_until(up, timeout=60)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def real_hashers(_test_settings, settings):
    # The server process checks passwords with the real (argon2) hashers.
    settings.PASSWORD_HASHERS = [
        "mutuelle.core.hashers.ModestArgon2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def phone(browser):
    """A 360×640 phone (field roles), CSP bypassed only so that axe can be injected."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, bypass_csp=True, locale="fr-FR"
    )
    page = context.new_page()
    yield page
    context.close()


def page_weight(page) -> int:
    """Bytes transferred for the current page and everything it loaded (compressed sizes)."""
    return page.evaluate(
        """() => performance.getEntriesByType('navigation')
             .concat(performance.getEntriesByType('resource'))
             .reduce((sum, e) => sum + (e.encodedBodySize || 0), 0)"""
    )


def horizontal_overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
