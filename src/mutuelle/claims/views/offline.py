"""The offline card verifier (see tests/isolation/claims_offline.py)."""

urlpatterns: list = []
