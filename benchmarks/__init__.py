"""Timing scripts (not tests); run each as a script, see its docstring."""
