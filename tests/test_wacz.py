"""The WACZ export: it validates, its signature checks, and an independent reader replays it."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from warcio.archiveiterator import ArchiveIterator

from cli import main
from replay.server import ReplayServer
from storage.archive import Archive
from tests.commands import crawl

WACZ = Path(sys.executable).parent / "wacz"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("wacz") / "archive.db"
    with ReplayServer(articles=24, seed=6) as server:
        crawl(server.base_url, db)
        server.set_epoch(1)
        crawl(server.base_url, db, "--mode", "revisit", "--everything")
    return db


def export(db: Path, output: Path, key: Path, *options: str):
    return CliRunner().invoke(main, ["export", "--format", "wacz", "--db", str(db), "--output",
                                     str(output), "--key", str(key), *options])


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WACZ), "validate", "-f", str(path)], capture_output=True, text=True,
                          timeout=120)


def signature_checks(path: Path) -> bool:
    """The anonymous signature checked with `cryptography` alone, as the WACZ signing spec says:
    ECDSA with SHA-256 over the hash text, the key as DER SubjectPublicKeyInfo, r and s raw."""
    with zipfile.ZipFile(path) as package:
        signed = json.loads(package.read("datapackage-digest.json"))
        datapackage = package.read("datapackage.json")
    data = signed["signedData"]
    assert data["hash"] == signed["hash"] == "sha256:" + hashlib.sha256(datapackage).hexdigest()
    assert data["created"] == json.loads(datapackage)["created"]
    public = serialization.load_der_public_key(base64.b64decode(data["publicKey"]))
    assert isinstance(public.curve, ec.SECP384R1)  # the curve ReplayWeb.page imports
    raw = base64.b64decode(data["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    try:
        public.verify(der, data["hash"].encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


def replayed(path: Path) -> dict[str, bytes]:
    """Every capture read the way a replay tool reads it: each CDXJ line's offset and length
    into the WARC stored in the zip, that record parsed with warcio. Keyed by URL and time."""
    found = {}
    with zipfile.ZipFile(path) as package:
        assert package.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        lines = package.read("indexes/index.cdx").decode().splitlines()
        assert lines == sorted(lines)
        with package.open("archive/data.warc.gz") as warc:
            for line in lines:
                key, stamp, data = line.split(" ", 2)
                fields = json.loads(data)
                warc.seek(int(fields["offset"]))
                chunk = warc.read(int(fields["length"]))
                record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
                assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
                body = record.content_stream().read()
                assert fields["digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
                assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
                found[(fields["url"], stamp)] = body
    return found


def captures(db: Path, where: str = "1", params: tuple = ()) -> dict[tuple[str, str], bytes]:
    """The archive's own captures of the selected versions, keyed as `replayed` keys them."""
    with Archive(db, readonly=True) as opened:
        rows = opened.db.execute(
            "SELECT v.id, c.url, c.fetched_at FROM versions v JOIN captures c"
            f" ON c.id = v.capture_id JOIN articles a ON a.id = v.article_id WHERE {where}",
            list(params)).fetchall()
        return {(url, at.replace("-", "").replace(":", "").replace("T", "")[:14]):
                opened.capture(version_id)[1] for version_id, url, at in rows}


def test_the_whole_archive_validates_is_signed_and_replays(archive, tmp_path):
    key, output = tmp_path / "keys" / "signing.pem", tmp_path / "archive.wacz"
    done = export(archive, output, key)
    assert done.exit_code == 0, done.output
    assert (os.stat(key).st_mode & 0o777) == 0o600 and (os.stat(key.parent).st_mode & 0o777) == 0o700
    public = (tmp_path / "keys" / "signing.pem.pub").read_text()
    printed = done.stderr.split("is:\n")[1].split("\n")[0]
    assert printed in public.replace("\n", "") or base64.b64decode(printed)
    checked = validate(output)
    assert checked.returncode == 0 and "Validation succeeded" in checked.stdout, checked.stdout
    assert signature_checks(output)
    assert replayed(output) == captures(archive)
    assert CliRunner().invoke(main, ["verify", "--wacz", str(output)]).exit_code == 0
    again = tmp_path / "again.wacz"
    assert export(archive, again, key).exit_code == 0  # the same key, not a new one
    with zipfile.ZipFile(output) as one, zipfile.ZipFile(again) as two:
        first, second = (json.loads(z.read("datapackage-digest.json"))["signedData"]["publicKey"]
                         for z in (one, two))
    assert first == second and "made a signing key" not in export(archive, again, key).stderr


