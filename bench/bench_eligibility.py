"""eligibility: a provider clerk's eligibility check over HTTP (the answer page with coverage,
entitlements and ceilings; the check logged).

Data (deterministic): one mutual (Senegal, XOF) with BENCH_ELIGIBILITY_HOUSEHOLDS generated
households (default 20,000: about 100,000 persons) whose active members are checked (the
generator dates their history in the past), a compulsory package adopted from 1 January 2026
(consultation, delivery, hospitalization lines, a
ceiling per person), a health centre with a convention, and 32 clerks of that centre.

Server: `mutuelle serve` (gunicorn, as bench_payment). Each client GETs the eligibility page
once (untimed: CSRF token), then POSTs membership numbers (typed, as a clerk does); the POST is
timed and its answer must be the answer page (covered, or not and why).

Figures, each against the core's trivial authenticated view (GET /whoami.json, same sessions,
same concurrency) measured in the same run:
- `eligibility`: p99 at 4 clients; ratio = eligibility p99 / whoami p99; the issue's goal is
  an absolute p99 under 50 ms (printed as met or not).
- `eligibility-throughput`: requests per second at 32 clients; ratio = whoami rps /
  eligibility rps (goal <= 2: eligibility at least half the trivial view's throughput).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_billing  # noqa: E402  (the shared data set-up)
import bench_http  # noqa: E402
import bench_payment  # noqa: E402  (the `mutuelle serve` wrapper)
import common  # noqa: E402

NAME = "eligibility"
GOAL_P99 = 5.0  # eligibility p99 / whoami p99 (the absolute goal is 50 ms)
GOAL_MS = 50.0
GOAL_THROUGHPUT = 2.0  # whoami rps / eligibility rps
HOUSEHOLDS = int(os.environ.get("BENCH_ELIGIBILITY_HOUSEHOLDS", "20000"))
FEW, MANY = 4, 32
REQUESTS = 100  # timed per client at 4 clients
MANY_REQUESTS = 25  # timed per client at 32 clients
WARMUP = 10
WHY = re.compile(rb'class="eligibility ([a-z_]+)"')
START = date(2026, 1, 1)


def create_covered_mutual(households: int):
    """The mutual with its generated households, the starter catalogue, the compulsory package
    adopted from START and a health centre with a convention from START (shared with
    bench_claim_http). Returns (mutual, manager, centre, convention, persons)."""
    from mutuelle.benefits import actions as benefits
    from mutuelle.core import actions as core
    from mutuelle.providers import actions as providers

    mutual, manager, _cashier, villages = bench_billing.create_mutual()
    persons = bench_billing.generate(mutual, villages, households)
    benefits.install_starter_catalogue(manager, mutual)
    package = benefits.create_package(
        manager,
        mutual,
        "BASE",
        "Paquet de base",
        "Basic package",
        "compulsory",
        benefits.VersionTerms(waiting_days=0, ceiling_person=Decimal(200000)),
    )
    version = package.versions.get()
    for spec in (
        benefits.LineSpec(category="consultation", rate=Decimal(80)),
        benefits.LineSpec(category="delivery", amount=Decimal(15000), waiting_days=270),
        benefits.LineSpec(
            category="hospitalization", rate=Decimal(70), quantity_limit=10, period_days=365
        ),
    ):
        benefits.add_line(manager, version, spec)
    benefits.adopt(manager, version, START)
    centre = core.create_organization(
        None,
        parent=mutual.parent,
        kind="provider",
        code="BCS",
        name="Centre de santé du bench",
        **bench_billing.PLACE,
    )
    providers.save_profile(None, centre, "health_centre", "public")
    convention = providers.create_convention(
        None, mutual, centre, providers.ConventionData(reference="BENCH", start=START)
    )
    return mutual, manager, centre, convention, persons


def create_data() -> tuple[list[str], list[str], int]:
    """Returns (clerk user names, membership numbers in a fixed order, persons)."""
    from django.db import connection

    from mutuelle.core import actions as core
    from mutuelle.core.models import User
    from mutuelle.members.models import Membership

    mutual, _manager, centre, _convention, persons = create_covered_mutual(HOUSEHOLDS)
    names = []
    for i in range(MANY):
        user = User.objects.create_user(
            username=f"clerk{i}", password=bench_http.PASSWORD, full_name=f"Clerk {i}"
        )
        core.grant_role(None, user, role="provider_clerk", scope="provider", organization=centre)
        names.append(user.username)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    numbers = list(
        Membership.unscoped.filter(organization=mutual)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    return names, numbers, persons


def check(client: bench_http.Client, number: str, csrf: str) -> tuple[float, str | None]:
    body = urlencode(
        {"csrfmiddlewaretoken": csrf, "number": number, "care_date": date.today().isoformat()}
    ).encode()
    started = time.perf_counter()
    status, headers, html = client.request(
        "POST",
        "/claims/eligibility/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{bench_http.HOST}:{client.port}/claims/eligibility/",
        },
    )
    ms = (time.perf_counter() - started) * 1000
    why = WHY.search(html)
    answer = why.group(1).decode() if why else "no answer"
    # Withdrawn or deceased members get their answer too; anything else is an error.
    if status != 200 or answer not in ("covered", "not_covered"):
        return ms, f"POST status {status}: {answer}"
    return ms, None


def csrf_of(client: bench_http.Client) -> str:
    status, headers, html = client.request("GET", "/claims/eligibility/")
    client.remember(headers)
    match = bench_http.CSRF_INPUT.search(html)
    if status != 200 or not match:
        raise common.BenchError(f"GET /claims/eligibility/ answered {status}")
    return match.group(1).decode()


def whoami(role: bytes):
    """A sender for run_phase: GET /whoami.json, whose answer must name the user's role."""

    def send(client: bench_http.Client, _item, _token: str) -> tuple[float, str | None]:
        started = time.perf_counter()
        status, _, body = client.request("GET", "/whoami.json")
        ms = (time.perf_counter() - started) * 1000
        return ms, None if status == 200 and role in body else f"{status}"

    return send


