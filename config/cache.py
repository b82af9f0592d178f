"""Django's Redis cache, made to degrade while Redis is unreachable instead of failing requests.

Everything the board keeps in Redis can be rebuilt: pages and shared data are rendered again,
sessions are read from the database (cached_db writes them through), view counts go straight
to the row. So while Redis cannot be reached, each cache call answers as a cold cache would
(get: the default, add: False, set and delete: nothing) and logs one warning per outage, and
requests are served without the cache. incr() is the exception: no number would be honest, so
it raises CacheUnavailable, and its callers choose.

A caller that must not go on without Redis (a login throttle that cannot read its counts) asks
strict(cache) for the same cache that raises CacheUnavailable instead of answering.

After a failure each process leaves Redis alone for BACKOFF seconds (a circuit breaker), so a
dead or silent Redis costs one short timeout per process per BACKOFF, not one per call; then the
next call tries again, so caching resumes by itself when Redis is back. A write that could not
reach Redis may leave stale data there (a page from before a reply, a session that has since
logged out), so the first process back after such a write drops every key under the board's
KEY_PREFIX: an outage costs a cold cache, never a stale one.
"""

import copy
import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import BaseCache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError
from redis.retry import Retry

from config import metrics

logger = logging.getLogger(__name__)

# What an unreachable Redis raises: refused, reset or timed-out connections, a Redis still
# loading its data, a replica that cannot take writes. Other errors are bugs and propagate.
OUTAGE_ERRORS = (ConnectionError, TimeoutError, ReadOnlyError)

# Small timeouts: Redis answers in well under a millisecond, and a request waits for these at
# most once per BACKOFF. One immediate retry reconnects a pooled socket Redis closed on restart.
CONNECTION_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    "retry": Retry(NoBackoff(), 1),
}
_MISS = object()  # get()'s answer for a missing key, told apart from a stored None


class CacheUnavailable(Exception):
    """Redis could not be reached (or is being left alone after a recent failure)."""


@dataclass
class Breaker:
    """One per Redis location and key prefix in each process, shared by its threads."""

    open_until: float = 0.0
    failing: bool = False
    writes_lost: bool = False


_breakers: dict[tuple, Breaker] = {}
_breakers_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool.

    Django builds a new redis.Redis for every cache call; its constructor fills a table of
    about 170 response callbacks, which costs more CPU (about 0.2 ms here) than the round trip
    to Redis itself. A redis.Redis only holds its pool and those callbacks, and is safe to
    share between threads (each command takes a connection from the pool), so one per pool
    serves every call.
    """

    # INCRBY only if the key exists, in one round trip (Django's incr() sends EXISTS, then
    # INCRBY: two round trips, and a key expiring between them came back without its timeout).
    INCR_IF_EXISTS = """
    if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end
    return false
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        found = self._clients.get(id(pool))
        if found is None:
            client = self._client(connection_pool=pool)
            found = self._clients[id(pool)] = (client, client.register_script(self.INCR_IF_EXISTS))
        return found[0]

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        incr_if_exists = self._clients[id(client.connection_pool)][1]
        value = incr_if_exists(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class ResilientRedisCache(RedisCache):
    """RedisCache that degrades to a cold cache while Redis is unreachable (module docstring)."""

    BACKOFF = 2.0  # seconds each process leaves Redis alone after a failure

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**CONNECTION_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self.is_strict = False
        with _breakers_lock:
            self.breaker = _breakers.setdefault((tuple(self._servers), self.key_prefix), Breaker())

    def strict(self) -> "ResilientRedisCache":
        """This cache, raising CacheUnavailable where it would otherwise answer as cold."""
        # Made now, so that the twin shares this instance's client and connection pool.
        self._cache  # noqa: B018
        twin = copy.copy(self)
        twin.is_strict = True
        return twin

    def _call(self, operation: str, call, *, answer, writes: bool):
        """call(), timed; on an outage `answer` (or CacheUnavailable when strict)."""
        breaker = self.breaker
        if time.monotonic() < breaker.open_until:
            return self._unavailable(operation, answer, writes)
        started = time.perf_counter()
        try:
            if breaker.writes_lost:
                self._drop_board_keys()
            result = call()
        except OUTAGE_ERRORS as error:
            breaker.open_until = time.monotonic() + self.BACKOFF
            if not breaker.failing:
                breaker.failing = True
                logger.warning(
                    "Redis unreachable (%s); serving without the cache, retrying every %ss",
                    error, self.BACKOFF,
                )  # fmt: skip
            metrics.CACHE_ERRORS.labels(operation).inc()
            return self._unavailable(operation, answer, writes)
        finally:
            metrics.CACHE_SECONDS.labels(operation).observe(time.perf_counter() - started)
        if breaker.failing:
            breaker.failing = False
            logger.warning("Redis reachable again; caching resumed")
        return result

    def _unavailable(self, operation: str, answer, writes: bool):
        if writes:
            self.breaker.writes_lost = True
        if self.is_strict or answer is CacheUnavailable:
            raise CacheUnavailable(f"cache {operation}: Redis is unreachable")
        return answer

    def _drop_board_keys(self) -> None:
        """Deletes every key under this board's prefix (after writes were lost: see above)."""
        client = self._cache.get_client(None, write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        self.breaker.writes_lost = False
        logger.warning("Dropped the cache's keys: writes were lost while Redis was unreachable")

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        call = super().add
        return self._call(
            "add", lambda: call(key, value, timeout, version), answer=False, writes=True
        )

    def get(self, key, default=None, version=None):
        call = super().get
        found = self._call("get", lambda: call(key, _MISS, version), answer=_MISS, writes=False)
        metrics.CACHE_LOOKUPS.labels("miss" if found is _MISS else "hit").inc()
        return default if found is _MISS else found

    def get_many(self, keys, version=None):
        keys = list(keys)
        call = super().get_many
        found = self._call("get_many", lambda: call(keys, version), answer={}, writes=False)
        metrics.CACHE_LOOKUPS.labels("hit").inc(len(found))
        metrics.CACHE_LOOKUPS.labels("miss").inc(len(keys) - len(found))
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        call = super().set
        self._call("set", lambda: call(key, value, timeout, version), answer=None, writes=True)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        call = super().set_many
        return self._call(
            "set_many", lambda: call(data, timeout, version), answer=list(data), writes=True
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        call = super().touch
        return self._call("touch", lambda: call(key, timeout, version), answer=False, writes=True)

    def delete(self, key, version=None):
        call = super().delete
        return self._call("delete", lambda: call(key, version), answer=False, writes=True)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        call = super().delete_many
        self._call("delete_many", lambda: call(keys, version), answer=None, writes=True)

    def has_key(self, key, version=None):
        call = super().has_key
        return self._call("has_key", lambda: call(key, version), answer=False, writes=False)

    def incr(self, key, delta=1, version=None):
        call = super().incr
        return self._call(
            "incr", lambda: call(key, delta, version), answer=CacheUnavailable, writes=True
        )

    def clear(self):
        call = super().clear
        return self._call("clear", call, answer=False, writes=True)


def strict(alias: str = "default") -> BaseCache:
    """The cache `alias`, raising CacheUnavailable while Redis is unreachable, for callers that
    must fail closed. Other backends cannot lose their store and are returned as they are."""
    cache = caches[alias]
    if isinstance(cache, ResilientRedisCache):
        return cache.strict()
    return cache
