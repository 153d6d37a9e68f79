from django.urls import path

from billing.views import packages, portal

app_name = "billing_portal"
urlpatterns = [
    path("", portal.documents, name="documents"),
    path("card/", portal.card, name="card"),
    path("card/save/", portal.card_save, name="card_save"),
    path("card/remove/", portal.card_remove_view, name="card_remove"),
    path("<int:pk>/pdf/", portal.invoice_download, name="invoice_pdf"),
    path("credit-notes/<int:pk>/pdf/", portal.credit_note_download, name="credit_note_pdf"),
    path("receipts/<int:pk>/pdf/", portal.receipt_download, name="receipt_pdf"),
    path("packages/", packages.portal_packages, name="packages"),
    path("packages/<int:pk>/buy/", packages.portal_package_buy, name="package_buy"),
]
