"""Every kind of message the clinic sends a patient, the channels it goes by, and the
placeholders its template may use (decision 0110).

A kind's default wording is a file: ``templates/emails/<kind>.txt`` for an email's body
(its subject is here), ``templates/texts/<kind>.txt`` for a text. The manager may replace
either with their own wording (messaging.MessageTemplate); the placeholders listed here
are the only names that wording may use, checked when it is saved.

Adding a text to a kind is one line at the end of this module: ``text("reminder")``.
"""

from dataclasses import dataclass, field

EMAIL = "email"
TEXT = "text"
CHANNELS = (EMAIL, TEXT)

# Flat strings every patient message can name (issue 22's vocabulary).
PATIENT = ("first_name", "clinic_name", "clinic_phone")
APPOINTMENT = (*PATIENT, "when", "place", "practitioner", "service", "link")


@dataclass(frozen=True)
class Kind:
    """A kind of message: ``name`` is its key (and its template files' name), ``title``
    what the manager reads in the list, ``placeholders`` the names its wording may use."""

    name: str
    title: str
    placeholders: tuple[str, ...]
    subject: str = ""  # the email's default subject (a template like the body)
    channels: frozenset[str] = field(default_factory=frozenset)

    def default_path(self, channel: str) -> str:
        folder = "emails" if channel == EMAIL else "texts"
        return f"{folder}/{self.name}.txt"


KINDS: dict[str, Kind] = {}


def email(name: str, title: str, placeholders: tuple[str, ...], *, subject: str) -> Kind:
    """Register an email kind (its default body in templates/emails/<name>.txt)."""
    kind = Kind(name, title, placeholders, subject, frozenset({EMAIL}))
    KINDS[name] = kind
    return kind


def text(name: str, title: str = "", placeholders: tuple[str, ...] = APPOINTMENT) -> Kind:
    """Give a kind a text (its default in templates/texts/<name>.txt): an email kind keeps
    its title and placeholders; a kind sent only by text is registered with these."""
    known = KINDS.get(name)
    if known is not None:
        kind = Kind(
            known.name, known.title, known.placeholders, known.subject, known.channels | {TEXT}
        )
    else:
        kind = Kind(
            name, title or name.replace("_", " ").capitalize(), placeholders, "", frozenset({TEXT})
        )
    KINDS[name] = kind
    return kind


def get(name: str, channel: str) -> Kind:
    """The kind, if it goes by that channel; KeyError otherwise."""
    kind = KINDS[name]
    if channel not in kind.channels:
        raise KeyError(f"{name} has no {channel}")
    return kind


def by_channel(channel: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if channel in kind.channels]


# Sample values for the manager's preview: the demo patient and a made-up appointment.
SAMPLE: dict[str, str] = {
    "first_name": "Dana",
    "when": "Tue 8 Dec, 14:30",
    "place": "Riverside Clinic",
    "practitioner": "Amira Patel",
    "service": "Follow-up dry needling",
    "link": "https://clinic.example/appointment/sample-link/",
    "pre_visit_link": "https://clinic.example/visit/sample-link/before/",
    "minutes": "30",
    "count": "4",
    "advice": "Soreness for a day or two is common: keep moving gently and drink water.\n\n"
    "Call us for bruising that spreads, or anything that worries you.",
    "invoice_number": "INV-000123",
    "amount": "£60.00",
    "issued_on": "8 December 2026",
    "buyer_name": "Sam",
    "recipient_name": "Robin",
    "code": "ABCD-EFGH-JKLM-NPQR",
    "valid_until": "8 December 2027",
    "gift_message": "Their message: Happy birthday!",
    "balance_link": "https://clinic.example/gift-vouchers/balance/",
    "time_chosen": "Tuesday 8 December 2026, 14:30",
    "reason": "Someone else booked that time while you were paying.",
    "nearby_times": "Free times near the one you chose:\n- Tuesday 8 December 2026, 15:00\n"
    "- Wednesday 9 December 2026, 09:30",
}


REMINDER_EXTRAS = ("pre_visit_link",)
PAY = (*PATIENT, "invoice_number", "amount", "issued_on", "link")
VOUCHER = (*PATIENT, "buyer_name", "recipient_name", "amount", "code", "valid_until")
VOUCHER_LINKS = ("gift_message", "link", "balance_link")
REFUND = (*PATIENT, "time_chosen", "reason", "amount", "nearby_times", "link")

email("booked", "Appointment booked", APPOINTMENT, subject="Your appointment is booked")
email("requested", "Appointment requested", APPOINTMENT, subject="We have your appointment request")
email("rescheduled", "Appointment moved", APPOINTMENT, subject="Your appointment has moved")
email("cancelled", "Appointment cancelled", APPOINTMENT, subject="Your appointment is cancelled")
email(
    "reminder",
    "Reminder",
    (*APPOINTMENT, *REMINDER_EXTRAS),
    subject="Reminder: your appointment",
)
email("intake", "Pre-visit forms", (*PATIENT, "link"), subject="Your pre-visit forms")
email("sign_in", "Sign-in link", (*PATIENT, "link", "minutes"), subject="Your sign-in link")
email("waitlist_offer", "Waitlist offer", APPOINTMENT, subject="A time has come free")
email("aftercare", "Aftercare advice", (*PATIENT, "advice"), subject="After your visit")
email(
    "check_in",
    "Check-in after a visit",
    (*PATIENT, "link"),
    subject="How are you since your visit?",
)
email(
    "course_booked",
    "Course booked",
    (*PATIENT, "count"),
    subject="Your course of appointments is booked",
)
email(
    "course_cancelled",
    "Course cancelled",
    (*PATIENT, "count"),
    subject="Your remaining appointments are cancelled",
)
email(
    "consent_copy",
    "Copy of the signed forms",
    (*PATIENT, "link"),
    subject="Your copy of the form you signed",
)
email("invoice_ready", "Invoice ready", (*PATIENT, "link"), subject="Your invoice is ready")
email("receipt_ready", "Receipt ready", (*PATIENT, "link"), subject="Your receipt is ready")
email("pay_link", "Payment link", PAY, subject="Invoice {{ invoice_number }}")
email("fee_pay_link", "Fee to pay", PAY, subject="Invoice {{ invoice_number }} to pay")
email(
    "fee_card_declined",
    "Fee to pay, the saved card declined",
    PAY,
    subject="Invoice {{ invoice_number }} to pay",
)
email(
    "gift_voucher",
    "Gift voucher",
    (*VOUCHER, *VOUCHER_LINKS),
    subject="A gift voucher for {{ recipient_name }}",
)
email(
    "gift_voucher_copy",
    "Gift voucher, the buyer's copy",
    (*VOUCHER, *VOUCHER_LINKS),
    subject="A gift voucher for {{ recipient_name }}",
)
email(
    "booking_refunded",
    "Booking not made, payment refunded",
    REFUND,
    subject="Your booking was not made: payment refunded",
)
email(
    "booking_not_made",
    "Booking not made, nothing charged",
    REFUND,
    subject="Your booking was not made: nothing charged",
)

email(
    "recall",
    "Recall",
    (*PATIENT, "service", "practitioner", "place", "link", "decline_link"),
    subject="Time to book your next visit?",
)
email("follow_up", "Follow-up survey", (*PATIENT, "link"), subject="How are you getting on?")

# Texts: one line per kind (decision 0108), each short enough for one part.
text("booked")
text("requested")
text("rescheduled")
text("cancelled")
text("reminder")
text("waitlist_offer")
text("sign_in")
text("recall")
text("follow_up")