def run_phase(clients, items, requests: int, send, prepare=None):
    """Each client sends WARMUP untimed then `requests` timed requests, all clients starting
    together: `send(client, item, token) -> (ms, problem)`, the items of client i being
    items[i::len(clients)] in turn; `prepare(client) -> token` runs once before (e.g. the CSRF
    token). Returns (sorted latencies, errors, wall seconds of the timed part)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)

    def worker(i: int, client: bench_http.Client) -> None:
        mine = items[i :: len(clients)]
        own: list[float] = []
        bad: list[str] = []
        try:
            # Each client reads its form on its own connection, just before it starts.
            token = prepare(client) if prepare else ""
            for n in range(WARMUP + requests):
                if n == WARMUP:
                    own.clear()
                    barrier.wait(timeout=300)
                    # The wait may outlast the server's keep-alive: refresh the connection
                    # with an untimed GET (a POST is never retried: it would log twice).
                    client.request("GET", "/healthz")
                ms, problem = send(client, mine[n % len(mine)], token)
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
    try:
        barrier.wait(timeout=600)
    except threading.BrokenBarrierError:
        errors.append("a client failed during the warm-up")
    started = time.perf_counter()
    for t in threads:
        t.join(900)
    return sorted(latencies), errors, time.perf_counter() - started


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        common.prepare_database(var_dir, static=True)
        common.setup_django(url, var_dir)
        from django.db import connection, connections

        from mutuelle.claims.models import EligibilityCheck

        with common.Timer() as t:
            names, numbers, persons = create_data()
        print(
            f"  data: {HOUSEHOLDS:,} households, {persons:,} persons, {MANY} clerks, "
            f"in {t.seconds:.0f} s",
            flush=True,
        )
        connections.close_all()
        server = bench_payment.Serve(url, var_dir)
        clients: list[bench_http.Client] = []
        try:
            ready = server.start()
            print(f"  mutuelle serve on port {server.port}, ready in {ready:.1f} s", flush=True)
            clients = [bench_http.Client(server.port, name) for name in names]
            for c in clients:
                c.login()
            pids = [os.getpid(), *server.pids()]
            peaks_ok = common.reset_peak(pids)
            few = clients[:FEW]
            floor_of = whoami(b"provider_clerk")
            floor, e1, floor_s = run_phase(few, numbers, REQUESTS, floor_of)
            figure, e2, figure_s = run_phase(few, numbers, REQUESTS, check, csrf_of)
            many_floor, e3, many_floor_s = run_phase(clients, numbers, MANY_REQUESTS, floor_of)
            many, e4, many_s = run_phase(clients, numbers[5000:], MANY_REQUESTS, check, csrf_of)
            peaks = [common.process_peak_mb(pid) for pid in pids]
        finally:
            for c in clients:
                c.close()
            server.stop()
        logged = EligibilityCheck.unscoped.count()
        connection.close()

    errors = e1 + e2 + e3 + e4
    if errors:
        raise common.BenchError(f"errors: {errors[:5]}")
    expected = (FEW * (WARMUP + REQUESTS)) + (MANY * (WARMUP + MANY_REQUESTS))
    if logged != expected:
        raise common.BenchError(f"{logged} checks logged, {expected} expected")
    pct = common.percentile
    p99, floor_p99 = pct(figure, 99), pct(floor, 99)
    for label, values, wall in (
        ("whoami x4", floor, floor_s),
        ("check x4", figure, figure_s),
        ("whoami x32", many_floor, many_floor_s),
        ("check x32", many, many_s),
    ):
        print(
            f"  {label:<11} {len(values):>5} req in {wall:6.2f} s ({len(values) / wall:7.1f}/s) "
            f"p50={pct(values, 50):6.2f} p95={pct(values, 95):6.2f} p99={pct(values, 99):6.2f} ms"
        )
    ratio = p99 / floor_p99
    verdict = "met" if p99 < GOAL_MS else "NOT met"
    print(
        f"  ratio: check p99 / whoami p99 = {ratio:.2f}; absolute p99 < {GOAL_MS:.0f} ms: {verdict}"
    )
    rps, floor_rps = len(many) / many_s, len(many_floor) / many_floor_s
    throughput = floor_rps / rps
    verdict = "met" if throughput <= GOAL_THROUGHPUT else "NOT met"
    print(f"  throughput at {MANY}: whoami {floor_rps:.1f}/s, check {rps:.1f}/s: {verdict}")
    peak = sum(p for p in peaks if p) if peaks_ok and None not in peaks else None
    common.bench_line(NAME, ratio, GOAL_P99, rows=len(figure), p99_ms=p99, peak_mb=peak)
    common.bench_line(
        f"{NAME}-throughput",
        throughput,
        GOAL_THROUGHPUT,
        rows=len(many),
        seconds=many_s,
        peak_mb=peak,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
