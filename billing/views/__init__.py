"""The desk's and the manager's billing pages under /staff/billing/ (billing.staff_urls)."""
