"""The office console's pages, one module per area; each calls commands and queries only."""
