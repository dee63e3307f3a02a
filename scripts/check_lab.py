"""Headless check of `make lab`: start JupyterLab, run every notebook through it, shut down.

It starts the same server `make lab` starts (no browser, a random token, a free port), asks
it for a `plan-eval` kernel for each notebook under notebooks/, sends the notebook's code
cells one by one over the kernel's websocket exactly as the Lab front end does, and fails on
the first error reply. The notebooks run with their default parameters (the parameters cell
as committed). Exit status 0 means a researcher can open and run every notebook in Lab.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "plan-eval"
CELL_TIMEOUT = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}{path}", data=data, method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else {}


def wait_for_server(base: str, token: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with status {server.returncode}")
        try:
            api(base, token, "/api/status")
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("jupyter lab did not answer within 90 s")


def execute_request(session: str, code: str) -> dict:
    msg_id = uuid.uuid4().hex
    return {
        "header": {"msg_id": msg_id, "username": "check", "session": session,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }


async def run_notebook(ws_base: str, token: str, kernel_id: str, path: Path) -> None:
    url = f"{ws_base}/api/kernels/{kernel_id}/channels?token={token}"
    connection = await websocket_connect(url)
    session = uuid.uuid4().hex
    nb = nbformat.read(path, as_version=4)
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            request = execute_request(session, cell.source)
            await connection.write_message(json.dumps(request))
            msg_id = request["header"]["msg_id"]
            while True:
                raw = await asyncio.wait_for(connection.read_message(), CELL_TIMEOUT)
                if raw is None:
                    raise RuntimeError("kernel websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "execute_reply":
                    content = msg["content"]
                    if content["status"] != "ok":
                        raise RuntimeError(
                            f"{path.name} cell {index}: {content.get('ename')}: {content.get('evalue')}"
                        )
                    break
    finally:
        connection.close()


def main() -> int:
    port, token = free_port(), secrets.token_hex(16)
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
        "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--notebook-dir={ROOT}",
        "--ServerApp.open_browser=False", "--allow-root",
    ]
    log = open(os.devnull, "w")  # noqa: SIM115
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
    failures = passed = 0
    try:
        wait_for_server(base, token, server)
        print(f"jupyter lab is up on port {port}")
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            kernel = api(base, token, "/api/kernels", "POST", {"name": KERNEL, "path": "notebooks"})
            started = time.monotonic()
            try:
                asyncio.run(run_notebook(ws_base, token, kernel["id"], path))
                passed += 1
                print(f"ok      {path.name} ({time.monotonic() - started:.1f} s)")
            except Exception as error:  # report every notebook, then fail
                failures += 1
                print(f"FAILED  {path.name}: {error}")
            finally:
                api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print("jupyter lab shut down")
    print(f"lab check: {passed} passed, {failures} failed")
    return 1 if failures or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
