"""What every part of the isolation harness shares."""

from dataclasses import dataclass, field

DENIED = {403, 404}
NOT_ALLOWED = 405
LOGIN_REDIRECT = 302


@dataclass(frozen=True)
class Rule:
    """kwargs: parameter name -> attribute of Others; expect: statuses an outsider may get
    (the response never contains the sentinel, whatever the status)."""

    kwargs: dict[str, str] = field(default_factory=dict)
    expect: frozenset[int] = frozenset(DENIED)


OWN_LIST = frozenset({200, 403})  # lists of one's own tenant: allowed, filtered
REDIRECTS = frozenset({302})
