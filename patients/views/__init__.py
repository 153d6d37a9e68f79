"""Patient pages: the intake flow, and the staff pages about patients."""
