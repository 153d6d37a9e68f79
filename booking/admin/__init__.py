"""The booking admin, one module per sub-domain as in booking/models/. Importing them here
registers every admin when Django's autodiscovery imports booking.admin."""

from booking.admin import (  # noqa: F401  (imported for their registrations)
    appointments,
    connections,
    courses,
    practitioners,
    recalls,
    schedule,
    waitlist,
)
