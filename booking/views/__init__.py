"""Pages: public booking, the patient's own pages, the front desk."""
