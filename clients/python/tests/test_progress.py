import io
import unittest

from support import mlplatform


class Terminal(io.StringIO):
    def isatty(self):
        return True


class ProgressTest(unittest.TestCase):
    """How progress looks: a bar redrawn in place on a terminal, a line per change elsewhere."""

    def test_lines_when_not_a_terminal(self):
        out = io.StringIO()
        shown = mlplatform.Progress("execution 0123abcd (train)", 1.0, in_bytes=False, stream=out)
        for done, status in ((0, "queued"), (0, "queued"), (0.1, "running"), (0.1, "running"), (0.6, "running")):
            shown.update(done, status)
        shown.done("succeeded")
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[:3], ["execution 0123abcd (train): queued 0%", "execution 0123abcd (train): running 10%",
                                     "execution 0123abcd (train): running 60%"])
        self.assertRegex(lines[3], r"^execution 0123abcd \(train\): succeeded 100% in \d+\.\ds$")
        self.assertEqual(len(lines), 4)
        self.assertNotIn("\r", out.getvalue())

    def test_transfer_lines_every_tenth(self):
        out = io.StringIO()
        shown = mlplatform.Progress("upload big.csv", 50_000_000, stream=out)
        for sent in range(0, 50_000_001, 1_000_000):
            shown.update(sent)
        shown.done()
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], "upload big.csv: 0% (0 B of 50.0 MB)")
        self.assertEqual(lines[5], "upload big.csv: 50% (25.0 MB of 50.0 MB)")
        self.assertRegex(lines[-1], r"^upload big\.csv: 100% \(50\.0 MB of 50\.0 MB\) in \d+\.\ds$")
        self.assertEqual(len(lines), 11)

    def test_bar_on_a_terminal(self):
        out = Terminal()
        shown = mlplatform.Progress("run 0123abcd", 1.0, in_bytes=False, stream=out)
        shown.update(0.5, "running")
        shown.done("failed")
        text = out.getvalue()
        self.assertTrue(text.startswith("\rrun 0123abcd [" + "#" * 15 + "-" * 15 + "] running 50%"), repr(text))
        self.assertRegex(text.split("\r")[-1], r"^run 0123abcd \[#{15}-{15}\] failed 50% in \d+\.\ds\s*\n$")
        self.assertEqual(text.count("\n"), 1)


if __name__ == "__main__":
    unittest.main()
