"""Building the dramatiq broker from settings, explicitly: never dramatiq's implicit default broker."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from pipeline.errors import ConfigurationError, SportelError
from pipeline.settings import Settings

MAX_RETRIES = 3


def should_retry(retries: int, exc: BaseException) -> bool:
    """Retry what a retry can mend: retryable Sportel errors and unexpected errors, a few times."""
    if retries >= MAX_RETRIES:
        return False
    if isinstance(exc, SportelError):
        return exc.retryable
    return True


def make_broker(settings: Settings) -> dramatiq.Broker:
    """The broker the settings name, with Sportel's retry policy, set as dramatiq's global broker."""
    broker: dramatiq.Broker
    # The Redis and RabbitMQ brokers are imported only when chosen: their clients (redis with its
    # OpenTelemetry hooks, pika) hold 7 MB resident in every process, the embedded default's included,
    # which never connects to either.
    if settings.broker == "stub":
        broker = StubBroker()
    elif settings.broker == "redis":
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=settings.broker_url or "redis://127.0.0.1:6379/0")  # type: ignore[no-untyped-call]
    elif settings.broker == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=settings.broker_url or "amqp://guest:guest@127.0.0.1:5672/")
    else:  # pragma: no cover - pydantic validates the literal
        raise ConfigurationError(f"unknown broker {settings.broker!r}")
    for middleware in list(broker.middleware):
        if isinstance(middleware, Retries):
            broker.middleware.remove(middleware)
    broker.add_middleware(Retries(max_retries=MAX_RETRIES, min_backoff=500, max_backoff=30_000,
                                  retry_when=should_retry))
    dramatiq.set_broker(broker)
    return broker
