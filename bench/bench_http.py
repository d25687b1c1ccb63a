"""http_whoami: latency of an authenticated JSON view under 32 concurrent keep-alive clients.

Floor: GET /healthz through the same stack (HTTP, gunicorn, every Django middleware), without
session, user or database. Figure: GET /whoami.json, which reads the session, the user and the
user's role grants (and checks for two-factor devices). ratio = whoami p95 / healthz p95.

Data (deterministic): one network BENCH, one mutual BENCH-M1, 32 users bench00..bench31, each a
mutual_manager of BENCH-M1. Server: gunicorn, 2 workers x 4 threads (the `mutuelle serve`
default), on a free port of 127.0.0.1. See bench/README.md.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NAME = "http_whoami"
# whoami p95 / healthz p95. Why 3.00: see bench/README.md ("http_whoami").
GOAL = 3.00

CLIENTS = 32  # concurrent clients, one keep-alive connection and one user session each
REQUESTS = 100  # timed requests per client and per phase
WARMUP = 10  # untimed requests per client before each phase
PHASE_LIMIT_S = 60.0  # a phase stops after this long even if the counts are not reached
WORKERS, THREADS = 2, 4
PASSWORD = "bench-Mutuelle-2024"
ROLE = "mutual_manager"

HOST = "127.0.0.1"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


# --- data ------------------------------------------------------------------------------------


def create_data() -> list[str]:
    """The network, the mutual and the users; returns the user names, in order."""
    from mutuelle.core import actions
    from mutuelle.core.models import User

    place = {"country": "SN", "currency": "XOF", "time_zone": "Africa/Dakar"}
    network = actions.create_organization(
        None, parent=None, kind="network", code="BENCH", name="Bench", **place
    )
    mutual = actions.create_organization(
        None, parent=network, kind="mutual", code="BENCH-M1", name="Bench mutual", **place
    )
    names = []
    for i in range(CLIENTS):
        user = User.objects.create_user(
            username=f"bench{i:02d}", password=PASSWORD, full_name=f"Bench User {i:02d}"
        )
        actions.grant_role(None, user, role=ROLE, scope="organization", organization=mutual)
        names.append(user.username)
    return names


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, url: str, var_dir: Path):
        self.url = url
        self.var_dir = var_dir
        self.port = free_port()
        self.log_path = var_dir / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn),
            "mutuelle.wsgi:application",
            "-b",
            f"{HOST}:{self.port}",
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
        ]
        env = common.mutuelle_env(self.url, self.var_dir, MUTUELLE_ALLOWED_HOSTS=HOST)
        start = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=common.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() can reach the workers
            )
        # Ready when both workers have booted and /healthz answers.
        deadline = start + 60
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise common.BenchError(f"gunicorn exited ({self.proc.returncode}):\n{self.log()}")
            if self.log().count("Booting worker") >= WORKERS and self._healthy():
                return time.perf_counter() - start
            time.sleep(0.1)
        raise common.BenchError(f"gunicorn not ready after 60 s:\n{self.log()}")

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            return resp.status == 200 and resp.read() == b"ok"
        except OSError:
            return False
        finally:
            conn.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.proc is None:
            return []
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        return pids

    def connection_owners(self) -> dict[int, int]:
        """{client port: worker pid} of the accepted connections to this server (Linux /proc:
        the server side of each TCP connection in /proc/net/tcp, by socket inode)."""
        inodes: dict[int, int] = {}
        for pid in self.pids()[1:]:
            fd_dir = Path(f"/proc/{pid}/fd")
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            for fd in fds:
                try:
                    target = os.readlink(fd_dir / fd)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes[int(target[8:-1])] = pid
        owners: dict[int, int] = {}
        try:
            lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        except OSError:
            return owners
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            inode = int(fields[9])
            if local_port == self.port and inode in inodes:
                owners[int(fields[2].rsplit(":", 1)[1], 16)] = inodes[inode]
        return owners

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group we created for it
            proc.wait(timeout=10)


# --- the clients -----------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection with its own cookies (one user session)."""

    def __init__(self, port: int, username: str):
        self.port = port
        self.username = username
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def connect(self) -> None:
        self.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def local_port(self) -> int | None:
        sock = self.conn.sock if self.conn is not None else None
        return sock.getsockname()[1] if sock is not None else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: bool = True,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = dict(headers or {})
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except STALE:
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2 or method != "GET":
                    raise
                self.reconnects += 1
                continue
            if resp.will_close:
                self.close()
            return resp.status, resp.headers, data
        raise AssertionError("unreachable")

    def remember(self, headers: http.client.HTTPMessage) -> None:
        for raw in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value

    def login(self) -> None:
        status, headers, html = self.request("GET", "/login/", cookies=False)
        if status != 200:
            raise common.BenchError(f"GET /login/ answered {status}")
        self.remember(headers)
        match = CSRF_INPUT.search(html)
        if not match or "csrftoken" not in self.cookies:
            raise common.BenchError("GET /login/ gave no CSRF token")
        form = {
            "username": self.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": match.group(1).decode(),
        }
        status, headers, _ = self.request(
            "POST",
            "/login/",
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        self.remember(headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise common.BenchError(f"login of {self.username} failed (status {status})")


def expected_whoami(client: Client, body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    number = client.username.removeprefix("bench")
    return data.get("roles") == [ROLE] and data.get("name") == f"Bench User {number}"


def balance(clients: list[Client], server: Gunicorn) -> str:
    """Open a fresh connection per client, then reopen the extra connections of the busiest
    worker until every worker holds the same number.

    Keep-alive connections stay on the worker that accepted them, and which worker accepts is a
    race: as opened, 32 connections often split 23/9 or worse, and then the p95 measures that
    split rather than the cost of a request. Returns a note: the split as opened and as used."""
    for c in clients:
        c.connect()
        c.request("GET", "/healthz", cookies=False)  # answered, hence accepted by a worker
    workers = server.pids()[1:]

    def split() -> dict[int, list[Client]] | None:
        owners = server.connection_owners()
        by_worker: dict[int, list[Client]] = {pid: [] for pid in workers}
        for c in clients:
            pid = owners.get(c.local_port)
            if pid not in by_worker:
                return None
            by_worker[pid].append(c)
        return by_worker

    def counts(by_worker: dict[int, list[Client]]) -> str:
        return "/".join(str(len(v)) for v in sorted(by_worker.values(), key=len, reverse=True))

    by_worker = split()
    if by_worker is None:
        return "connections per worker unknown (no /proc): not balanced"
    as_opened = counts(by_worker)
    reopened = 0
    while reopened < 20 * len(clients):
        busiest = max(by_worker.values(), key=len)
        if len(busiest) - min(len(v) for v in by_worker.values()) <= 1:
            return f"connections per worker {as_opened} as opened, {counts(by_worker)} used"
        client = busiest[-1]
        client.connect()
        client.request("GET", "/healthz", cookies=False)
        reopened += 1
        by_worker = split()
        if by_worker is None:
            break
    raise common.BenchError(f"could not balance the connections across workers ({as_opened})")


# --- a phase ---------------------------------------------------------------------------------


@dataclass
class Phase:
    label: str
    path: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    stopped_early: bool = False

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def n(self) -> int:
        return len(self.latencies_ms)

    def pct(self, q: float) -> float:
        return common.percentile(sorted(self.latencies_ms), q)

    def summary(self) -> str:
        rps = self.n / self.wall_s if self.wall_s else 0.0
        errors = sum(self.errors.values())
        detail = f" {self.errors}" if errors else ""
        return (
            f"{self.label:<6} GET {self.path:<12} {self.n:>5} req in {self.wall_s:5.2f} s "
            f"{rps:7.0f} req/s  p50={self.pct(50):6.2f} p95={self.pct(95):6.2f} "
            f"p99={self.pct(99):6.2f} max={max(self.latencies_ms, default=0):6.2f} ms  "
            f"errors={errors}{detail}"
        )


def run_phase(label: str, path: str, clients: list[Client], *, session: bool) -> Phase:
    """Every client warms up, then all start together and send REQUESTS requests each."""
    phase = Phase(label, path)
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1, timeout=PHASE_LIMIT_S)

    def check(client: Client, status: int, body: bytes, expected: list[bytes]) -> str | None:
        if status != 200:
            return f"status {status}"
        if expected:
            return None if body == expected[0] else "unexpected body"
        ok = body == b"ok" if path == "/healthz" else expected_whoami(client, body)
        if not ok:
            return "unexpected body"
        expected.append(body)
        return None

    def worker(client: Client) -> None:
        latencies: list[float] = []
        errors: list[str] = []
        expected: list[bytes] = []
        try:
            for _ in range(WARMUP):
                status, _, body = client.request("GET", path, cookies=session)
                if problem := check(client, status, body, expected):
                    errors.append(f"warm-up: {problem}")
            barrier.wait()
            deadline = time.perf_counter() + PHASE_LIMIT_S
            for _ in range(REQUESTS):
                start = time.perf_counter()
                if start > deadline:
                    break
                try:
                    status, _, body = client.request("GET", path, cookies=session)
                except OSError as exc:
                    errors.append(exc.__class__.__name__)
                    client.close()
                    continue
                latencies.append((time.perf_counter() - start) * 1000)
                if problem := check(client, status, body, expected):
                    errors.append(problem)
        except threading.BrokenBarrierError:
            errors.append("phase aborted")
        except Exception as exc:  # noqa: BLE001  (counted, and the bench fails)
            errors.append(f"{exc.__class__.__name__}: {exc}")
            barrier.abort()
        finally:
            with lock:
                phase.latencies_ms.extend(latencies)
                for kind in errors:
                    phase.error(kind)

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join(PHASE_LIMIT_S + 60)
    phase.wall_s = time.perf_counter() - start
    phase.stopped_early = phase.n + sum(phase.errors.values()) < len(clients) * REQUESTS
    if any(t.is_alive() for t in threads):
        phase.error("client hung")
    return phase


def login_all(clients: list[Client]) -> list[str]:
    failures: list[str] = []

    def login(client: Client) -> None:
        try:
            client.login()
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{client.username}: {exc}")
        finally:
            client.close()

    threads = [threading.Thread(target=login, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return failures


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        common.prepare_database(var_dir, static=True)  # the login page needs static files
        common.setup_django(url, var_dir)
        with common.Timer() as t:
            usernames = create_data()
        print(f"  data: 1 network, 1 mutual, {len(usernames)} users ({ROLE}) in {t.seconds:.1f} s")

        server = Gunicorn(url, var_dir)
        clients: list[Client] = []
        try:
            ready = server.start()
            print(
                f"  gunicorn: {WORKERS} workers x {THREADS} threads on {HOST}:{server.port}, "
                f"ready in {ready:.1f} s",
                flush=True,
            )
            clients = [Client(server.port, name) for name in usernames]
            with common.Timer() as t:
                failures = login_all(clients)
            if failures:
                raise common.BenchError("login failed: " + "; ".join(failures[:5]))
            print(f"  login: {len(clients)} sessions in {t.seconds:.1f} s", flush=True)
            # peak_mb covers the measured phases only: not the set-up (migrate, password
            # hashing when creating users and at login: Argon2 takes 100 MB per hash).
            measured_pids = [os.getpid(), *server.pids()]
            phase_peaks_ok = common.reset_peak(measured_pids)
            print(
                f"  {CLIENTS} clients x {REQUESTS} requests per phase "
                f"(after {WARMUP} warm-up requests each; limit {PHASE_LIMIT_S:.0f} s); "
                "latencies in ms",
                flush=True,
            )
            print(f"  floor:  {balance(clients, server)}", flush=True)
            floor = run_phase("floor", "/healthz", clients, session=False)
            print("  " + floor.summary(), flush=True)
            print(f"  figure: {balance(clients, server)}", flush=True)
            figure = run_phase("figure", "/whoami.json", clients, session=True)
            print("  " + figure.summary(), flush=True)
            reconnects = sum(c.reconnects for c in clients)
            phase_peaks = [common.process_peak_mb(pid) for pid in measured_pids]
        finally:
            for c in clients:
                c.close()
            server.stop()
            from django.db import connections

            connections.close_all()

    problems = []
    for phase in (floor, figure):
        if phase.errors:
            problems.append(f"{phase.path}: {sum(phase.errors.values())} errors {phase.errors}")
        if phase.n == 0:
            problems.append(f"{phase.path}: no request completed")
    if problems:
        print(f"  server log (tail):\n{server.log()[-3000:]}", file=sys.stderr)
        raise common.BenchError("; ".join(problems))
    for phase in (floor, figure):
        if phase.stopped_early:
            print(
                f"  WARNING: {phase.path} stopped at the {PHASE_LIMIT_S:.0f} s limit after "
                f"{phase.n} of {CLIENTS * REQUESTS} requests: figures are not comparable"
            )

    ratio = figure.pct(95) / floor.pct(95)
    own, children = common.peak_mb_parts()
    if phase_peaks_ok and None not in phase_peaks:
        peak = sum(phase_peaks)
        peak_note = (
            f"measured phases: bench process {phase_peaks[0]:.0f} + gunicorn master and workers "
            f"{' + '.join(f'{mb:.0f}' for mb in phase_peaks[1:])} = {peak:.0f} MB"
        )
    else:
        peak = own + children
        peak_note = "could not reset /proc peaks: peak_mb is the whole run's"
    ratio = figure.pct(95) / floor.pct(95)
    print(
        f"  ratio: whoami p95 / healthz p95 = {figure.pct(95):.2f} / {floor.pct(95):.2f} "
        f"= {ratio:.2f} (goal <= {GOAL:.2f}{', above goal' if ratio > GOAL else ''}); "
        f"p99 ratio = {figure.pct(99) / floor.pct(99):.2f}; "
        f"throughput ratio = {(floor.n / floor.wall_s) / (figure.n / figure.wall_s):.2f}"
    )
    print(
        f"  memory: {peak_note}; whole run (getrusage): bench process {own:.0f} MB, "
        f"largest child {children:.0f} MB; keep-alive reconnects {reconnects}"
    )
    common.bench_line(NAME, ratio, GOAL, rows=figure.n, p95_ms=figure.pct(95), peak_mb=peak)
    return 0


if __name__ == "__main__":
    sys.exit(main())
