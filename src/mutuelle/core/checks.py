"""Startup checks for misconfiguration (run by `mutuelle check` and at every start)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_deployment(app_configs, **kwargs):
    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        problems.append(
            Error(
                "Mutuelle runs on SQLite or PostgreSQL only.",
                hint="Set DATABASE_URL to sqlite:///... or postgres://...",
                id="mutuelle.E001",
            )
        )
    if (
        not settings.DEBUG
        and "localhost" not in settings.ALLOWED_HOSTS
        and not getattr(settings, "CSRF_TRUSTED_ORIGINS", None)
    ):
        problems.append(
            Warning(
                "No CSRF trusted origin is configured for a public deployment.",
                hint="Set MUTUELLE_CSRF_TRUSTED_ORIGINS=https://your.host",
                id="mutuelle.W001",
            )
        )
    return problems
