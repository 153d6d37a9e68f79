"""Reads that pages need, each in a fixed number of queries."""
