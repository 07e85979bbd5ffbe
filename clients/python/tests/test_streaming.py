import hashlib
import json
import os
import subprocess
import sys
import unittest

from support import editor, scratch, unique

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
MB = 1_000_000

# run in a process of its own, so that its peak resident memory is the transfer's: VmHWM, which starts afresh
# when the process starts (ru_maxrss, which a child inherits from its parent at fork, where /proc is missing)
CHILD = """
import json, resource, sys
import mlplatform


def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


mlp = mlplatform.Client()
before = peak_kb()
if sys.argv[1] == "upload":
    answer = mlp.datasets.upload(sys.argv[2], sys.argv[3])
else:
    answer = mlp.datasets.download(sys.argv[2], sys.argv[3])
print(json.dumps({"answer": answer, "before_kb": before, "peak_kb": peak_kb()}))

"""


def big_csv(folder: str, size: int) -> str:
    file = os.path.join(folder, "big.csv")
    row = "".join(f"{i % 10}," for i in range(40)) + "text with, a comma\n"
    with open(file, "w", encoding="utf-8") as out:
        out.write(",".join(f"c{i}" for i in range(40)) + ",note\n")
        written = 0
        line = 0
        while written < size:
            text = f"{line}," + row[row.index(",") + 1:].replace("text with, a comma", f'"text {line}, a comma"')
            out.write(text)
            written += len(text)
            line += 1
    return file


def sha256(file: str) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as content:
        for chunk in iter(lambda: content.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"{args[0]} failed: {done.stderr}")
    return json.loads(done.stdout)


class StreamingTest(unittest.TestCase):
    """A 50 MB upload and download never sit in memory: the client process's peak stays far below the file."""

    def test_upload_and_download_stream(self):
        folder = scratch(self)
        file = big_csv(folder, 50 * MB)
        size = os.path.getsize(file)
        name = unique("big")

        uploaded = child("upload", name, file)
        version = uploaded["answer"]
        self.assertEqual((version["size"], version["sha256"]), (size, sha256(file)))
        self.assertEqual(len(version["schema"]), 41)
        self.assertLess(uploaded["peak_kb"] * 1024, size * 0.75, uploaded)
        self.assertLess((uploaded["peak_kb"] - uploaded["before_kb"]) * 1024, 8 * MB, uploaded)

        copy = os.path.join(folder, "copy.csv")
        downloaded = child("download", name, copy)
        self.assertEqual((os.path.getsize(copy), sha256(copy)), (size, version["sha256"]))
        self.assertLess(downloaded["peak_kb"] * 1024, size * 0.75, downloaded)
        self.assertLess((downloaded["peak_kb"] - downloaded["before_kb"]) * 1024, 8 * MB, downloaded)
        editor().datasets.delete(name)


if __name__ == "__main__":
    unittest.main()
