"""SMS gateways: the one seam between Mutuelle and whatever sends text messages.

A gateway is any class with `send(to, text) -> str` that returns the gateway's message id and
raises `SmsError` when the message was not accepted. `settings.MUTUELLE_SMS_BACKEND` names the
class; `settings.MUTUELLE_SMS_OPTIONS` (a dict, optional) is passed to its constructor as
keyword arguments. See docs/notifications.md for plugging in a real operator or aggregator.

Shipped gateways:

- `FileSmsGateway` (the default): one JSON line per message in <outbox>/sms.jsonl; nothing
  leaves the machine. Good for a standalone mutual without an SMS contract, and for tests.
- `ConsoleSmsGateway`: writes each message to the log (the console when running by hand).
- `MemorySmsGateway`: keeps messages in `MemorySmsGateway.outbox`, like Django's locmem email.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("mutuelle.sms")

# Three concatenated segments. A GSM 03.38 segment carries 153 characters when concatenated;
# any character outside that alphabet switches the whole message to UCS-2 (67 per segment).
MAX_SEGMENTS = 3
GSM_SEGMENT = 153
UCS2_SEGMENT = 67
MAX_SMS_CHARS = MAX_SEGMENTS * GSM_SEGMENT  # 459
ELLIPSIS = "..."  # three dots stay in the GSM alphabet; "…" would not

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")  # each costs two septets


class SmsError(Exception):
    """The gateway did not accept the message. The text is stored on the notification."""


def gsm_length(text: str) -> int | None:
    """The number of GSM 03.38 septets `text` needs, or None when it needs UCS-2."""
    n = 0
    for ch in text:
        if ch in _GSM_BASIC:
            n += 1
        elif ch in _GSM_EXTENDED:
            n += 2
        else:
            return None
    return n


def truncate_sms(text: str, segments: int = MAX_SEGMENTS) -> str:
    """Cut `text` to fit in `segments` concatenated SMS, ending with an ellipsis when cut.

    GSM-alphabet text keeps up to 459 characters (3 × 153); text needing UCS-2 (accents such
    as ê, ç or ô, curly quotes) keeps up to 201 (3 × 67), since that is what three segments
    carry for it. Operators bill per segment, so a runaway text never costs more than this."""
    text = text.strip()
    septets = gsm_length(text)
    if septets is not None:
        limit = segments * GSM_SEGMENT
        if septets <= limit:
            return text
        # Drop characters from the end until the text plus the ellipsis fits.
        out, used = [], 0
        for ch in text:
            cost = 2 if ch in _GSM_EXTENDED else 1
            if used + cost > limit - len(ELLIPSIS):
                break
            out.append(ch)
            used += cost
        return "".join(out).rstrip() + ELLIPSIS
    limit = segments * UCS2_SEGMENT
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


class SmsGateway:
    """Base class (and protocol) of SMS gateways.

    Subclasses implement `send`. The constructor receives settings.MUTUELLE_SMS_OPTIONS as
    keyword arguments; a gateway is created for each delivery or batch, so keep it cheap."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, to: str, text: str) -> str:
        """Send `text` to the phone number `to` (international form, "+221..."); return the
        gateway's message id. Raise SmsError when the message was not accepted."""
        raise NotImplementedError


class ConsoleSmsGateway(SmsGateway):
    """Writes each SMS to the log ("mutuelle.sms", level INFO): the console by default."""

    def send(self, to: str, text: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        log.info("SMS to %s (%s):\n%s", to, message_id, text)
        return message_id


class FileSmsGateway(SmsGateway):
    """Appends one JSON line per SMS to <MUTUELLE_OUTBOX_DIR>/sms.jsonl.

    Options: `path` (a file) overrides the location."""

    filename = "sms.jsonl"

    def path(self) -> Path:
        if custom := self.options.get("path"):
            return Path(custom)
        return Path(settings.MUTUELLE_OUTBOX_DIR) / self.filename

    def send(self, to: str, text: str) -> str:
        message_id = f"file-{uuid.uuid4().hex}"
        record = {"id": message_id, "to": to, "text": text, "at": timezone.now().isoformat()}
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SmsError(f"cannot write {path}: {exc}") from exc
        return message_id


class MemorySmsGateway(SmsGateway):
    """Keeps messages in memory (`MemorySmsGateway.outbox`), for tests and demonstrations."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, to: str, text: str) -> str:
        message_id = f"mem-{len(self.outbox) + 1}"
        self.outbox.append({"id": message_id, "to": to, "text": text})
        return message_id


def get_gateway() -> SmsGateway:
    """An instance of the gateway named by settings.MUTUELLE_SMS_BACKEND (read now, so that
    tests and reconfigured deployments take effect without a restart)."""
    cls = import_string(settings.MUTUELLE_SMS_BACKEND)
    options = getattr(settings, "MUTUELLE_SMS_OPTIONS", None) or {}
    return cls(**options)
