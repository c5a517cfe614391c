"""A batch whose first message the broker cannot take (Redis or RabbitMQ down) is recorded as failed with
``queue_unavailable``, not left "received" for ever; the API answers 503 so that the station sends it
again, and the error names no file."""

from __future__ import annotations

import socket
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline.errors import QueueUnavailableError
from pipeline.settings import Settings, load_settings
from storage import repository as repo
from storage.tables import Batch
from tests.conftest import E2E_SERVICE
from workers.bootstrap import build
from workers.local import submit_batch


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the probe is closed


def _settings(tmp_path: Path, broker: str) -> Settings:
    port = _closed_port()
    url = f"redis://127.0.0.1:{port}/0" if broker == "redis" else f"amqp://guest:guest@127.0.0.1:{port}/"
    return load_settings(home=tmp_path / "home", broker=broker, broker_url=url)


def _page(path: Path) -> Path:
    image = np.full((600, 400), 255, dtype=np.uint8)
    cv2.putText(image, "VERTETIM", (40, 100), cv2.FONT_HERSHEY_SIMPLEX, 1, 0, 2)
    cv2.imwrite(str(path), image)
    return path


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_batch_the_broker_cannot_take_is_recorded_failed(tmp_path: Path, broker: str) -> None:
    queue, context = build(_settings(tmp_path, broker))
    page = _page(tmp_path / "Arben Hoxha leje.png")

    with pytest.raises(QueueUnavailableError, match="could not take batch") as raised:
        submit_batch(context, queue, [page], service_id=E2E_SERVICE, case_id="C-QUEUE-1")

    assert "Arben" not in str(raised.value)
    with repo.session_scope(context.session_factory) as session:
        [batch] = session.query(Batch).all()
        assert (batch.status, batch.error_code, batch.case_id) == ("failed", "queue_unavailable", "C-QUEUE-1")
        assert len(repo.input_files_of_batch(session, batch.id)) == 1  # what was uploaded is kept


def test_the_api_answers_503_when_the_broker_is_down(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "redis")
    page = _page(tmp_path / "page.png")
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/batches", headers={"Authorization": "Bearer demo-station"},
                               data={"service_id": E2E_SERVICE},
                               files={"files": ("Arben Hoxha.png", page.read_bytes(), "image/png")})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("queue_unavailable: ")
    assert "Arben" not in response.text
