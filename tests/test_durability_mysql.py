"""Two `wbsetup serve` processes on one MariaDB state store (same key and token): concurrent edits of
one profile are detected as conflicts, and no confirmed save is lost."""

import threading

from cryptography.fernet import Fernet

from tests.serve_proc import ServeProc

DB = "wbsetup_state"


def test_two_wizards_share_mysql_state(tmp_path, mariadb_default):
    mariadb_default.sql(
        f"CREATE DATABASE IF NOT EXISTS {DB} CHARACTER SET utf8mb4",
        "CREATE USER IF NOT EXISTS 'wbstate'@'%' IDENTIFIED BY 'st-pw'",
        f"GRANT ALL ON {DB}.* TO 'wbstate'@'%'",
    )
    url = f"mysql+pymysql://wbstate:st-pw@127.0.0.1:{mariadb_default.port}/{DB}"
    key = Fernet.generate_key().decode()
    a = ServeProc(tmp_path / "a", state_url=url, secret_key=key)
    b = ServeProc(tmp_path / "b", state_url=url, secret_key=key)
    for s in (a, b):
        s.data_dir.mkdir()
    a.start()
    b.start()
    try:
        ca, cb = a.client(), b.client()
        assert ca.post_form("/profiles", {"name": "shared"}).status_code == 303
        assert cb.post_form("/profiles", {"name": "shared"}).status_code == 409  # seen from the other process

        # Both tabs loaded version 1; the second save is refused with a clear message, not merged silently.
        assert ca.post_form("/p/shared/database", {"version": "1", "database.host": "a.example"}).status_code == 303
        stale = cb.post_form("/p/shared/database", {"version": "1", "database.host": "b.example"})
        assert stale.status_code == 409 and "changed elsewhere" in stale.text

        # Concurrent writers: each reloads the version and retries on conflict; every confirmed save counts.
        confirmed = {"a": [], "b": []}

        def writer(client, tag):
            for i in range(15):
                page = client.get("/p/shared/object_store").text
                version = page.split('name="version" value="')[1].split('"')[0]
                r = client.post_form(
                    "/p/shared/object_store", {"version": version, "object_store.bucket": f"{tag}-{i}"}
                )
                if r.status_code == 303:
                    confirmed[tag].append(int(version) + 1)
                else:
                    assert r.status_code == 409 and "changed elsewhere" in r.text

        threads = [threading.Thread(target=writer, args=(c, t)) for c, t in ((ca, "a"), (cb, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        versions = confirmed["a"] + confirmed["b"]
        assert len(versions) == len(set(versions)), "two saves confirmed for the same version: one was lost"
        assert len(versions) >= 15
        final = ca.get("/p/shared/export.yaml").text
        assert "a.example" in final  # the earlier confirmed save is still there
        # The newest confirmed version's value is the stored one.
        stored_version = int(ca.get("/p/shared/object_store").text.split('name="version" value="')[1].split('"')[0])
        assert stored_version == max(versions)
    finally:
        a.stop()
        b.stop()
