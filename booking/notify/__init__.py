"""Telling patients: emails, calendar files, and the background tasks that send them."""
