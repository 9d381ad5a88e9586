"""The office console: server-rendered pages on the same commands and queries."""
