"""Notifications by SMS, email and in the application. See docs/notifications.md.

    from mutuelle.core.notifications import notify

This package is imported when the app starts: it loads nothing heavy and touches no database
until `notify` or `send_pending` is called (they live in `service`, imported on first use)."""

from typing import TYPE_CHECKING

__all__ = ["notify", "send_pending"]

if TYPE_CHECKING:
    from .service import notify, send_pending


def __getattr__(name: str):
    if name in __all__:
        from . import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
