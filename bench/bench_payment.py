"""payment: recording a cash payment over HTTP at the cashier's screen, 4 cashiers at once.

Data (deterministic): one mutual (Senegal, XOF) with BENCH_PAYMENT_HOUSEHOLDS generated
households (default 20,000: about 100,000 persons), the per-person yearly rule of the `billing`
benchmark, the year 2026 billed (every household owes its due), and CLIENTS cashiers
(`cashier` role), each numbering receipts in their own gapless series.

Server: `mutuelle serve` (gunicorn, 2 workers x 4 threads, access log on) on a free port of
127.0.0.1. Clients: CLIENTS threads, each a cashier with a keep-alive connection and a logged-in
session. For each payment a client GETs the household's cashier page (untimed: it reads the CSRF
token and the form's idempotency key), then POSTs the payment (amount, cash); the POST is
timed. Its answer must be the redirect to the receipt (302), which is not fetched: the receipt is
rendered separately. Each client pays for its own households (no two cashiers on one household).

Floor: GET /whoami.json with the same sessions and the same concurrency (the core's trivial
authenticated view: session, user, role grants). ratio = payment p95 / whoami p95; the issue's
goal is an absolute p95 under 100 ms (printed as met or not).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_billing  # noqa: E402  (the shared data set-up)
import bench_http  # noqa: E402  (the server and the HTTP clients)
import common  # noqa: E402

NAME = "payment"
GOAL = 6.0  # payment p95 / whoami p95
GOAL_MS = 100.0
HOUSEHOLDS = int(os.environ.get("BENCH_PAYMENT_HOUSEHOLDS", "20000"))
CLIENTS = 4
REQUESTS = 100  # timed per client and phase
WARMUP = 10
AMOUNT = "1000"
PASSWORD = bench_http.PASSWORD
KEY_INPUT = re.compile(rb'name="key" value="([^"]+)"')
CSRF_INPUT = bench_http.CSRF_INPUT
RECEIPT = re.compile(r"/contributions/receipts/[0-9a-f-]{36}/$")


def create_data() -> tuple[list[str], list[str], int]:
    """The mutual, its households billed for 2026, the cashiers. Returns (cashier user names,
    household uuids in a fixed order, persons)."""
    from django.db import connection

    from mutuelle.contributions import actions
    from mutuelle.core import actions as core
    from mutuelle.core import jobs
    from mutuelle.core.models import User
    from mutuelle.members.models import Household

    mutual, manager, _cashier, villages = bench_billing.create_mutual()
    bench_billing.adopt_rule(manager, mutual)
    persons = bench_billing.generate(mutual, villages, HOUSEHOLDS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh tables
    run = actions.start_billing(manager, mutual, bench_billing.PERIOD)
    jobs.run(run.job.pk)
    names = []
    for i in range(CLIENTS):
        user = User.objects.create_user(
            username=f"cashier{i}", password=PASSWORD, full_name=f"Cashier {i}"
        )
        core.grant_role(None, user, role="cashier", scope="organization", organization=mutual)
        names.append(user.username)
    households = [
        str(u)
        for u in Household.unscoped.filter(organization=mutual, dues__run=run)
        .order_by("pk")
        .values_list("uuid", flat=True)
    ]
    return names, households, persons


class Serve(bench_http.Gunicorn):
    """`mutuelle serve` (it becomes gunicorn: the same process, signals and workers)."""

    def start(self) -> float:
        cmd = [*common.mutuelle_command(), "serve", "--bind", f"{bench_http.HOST}:{self.port}"]
        env = common.mutuelle_env(self.url, self.var_dir, MUTUELLE_ALLOWED_HOSTS=bench_http.HOST)
        env.pop("WEB_CONCURRENCY", None)
        import subprocess

        start = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                cmd,
                env=env,
                cwd=common.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = start + 60
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise common.BenchError(f"mutuelle serve exited:\n{self.log()}")
            if self.log().count("Booting worker") >= bench_http.WORKERS and self._healthy():
                return time.perf_counter() - start
            time.sleep(0.1)
        raise common.BenchError(f"mutuelle serve not ready after 60 s:\n{self.log()[-3000:]}")


def pay(client: bench_http.Client, household: str) -> tuple[float, str | None]:
    """GET the household's page (untimed), POST a cash payment (timed)."""
    path = f"/contributions/cashier/{household}/"
    status, headers, html = client.request("GET", path)
    if status != 200:
        return 0.0, f"GET status {status}"
    client.remember(headers)
    csrf, key = CSRF_INPUT.search(html), KEY_INPUT.search(html)
    if not csrf or not key:
        return 0.0, "no CSRF token or key in the form"
    body = urlencode(
        {
            "csrfmiddlewaretoken": csrf.group(1).decode(),
            "key": key.group(1).decode(),
            "amount": AMOUNT,
            "method": "cash",
            "reference": "",
        }
    ).encode()
    started = time.perf_counter()
    status, headers, _ = client.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{bench_http.HOST}:{client.port}{path}",
        },
    )
    ms = (time.perf_counter() - started) * 1000
    location = headers.get("Location", "")
    if status != 302 or not RECEIPT.search(location):
        return ms, f"POST status {status} {location[:60]}"
    return ms, None


