"""Every write of money, one module per family: invoices (drafts, lines, issue), payments
(taking one at the desk, using credit), credit notes and refunds. Locks in one order:
the patient, then their invoices by id, then the document sequence."""
