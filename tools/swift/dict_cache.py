"""An in-process stand-in for memcached in the test Swift's proxy (tools/swift/swift-s3.py).

tempauth and the proxy look their caches up in env['swift.cache']; Swift's own `cache`
middleware would point it at memcached servers, and without one it logs an error on every
request. This keeps the few entries a test run makes in a dict, with memcache's expiry.
"""
import time


class DictCache:
    def __init__(self):
        self._items = {}

    def _live(self, key):
        item = self._items.get(key)
        if item and item[1] and item[1] < time.time():
            del self._items[key]
            return None
        return item

    def get(self, key, *args, **kwargs):
        item = self._live(key)
        return item[0] if item else None

    def set(self, key, value, serialize=True, time=0, *args, **kwargs):
        self._items[key] = (value, self._expiry(time))

    def get_multi(self, keys, server_key, *args, **kwargs):
        return [self.get(key) for key in keys]

    def set_multi(self, mapping, server_key, serialize=True, time=0, *args, **kwargs):
        for key, value in mapping.items():
            self.set(key, value, time=time)

    def incr(self, key, delta=1, time=0, *args, **kwargs):
        value = int(self.get(key) or 0) + delta
        self.set(key, value, time=time)
        return value

    def decr(self, key, delta=1, time=0, *args, **kwargs):
        return self.incr(key, -delta, time)

    def delete(self, key, *args, **kwargs):
        self._items.pop(key, None)

    @staticmethod
    def _expiry(seconds):
        if not seconds:
            return 0
        # memcache: up to 30 days is relative, more is an absolute time.
        return seconds if seconds > 30 * 24 * 3600 else time.time() + seconds


def filter_factory(global_conf, **local_conf):
    cache = DictCache()

    def make_filter(app):
        def middleware(env, start_response):
            env["swift.cache"] = cache
            return app(env, start_response)
        return middleware
    return make_filter
