"""Real nginx (Debian's package) running the bundle's own docker-compose/nginx.conf on loopback: the
demo puts it in front of its W&B stand-in, and the tests in front of theirs (tests/services/nginx.py).

The generated server blocks are used as they are, except: `listen` goes to loopback ports,
`ssl_certificate*` to private files, and `proxy_pass http://wandb:8080` to the W&B stand-in. An
optional edit may break the config the way operators do (e.g. `client_max_body_size 1m`). nginx runs
with its own prefix (pid, logs, temp paths) in a private directory, in the foreground, stopped by its pid.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path


def available() -> bool:
    """nginx is installed (Debian: /usr/sbin/nginx)."""
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nginx is not listening on 127.0.0.1:{port} after {timeout} s")


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

MAIN_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def loopback_copy(conf: str, *, port: int, redirect_port: int, cert: Path, key: Path, upstream: str) -> str:
    """The generated conf with only its addresses and certificate paths swapped for the test."""
    out, n = re.subn(rf"(?m)^(\s*listen\s+){port}( ssl)?;", rf"\g<1>127.0.0.1:{port}\g<2>;", conf)
    if n != 1:
        raise ValueError("the generated nginx.conf has no `listen PORT` line for the host's port")
    out = re.sub(r"(?m)^(\s*listen\s+)80;", rf"\g<1>127.0.0.1:{redirect_port};", out)
    out = out.replace("/etc/nginx/tls/tls.crt", str(cert)).replace("/etc/nginx/tls/tls.key", str(key))
    out, n = re.subn(r"proxy_pass http://wandb:8080;", f"proxy_pass {upstream};", out)
    if n != 1:
        raise ValueError("the generated nginx.conf has no proxy_pass to wandb:8080")
    return out


class Nginx:
    """One nginx process serving `site` (already rewritten) from `directory`."""

    def __init__(self, directory: Path, site: str, port: int):
        self.dir, self.port = directory, port
        directory.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read the private temp dir
        (directory / "nginx.conf").write_text(MAIN_CONF.format(dir=directory, user=user))
        (directory / "site.conf").write_text(site)
        self.proc: subprocess.Popen | None = None

    def args(self, *extra: str) -> list[str]:
        # -e: errors at start-up go to the prefix's own log, not /var/log/nginx (unwritable unprivileged)
        return [
            NGINX,
            "-c",
            str(self.dir / "nginx.conf"),
            "-p",
            str(self.dir),
            "-e",
            str(self.dir / "error.log"),
            *extra,
        ]

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.args("-t"), capture_output=True, text=True, timeout=30, check=False)

    def start(self) -> Nginx:
        checked = self.test_config()
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_port(self.port, timeout=15)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown (master and workers)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