def test_one_article_a_time_range_and_an_edition_are_exported_alone(archive, tmp_path):
    key = tmp_path / "key.pem"
    with closing(sqlite3.connect(archive)) as conn:
        article_id = conn.execute("SELECT article_id FROM versions WHERE number = 2"
                                  " LIMIT 1").fetchone()[0]
        times = sorted(row[0] for row in conn.execute("SELECT fetched_at FROM captures"))
    middle = times[len(times) // 2]
    for options, where, params in (
            (["--id", str(article_id)], "v.article_id = ?", (article_id,)),
            (["--since", middle.replace("Z", "+00:00")], "c.fetched_at >= ?", (middle,)),
            (["--until", middle.replace("Z", "+00:00"), "--edition", "kk"],
             "c.fetched_at < ? AND a.language = 'kk'", (middle,))):
        output = tmp_path / "part.wacz"
        done = export(archive, output, key, *options)
        if done.exit_code == 2 and "nothing to export" in done.stderr:
            assert not captures(archive, where, params)
            continue
        assert done.exit_code == 0, done.output
        assert validate(output).returncode == 0 and signature_checks(output)
        expected = captures(archive, where, params)
        assert replayed(output) == expected and expected
        assert CliRunner().invoke(main, ["verify", "--wacz", str(output)]).exit_code == 0


def test_a_changed_package_or_another_key_fails_the_check(archive, tmp_path):
    key, output = tmp_path / "key.pem", tmp_path / "one.wacz"
    assert export(archive, output, key, "--edition", "en").exit_code == 0
    changed = tmp_path / "changed.wacz"
    with zipfile.ZipFile(output) as source, zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "evidence/records.jsonl":
                data = data.replace(b'"status": 200', b'"status": 201', 1)
                assert data != source.read(item)
            target.writestr(item, data)
    assert validate(changed).returncode != 0
    done = CliRunner().invoke(main, ["verify", "--wacz", str(changed)])
    assert done.exit_code == 1 and "records.jsonl does not match" in done.stdout
    other = tmp_path / "other.pem"
    assert export(archive, tmp_path / "two.wacz", other, "--edition", "en").exit_code == 0
    mine = (tmp_path / "key.pem.pub").read_bytes()
    expected = base64.b64encode(serialization.load_pem_public_key(mine).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    assert CliRunner().invoke(main, ["verify", "--wacz", str(output), "--public-key",
                                     expected]).exit_code == 0
    done = CliRunner().invoke(main, ["verify", "--wacz", str(tmp_path / "two.wacz"),
                                     "--public-key", expected])
    assert done.exit_code == 1 and "another key" in done.stdout


def test_a_key_others_can_read_is_refused_and_options_are_checked(archive, tmp_path):
    key = tmp_path / "key.pem"
    assert export(archive, tmp_path / "a.wacz", key).exit_code == 0
    key.chmod(0o644)
    done = export(archive, tmp_path / "b.wacz", key)
    assert done.exit_code == 2 and "chmod 600" in done.stderr and not (tmp_path / "b.wacz").exists()
    for options in (["--format", "csv", "--until", "2024-01-01"], ["--format", "warc", "--id", "1"],
                    ["--format", "wacz"], ["--format", "wacz", "--output", str(archive)]):
        done = CliRunner().invoke(main, ["export", "--db", str(archive), *options])
        assert done.exit_code == 2 and done.stderr.startswith("error:"), (options, done.output)


@pytest.mark.skipif(not os.environ.get("MEDIAWATCH_PYWB"),
                    reason="set MEDIAWATCH_PYWB to the bin folder of an environment with pywb "
                           "(it cannot share mediawatch's: it pins older pyOpenSSL and werkzeug)")
def test_pywb_replays_a_capture_byte_for_byte(archive, tmp_path):
    bin_folder = Path(os.environ["MEDIAWATCH_PYWB"])
    output = tmp_path / "archive.wacz"
    assert export(archive, output, tmp_path / "key.pem").exit_code == 0
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120}
    assert subprocess.run([bin_folder / "wb-manager", "init", "evidence"], **run).returncode == 0
    assert subprocess.run([bin_folder / "wb-manager", "add", "--unpack-wacz", "evidence",
                           output], **run).returncode == 0
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen([bin_folder / "wayback", "-p", str(port)], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        expected = captures(archive)
        (url, stamp), body = next(iter(expected.items()))
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/evidence/{stamp}id_/{url}") as got:
                    assert got.read() == body
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("pywb did not answer")
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(tmp_path / "collections", ignore_errors=True)
