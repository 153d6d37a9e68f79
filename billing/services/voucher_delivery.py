"""Gift vouchers' delivery, run by the task worker (decision 0106); their expiry is a
nightly job (billing.periodic.expire_vouchers).

The code is made inside the task that emails it (billing.services.vouchers stores only its
hash), so no code ever waits in the task queue: the task takes the voucher's id. The
email says the amount, the code, the expiry and the buyer's message: nothing clinical."""

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import dateformat, timezone

from billing.models import GiftVoucher
from billing.selectors.vouchers import voucher_figures
from billing.services.errors import BillingError
from billing.services.vouchers import _lock_voucher, voucher_code_issue
from booking.links import absolute
from clinic.money import format_money
from messaging.rendering import Action, email_message


def voucher_email(
    *, voucher: GiftVoucher, code: str, to: str, copy: bool
) -> EmailMultiAlternatives:
    book_url = absolute(reverse("booking:book"))
    context = {
        "first_name": voucher.buyer.first_name if copy else voucher.recipient_name,
        "buyer_name": voucher.buyer.first_name,
        "recipient_name": voucher.recipient_name,
        "amount": format_money(voucher.amount, voucher.currency),
        "code": code,
        "valid_until": dateformat.format(voucher.expires_on, "j F Y"),
        "gift_message": f"Their message: {voucher.message}" if voucher.message else "",
        "link": book_url,
        "balance_link": absolute(reverse("billing:voucher_balance")),
    }
    return email_message(
        "gift_voucher_copy" if copy else "gift_voucher",
        to=to,
        patient=voucher.buyer,  # the buyer's record: a recipient may be no patient
        context=context,
        action=Action("Book online", book_url),
    )


@task
def send_voucher_code(*, voucher_id: int) -> str:
    """Make the paid voucher's code and email it to the recipient, a copy to the buyer.
    Once a code was sent, a second run (a repeat of the task) sends nothing. The code is
    stored and sent in one transaction: if sending fails, no code is kept and the task can
    run again."""
    with transaction.atomic():
        voucher = (
            GiftVoucher.objects.select_for_update(of=("self",))
            .select_related("buyer")
            .filter(pk=voucher_id)
            .first()
        )
        if voucher is None or voucher.code_sent_at is not None:
            return "skipped: code already sent"
        try:
            code = voucher_code_issue(voucher=voucher, now=timezone.now())
        except BillingError as error:
            return f"skipped: {error.message}"
        addresses = [(voucher.recipient_email, False), (voucher.buyer.email, True)]
        sent = 0
        for to, copy in addresses:
            if to and (not copy or to.lower() != voucher.recipient_email.lower()):
                voucher_email(voucher=voucher, code=code, to=to, copy=copy).send()
                sent += 1
        return f"sent {sent}"


def after_voucher_paid(*, voucher_id: int) -> None:
    transaction.on_commit(lambda: send_voucher_code.enqueue(voucher_id=voucher_id), robust=True)


@transaction.atomic
def voucher_code_send(*, voucher: GiftVoucher) -> None:
    """Email the voucher a new code (the task worker makes it as it sends; any code given
    before stops working then)."""
    locked = _lock_voucher(voucher.pk)
    if not voucher_figures(locked).paid:
        raise BillingError("This voucher's sale is not paid yet.", code="voucher_unpaid")
    if not locked.recipient_email and not voucher.buyer.email:
        raise BillingError(
            "No email address to send the code to: show it instead.", code="voucher_no_email"
        )
    if locked.code_sent_at is not None:
        locked.code_sent_at = None
        locked.save(update_fields=["code_sent_at"])
    after_voucher_paid(voucher_id=locked.pk)


def voucher_sale_paid(*, invoice_id: int) -> None:
    """After a payment of a sale invoice (the provider's webhook): once the voucher is
    paid and has no code yet, the task worker emails the code (after the commit)."""
    voucher = GiftVoucher.objects.filter(sale_invoice_id=invoice_id).first()
    if voucher is None or voucher.code_sent_at is not None:
        return
    if not voucher_figures(voucher).paid:
        return
    after_voucher_paid(voucher_id=voucher.pk)
