"""The embedded default's broker leaves the Redis and RabbitMQ clients unimported (7 MB resident in every
process that never connects to either), and a production broker still gets its client."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from pipeline.settings import Settings
from workers.broker import make_broker
broker = make_broker(Settings(broker=sys.argv[1]))
print(type(broker).__name__, sorted(name for name in ("redis", "pika") if name in sys.modules))
"""


def _broker_and_clients(broker: str) -> str:
    done = subprocess.run([sys.executable, "-c", _PROBE, broker], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_stub_broker_imports_neither_network_client() -> None:
    assert _broker_and_clients("stub") == "StubBroker []"


def test_a_redis_broker_still_gets_its_client() -> None:
    # Building the broker does not connect: redis-py connects on the first command.
    assert _broker_and_clients("redis") == "RedisBroker ['redis']"
