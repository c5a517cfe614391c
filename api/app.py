"""The FastAPI application: a factory, so that settings are passed in and nothing starts at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from api.routers import audit, batches, cases, documents, grants, redactions, signatures, ui
from api.state import AppState
from pipeline.errors import AccessDeniedError, NotFoundError, SportelError
from pipeline.settings import Settings


def create_app(settings: Settings, *, state: AppState | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sportel = state or AppState.start(settings)
        try:
            yield
        finally:
            if state is None:
                app.state.sportel.stop()

    app = FastAPI(title="Sportel", version="0.1.0", lifespan=lifespan,
                  description="Document capture for municipal one-stop shops: cases, documents, audit.")
    for router in (batches.router, cases.router, documents.router, redactions.router, audit.router, grants.router,
                   signatures.router, ui.router):
        app.include_router(router)

    @app.exception_handler(SportelError)
    async def sportel_error(request: Request, exc: SportelError) -> JSONResponse:
        code = 404 if isinstance(exc, NotFoundError) else 403 if isinstance(exc, AccessDeniedError) else 422
        return JSONResponse({"detail": exc.code}, status_code=code)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/review")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
