"""The billing app's public addresses: the patient's payment pages and the payment
provider's webhook (its path is clinic.stripe_client.WEBHOOK_PATH)."""

from django.urls import path

from billing.views import online, voucher_public

app_name = "billing"
urlpatterns = [
    path("pay/<str:token>/", online.pay, name="pay"),
    path("pay/<str:token>/done/", online.pay_done, name="pay_done"),
    path("billing/stripe/webhook/", online.stripe_webhook, name="stripe_webhook"),
    path("gift-vouchers/", voucher_public.gift_vouchers, name="gift_vouchers"),
    path(
        "gift-vouchers/thanks/<str:token>/",
        voucher_public.gift_voucher_thanks,
        name="gift_voucher_thanks",
    ),
    path("gift-vouchers/balance/", voucher_public.voucher_balance, name="voucher_balance"),
]
