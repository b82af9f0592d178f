import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis

from config.cache import ResilientRedisCache


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a spare port, started and stopped at will."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server():
    """A redis-server, not yet started: its port is closed until the test starts it."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def board_on_redis(settings, redis_server, monkeypatch):
    """The board configured as production runs it, on the test's own Redis: the page cache on,
    sessions in Redis and written through to the database."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_server.port}/0",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    settings.BOARD_VIEW_FLUSH_EVERY = 100
    # Each failure would otherwise keep the test away from Redis for the back-off's seconds.
    monkeypatch.setattr(ResilientRedisCache, "BACKOFF", 0)
    return redis_server
