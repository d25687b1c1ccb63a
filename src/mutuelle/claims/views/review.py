"""Claims screens: review (see tests/isolation/claims_review.py)."""

urlpatterns: list = []
