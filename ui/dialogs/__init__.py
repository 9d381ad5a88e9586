"""Overlays for the floor actions: keypad entry, hold reasons, QC, supervisor PIN, messages."""
