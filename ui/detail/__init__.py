"""The work-order detail screen and its read-only tables."""
