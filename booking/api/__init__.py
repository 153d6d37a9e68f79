"""The JSON API (django-ninja): availability, bookings, appointments and patients for the
clinic's other tools. A views-level package: it calls the same engine and services as
the pages, so the never-double-book guarantee holds here too."""
