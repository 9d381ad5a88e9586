"""The API's routers, one per area of API.md."""
