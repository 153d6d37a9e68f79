"""The payment provider behind a small seam: what the billing services ask of it, in the
clinic's terms (Decimal amounts, our ids), with one implementation, Stripe (decision 0097)."""
