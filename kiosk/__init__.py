"""The shop-floor core: domain rules, local store and the command handlers (no Qt, no HTTP)."""
