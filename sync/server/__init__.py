"""The plant backend (FastAPI): serves API.md on top of the core's commands."""
