"""The billing app's public addresses: the patient's payment pages and the payment
provider's webhook (its path is clinic.stripe_client.WEBHOOK_PATH)."""

from django.urls import path

from billing.views import online

app_name = "billing"
urlpatterns = [
    path("pay/<str:token>/", online.pay, name="pay"),
    path("pay/<str:token>/done/", online.pay_done, name="pay_done"),
    path("billing/stripe/webhook/", online.stripe_webhook, name="stripe_webhook"),
]
