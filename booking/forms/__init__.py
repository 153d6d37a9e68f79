"""Forms for the public pages and the front desk."""
