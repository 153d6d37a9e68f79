"""Write paths, one module per sub-domain: booking, changes, status, holds, waitlist.

Every write that touches several rows goes through a function here.
"""
