"""fieldforce HTTP API (FastAPI)."""