def run_phase(clients, households: list[str], payments: bool) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients))

    def worker(i: int, client: bench_http.Client) -> None:
        mine = households[i :: len(clients)]
        own: list[float] = []
        bad: list[str] = []
        try:
            for n in range(WARMUP + REQUESTS):
                if n == WARMUP:
                    own.clear()
                    barrier.wait(timeout=120)
                if payments:
                    ms, problem = pay(client, mine[n])
                else:
                    started = time.perf_counter()
                    status, _, body = client.request("GET", "/whoami.json")
                    ms = (time.perf_counter() - started) * 1000
                    problem = None if status == 200 and b"cashier" in body else f"{status}"
                own.append(ms)
                if problem:
                    bad.append(problem)
        except Exception as exc:  # noqa: BLE001  (counted: the bench fails)
            bad.append(f"{type(exc).__name__}: {exc}")
            barrier.abort()
        with lock:
            latencies.extend(own)
            errors.extend(bad)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return sorted(latencies), errors


def describe(label: str, values: list[float], wall: float) -> str:
    pct = common.percentile
    return (
        f"{label:<8} {len(values):>4} req in {wall:5.2f} s  p50={pct(values, 50):6.2f} "
        f"p95={pct(values, 95):6.2f} p99={pct(values, 99):6.2f} max={values[-1]:6.2f} ms"
    )


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        common.prepare_database(var_dir, static=True)
        common.setup_django(url, var_dir)
        from django.db import connection, connections

        from mutuelle.contributions.models import Payment, Receipt

        with common.Timer() as t:
            names, households, persons = create_data()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(
            f"  data: {HOUSEHOLDS:,} households, {persons:,} persons, {len(households):,} dues "
            f"billed, {CLIENTS} cashiers, in {t.seconds:.0f} s",
            flush=True,
        )
        connections.close_all()
        server = Serve(url, var_dir)
        clients: list[bench_http.Client] = []
        try:
            ready = server.start()
            print(f"  mutuelle serve on port {server.port}, ready in {ready:.1f} s", flush=True)
            clients = [bench_http.Client(server.port, name) for name in names]
            for c in clients:
                c.login()
            pids = [os.getpid(), *server.pids()]
            peaks_ok = common.reset_peak(pids)
            with common.Timer() as floor_t:
                floor, floor_errors = run_phase(clients, households, payments=False)
            print("  " + describe("whoami", floor, floor_t.seconds), flush=True)
            with common.Timer() as figure_t:
                figure, figure_errors = run_phase(clients, households, payments=True)
            print("  " + describe("payment", figure, figure_t.seconds), flush=True)
            peaks = [common.process_peak_mb(pid) for pid in pids]
        finally:
            for c in clients:
                c.close()
            server.stop()
        server_log = server.log()  # before the var dir goes
        recorded = Payment.unscoped.count()
        receipts = Receipt.unscoped.count()
        connection.close()

    problems = []
    if floor_errors or figure_errors:
        problems.append(f"errors: {(floor_errors + figure_errors)[:5]}")
    expected = CLIENTS * (WARMUP + REQUESTS)
    if recorded != expected or receipts != expected:
        problems.append(f"{recorded} payments and {receipts} receipts, {expected} expected")
    if problems:
        errors_log = [x for x in server_log.splitlines() if '" 200 ' not in x and '" 302 ' not in x]
        print("  server log (not 200/302):\n" + "\n".join(errors_log[-60:]), file=sys.stderr)
        raise common.BenchError("; ".join(problems))
    p95, floor_p95 = common.percentile(figure, 95), common.percentile(floor, 95)
    ratio = p95 / floor_p95
    peak = sum(p for p in peaks if p) if peaks_ok and None not in peaks else None
    verdict = "met" if p95 < GOAL_MS else "NOT met"
    print(
        f"  ratio: payment p95 / whoami p95 = {p95:.2f} / {floor_p95:.2f} = {ratio:.2f} "
        f"(goal <= {GOAL:.0f}{', above goal' if ratio > GOAL else ''}); "
        f"absolute p95 < {GOAL_MS:.0f} ms: {verdict}"
    )
    print(
        f"  {recorded} payments recorded, each with its receipt; memory (measured phases, "
        f"bench process + server processes): {peak or 0:.0f} MB"
    )
    common.bench_line(NAME, ratio, GOAL, rows=len(figure), p95_ms=p95, peak_mb=peak)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
