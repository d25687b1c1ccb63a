"""Eligibility at the point of care."""

urlpatterns: list = []
