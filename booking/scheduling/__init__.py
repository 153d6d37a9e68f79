"""Schedules and availability: the pure engine, the reads that feed it, the one rules builder."""
