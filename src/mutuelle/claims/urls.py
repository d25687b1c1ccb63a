from .views import eligibility, entry, letters, offline, review, settlements

urlpatterns = [
    *eligibility.urlpatterns,
    *offline.urlpatterns,
    *entry.urlpatterns,
    *letters.urlpatterns,
    *review.urlpatterns,
    *settlements.urlpatterns,
]
