"""Observation models that map neural activity onto measurable signals."""
