from django.urls import path

from .views import cash, cashier

urlpatterns = [
    path("cashier/", cashier.cashier, name="cashier"),
    path("cashier/<uuid:household_uuid>/", cashier.cashier_household, name="cashier_household"),
    path("receipts/<uuid:payment_uuid>/", cashier.receipt_detail, name="receipt_detail"),
    path("receipts/<uuid:payment_uuid>/pdf/", cashier.receipt_pdf, name="receipt_pdf"),
    path(
        "receipts/<uuid:payment_uuid>/correct/",
        cash.correction_request,
        name="correction_request",
    ),
    path("till/", cash.till, name="till"),
    path("corrections/", cash.correction_list, name="correction_list"),
    path(
        "corrections/<int:correction_id>/decide/",
        cash.correction_decide,
        name="correction_decide",
    ),
]
