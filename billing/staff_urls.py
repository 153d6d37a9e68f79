from django.urls import path

from billing.views import (
    accounts,
    corrections,
    documents,
    invoices,
    online_staff,
    packages,
    payments,
    takings,
)

app_name = "billing_staff"
urlpatterns = [
    path("patients/<int:pk>/", accounts.account, name="account"),
    path("patients/<int:pk>/invoices/new/", invoices.invoice_new, name="invoice_new"),
    path("patients/<int:pk>/payment/", payments.payment_new, name="payment_new"),
    path("patients/<int:pk>/credit/", payments.credit_use, name="credit_use"),
    path("patients/<int:pk>/refund/", corrections.refund_new, name="refund_new"),
    path("patients/<int:pk>/packages/sell/", packages.package_sell_view, name="package_sell"),
    path("patients/<int:pk>/packages/use/", packages.package_use_view, name="package_use"),
    path("packages/<int:pk>/refund/", packages.package_refund_view, name="package_refund"),
    path(
        "appointments/<str:reference>/invoice/",
        invoices.invoice_for_appointment,
        name="invoice_for_appointment",
    ),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/edit/", invoices.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/lines/", invoices.line_add, name="line_add"),
    path("invoices/<int:pk>/issue/", invoices.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:pk>/discard/", invoices.invoice_discard_view, name="invoice_discard"),
    path("invoices/<int:pk>/credit-note/", corrections.credit_note_new, name="credit_note_new"),
    path("invoices/<int:pk>/pay-link/", online_staff.pay_link_send, name="pay_link_send"),
    path(
        "credit-notes/<int:pk>/refund-online/",
        online_staff.refund_online_new,
        name="refund_online_new",
    ),
    path("invoices/<int:pk>/pdf/", documents.invoice_download, name="invoice_pdf"),
    path("invoices/<int:pk>/email/", documents.invoice_email, name="invoice_email"),
    path("credit-notes/<int:pk>/pdf/", documents.credit_note_download, name="credit_note_pdf"),
    path("payments/<int:pk>/receipt/", documents.receipt_download, name="receipt_pdf"),
    path("lines/<int:pk>/", invoices.line_update, name="line_update"),
    path("lines/<int:pk>/remove/", invoices.line_remove, name="line_remove"),
    path("takings/", takings.takings, name="takings"),
    path("takings/lines.csv", takings.lines_csv, name="takings_lines_csv"),
    path("takings/payments.csv", takings.payments_csv, name="takings_payments_csv"),
    path("takings/refunds.csv", takings.refunds_csv, name="takings_refunds_csv"),
    path("takings/cash-up/", takings.cash_up, name="cash_up"),
]
