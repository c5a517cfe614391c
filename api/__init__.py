"""Floor 6: every way in. The FastAPI app (routers per resource, review pages) and the command line."""
