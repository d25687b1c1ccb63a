"""Argon2id with the OWASP-recommended parameters for modest servers.

Django's defaults (100 MiB per hash, 8 lanes) let a burst of logins at opening time take a
gigabyte on the small machines mutuals run. 19 MiB, 2 passes, 1 lane is OWASP's first
recommended configuration: still memory-hard, five times lighter. Existing hashes are
re-hashed with these parameters at the next successful login."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ModestArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
