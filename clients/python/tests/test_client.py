import os
import socket
import unittest

from support import editor, mlplatform, viewer
from mlplatform.errors import api_error


class ClientTest(unittest.TestCase):
    """The URL and key from the environment; errors as exceptions carrying the platform's code and message."""

    def test_environment(self):
        mlp = editor()
        self.assertEqual(mlp.url, os.environ["MLP_URL"])
        me = mlp.me()
        self.assertIn("write", me["permissions"])
        self.assertFalse(me["anonymous"])
        self.assertEqual(viewer().me()["permissions"], ["read"])
        self.assertEqual(mlplatform.Client(url="http://localhost:1", api_key="k").url, "http://localhost:1")

    def test_unknown_key(self):
        with self.assertRaises(mlplatform.Unauthenticated) as refused:
            mlplatform.Client(api_key="mlp_not-a-key").models.list()
        self.assertEqual((refused.exception.status, refused.exception.code), (401, "unauthenticated"))

    def test_unreachable(self):
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        with self.assertRaises(mlplatform.UnreachableError) as refused:
            mlplatform.Client(f"http://127.0.0.1:{port}").models.list()
        self.assertIsInstance(refused.exception, ConnectionError)
        with self.assertRaises(ValueError):
            mlplatform.Client("ftp://example.org")

    def test_error_bodies(self):
        platform = api_error(409, {"error": {"code": "conflict", "message": "taken", "details": {"name": "x"}}})
        self.assertIsInstance(platform, mlplatform.Conflict)
        self.assertEqual((platform.status, platform.code, platform.message, platform.details),
                         (409, "conflict", "taken", {"name": "x"}))
        self.assertEqual(str(platform), "409 conflict: taken")
        v2 = api_error(503, {"error": "no replica is ready"}, retry_after=1.0)
        self.assertIsInstance(v2, mlplatform.Unavailable)
        self.assertEqual((v2.code, v2.message, v2.retry_after), ("unavailable", "no replica is ready", 1.0))
        proxy = api_error(502, "<html>Bad Gateway</html>")
        self.assertIsInstance(proxy, mlplatform.UpstreamError)
        self.assertEqual(proxy.message, "<html>Bad Gateway</html>")
        self.assertIsInstance(api_error(418, None), mlplatform.ApiError)


if __name__ == "__main__":
    unittest.main()
