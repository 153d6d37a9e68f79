"""Forms for the public pages, the front desk and the admin's practitioner photo."""
