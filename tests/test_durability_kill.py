"""kill -9 during saves loses nothing the UI confirmed (SQLite WAL, synchronous=FULL, one
transaction per save), and the database file stays intact."""

import random
import sqlite3
import threading
import time

import httpx

from tests.serve_proc import ServeProc


def _saver(server: ServeProc, start: int, confirmed: list, stop: threading.Event):
    """Create profiles p<i> and save a step of profile `main` in turn, recording each confirmed (303) save."""
    c = server.client()
    i = start
    try:
        while not stop.is_set():
            r = c.post_form("/profiles", {"name": f"p{i}"})
            if r.status_code == 303:
                confirmed.append(("profile", f"p{i}"))
            version = int(c.get("/p/main/database").text.split('name="version" value="')[1].split('"')[0])
            r = c.post_form("/p/main/database", {"version": str(version), "database.port": str(1000 + i)})
            if r.status_code == 303:
                confirmed.append(("port", 1000 + i))
            i += 1
    except (httpx.HTTPError, IndexError, ValueError):
        pass  # the server died under us: whatever was not confirmed may be lost


def test_kill9_during_saves_loses_nothing_confirmed(tmp_path):
    rng = random.Random(1234)
    confirmed: list = []
    server = ServeProc(tmp_path).start()
    assert server.client().post_form("/profiles", {"name": "main"}).status_code == 303
    for round_ in range(4):
        stop = threading.Event()
        t = threading.Thread(target=_saver, args=(server, round_ * 10000, confirmed, stop))
        t.start()
        # kill at a random moment: after a random number of further confirmed saves (no fixed sleep)
        want, deadline = len(confirmed) + rng.randint(1, 8), time.monotonic() + 20
        while len(confirmed) < want and time.monotonic() < deadline and t.is_alive():
            time.sleep(0.01)
        server.kill9()
        stop.set()
        t.join(timeout=15)
        server.start()
    c = server.client()
    names = {p for kind, p in confirmed if kind == "profile"}
    assert len(names) >= 4, "the saver confirmed too few saves to test anything"
    page, number = "", 1
    while True:  # the profile list is paged (25 a page)
        text = c.get(f"/?page={number}").text
        page += text
        if 'rel="next"' not in text:
            break
        number += 1
    missing = [n for n in names if f'data-profile="{n}"' not in page]
    assert missing == []
    last_port = [v for kind, v in confirmed if kind == "port"][-1]
    export = c.get("/p/main/export.yaml").text
    stored = int(export.split("port: ")[1].split()[0])
    assert stored >= last_port  # a save committed just before the kill but never confirmed may be newer
    server.stop()
    with sqlite3.connect(tmp_path / "state.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
