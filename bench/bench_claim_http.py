"""claim-http: one claim adjudicated through its HTTP action (the claim page's "Adjudicate"
button), 4 claims officers at once.

Data (deterministic): the mutual of bench_eligibility (BENCH_CLAIM_HTTP_HOUSEHOLDS generated
households, default 20,000: about 100,000 persons; the starter catalogue; the compulsory
package adopted from 1 January 2026; a health centre with a convention), plus an adopted tariff
schedule on that convention. History: `claims.generate.generate_month` writes HISTORY_CLAIMS
claims with care in March 2026 (its own households, enrolled long before), adjudicated in
chunks of 500, so that the households have consumed part of their ceilings and quantity
limits. Then, for as many households of that history as the run needs (plus SPARE), one claim
two months later for the same beneficiary with the same acts (`claims.actions.submit_claim`),
left submitted: the clients adjudicate those, so every adjudication reads real usage.

Server: `mutuelle serve` (gunicorn, as bench_payment). Clients: CLIENTS threads, each a claims
officer of the mutual with a keep-alive connection and a logged-in session; each reads a CSRF
token once (untimed), then POSTs /claims/<uuid>/adjudicate/ for its own claims, WARMUP untimed
then REQUESTS timed, each claim once. The answer must be the 302 to the claim's page, which is
not fetched. Afterwards the database must show exactly the POSTed claims adjudicated, each with
one ClaimEvent by its officer, and the SPARE claims still submitted.

Floor: GET /whoami.json with the same sessions and the same concurrency, in the same run.
ratio = adjudication p95 / whoami p95, goal 5 (as eligibility); the issue's goal is an
absolute p95 under 100 ms (printed as met or not). BENCH_PROFILE=1 then adjudicates spare
claims in this process: one timed, one under cProfile with its queries counted.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import sys
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from urllib.parse import urlencode

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_eligibility  # noqa: E402  (the mutual, the package, the centre; the phases)
import bench_http  # noqa: E402
import bench_payment  # noqa: E402  (the `mutuelle serve` wrapper)
import common  # noqa: E402

NAME = "claim-http"
GOAL = 5.0  # adjudication p95 / whoami p95 (the absolute goal is 100 ms)
GOAL_MS = 100.0
HOUSEHOLDS = int(os.environ.get("BENCH_CLAIM_HTTP_HOUSEHOLDS", "20000"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
CLIENTS = 4
REQUESTS = 100  # timed per client
WARMUP = bench_eligibility.WARMUP
SPARE = 20  # submitted claims nobody POSTs: they must stay submitted
HISTORY_MONTH = date(2026, 3, 1)
HISTORY_CLAIMS = 3000
LATER = timedelta(days=61)  # the adjudicated claims' care: two months after the history's
CHUNK = 500
# The tests' tariff (tests/claims/helpers.py): consultations, a hospital day, a delivery, a
# laboratory test (not in the package: its lines are rejected, as in real claims).
TARIFF = {"CONS-MG": 2000, "CONS-INF": 1000, "HOSP-J": 5000, "ACC-NORM": 15000, "NFS": 3000}
CLAIM_PAGE = re.compile(r"/claims/([0-9a-f-]{36})/$")


def create_data() -> tuple[list[str], list[str], int, int]:
    """Returns (officer user names, uuids of the claims to adjudicate in a fixed order (SPARE
    more at the end), persons, history claims)."""
    from django.db import connection
    from django.utils import timezone

    from mutuelle.benefits.models import Act
    from mutuelle.claims import actions as claims
    from mutuelle.claims.generate import generate_month
    from mutuelle.claims.models import Claim
    from mutuelle.core import actions as core
    from mutuelle.core.models import User
    from mutuelle.providers import actions as providers

    mutual, _manager, centre, convention, persons = bench_eligibility.create_covered_mutual(
        HOUSEHOLDS
    )
    schedule = providers.new_schedule(None, convention)
    acts = {a.code: a for a in Act.unscoped.filter(code__in=list(TARIFF))}
    for code, price in TARIFF.items():
        providers.add_line(None, schedule, acts[code], Decimal(price))
    providers.adopt_schedule(None, schedule, bench_eligibility.START)

    history = generate_month(
        mutual, [centre], HISTORY_MONTH, claims=HISTORY_CLAIMS, seed=1, inject=False
    ).claim_ids
    for start in range(0, len(history), CHUNK):
        claims.adjudicate(None, list(Claim.unscoped.filter(pk__in=history[start : start + CHUNK])))

    # One follow-up claim per household of the history (its first claim), the same acts for
    # the same beneficiary two months later.
    needed = CLIENTS * (WARMUP + REQUESTS) + SPARE
    tz = timezone.get_current_timezone()
    seen: set[int] = set()
    figure: list[str] = []
    rows = (
        Claim.unscoped.filter(pk__in=history)
        .select_related("membership")
        .prefetch_related("lines")
        .order_by("pk")
    )
    for earlier in rows:
        if len(figure) == needed:
            break
        if earlier.household_id in seen:
            continue
        seen.add(earlier.household_id)
        claim = claims.submit_claim(
            None,
            claims.NewClaim(
                provider=centre,
                number=earlier.membership.number,
                care_from=earlier.care_from + LATER,
                care_to=earlier.care_to + LATER if earlier.care_to else None,
                visit_type=earlier.visit_type,
                external_reference=f"FIG-{len(figure):05d}",
                lines=[
                    claims.NewLine(x.act_code, x.quantity, x.unit_price)
                    for x in earlier.lines.all()
                ],
            ),
        )
        # Submitted the day after the care, as the history's (generate_month): the data must
        # not depend on the day the bench runs (a claim filed later than 30 days is refused as
        # late, without the usage being read).
        last = claim.care_to or claim.care_from
        submitted = datetime.combine(last + timedelta(days=1), time(9), tzinfo=tz)
        Claim.unscoped.filter(pk=claim.pk).update(submitted_at=submitted)
        figure.append(str(claim.uuid))
    if len(figure) != needed:
        raise common.BenchError(f"{len(figure)} households with history, {needed} needed")

    names = []
    for i in range(CLIENTS):
        user = User.objects.create_user(
            username=f"officer{i}", password=bench_http.PASSWORD, full_name=f"Officer {i}"
        )
        core.grant_role(
            None, user, role="claims_officer", scope="organization", organization=mutual
        )
        names.append(user.username)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return names, figure, persons, len(history)


def adjudicate(client: bench_http.Client, claim: str, csrf: str) -> tuple[float, str | None]:
    """POST the claim page's Adjudicate button (timed); the answer must be the 302 back to
    the claim's page (whether it was adjudicated is checked in the database afterwards)."""
    path = f"/claims/{claim}/adjudicate/"
    started = perf_counter()
    status, headers, _ = client.request(
        "POST",
        path,
        body=urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{bench_http.HOST}:{client.port}/claims/{claim}/",
        },
    )
    ms = (perf_counter() - started) * 1000
    location = CLAIM_PAGE.search(headers.get("Location", ""))
    if status != 302 or not location or location.group(1) != claim:
        return ms, f"POST status {status} {headers.get('Location', '')[:60]}"
    return ms, None


def verify(names: list[str], figure: list[str], history: int) -> Counter:
    """Exactly the POSTed claims adjudicated, each once and by the officer who POSTed it; the
    spares untouched. Returns the figure claims' decisions."""
    from mutuelle.claims.models import Claim, ClaimEvent, ClaimStatus

    posted = figure[: len(figure) - SPARE]
    spare = figure[len(figure) - SPARE :]
    officer_of = {claim: names[i % CLIENTS] for i, claim in enumerate(posted)}
    problems = []
    rows = Claim.unscoped.filter(uuid__in=figure).values_list("uuid", "status")
    statuses = {str(u): status for u, status in rows}
    wrong = [u for u in posted if statuses.get(u) != ClaimStatus.ADJUDICATED]
    if wrong:
        problems.append(f"{len(wrong)} POSTed claims not adjudicated (e.g. {wrong[0]})")
    touched = [u for u in spare if statuses.get(u) != ClaimStatus.SUBMITTED]
    if touched:
        problems.append(f"{len(touched)} claims adjudicated that nobody POSTed")
    events = list(
        ClaimEvent.unscoped.filter(
            claim__uuid__in=figure, to_status=ClaimStatus.ADJUDICATED
        ).values_list("claim__uuid", "actor__username")
    )
    by_claim = Counter(str(u) for u, _ in events)
    if any(n != 1 for n in by_claim.values()) or set(by_claim) != set(posted):
        twice = sum(1 for n in by_claim.values() if n > 1)
        problems.append(
            f"{len(events)} adjudication events on {len(by_claim)} claims "
            f"({twice} twice), {len(posted)} expected"
        )
    strangers = [u for u, who in events if officer_of.get(str(u)) != who]
    if strangers:
        problems.append(f"{len(strangers)} adjudications by another user than the POSTer")
    all_events = ClaimEvent.unscoped.filter(to_status=ClaimStatus.ADJUDICATED).count()
    if all_events != history + len(posted):
        problems.append(f"{all_events} adjudication events, {history + len(posted)} expected")
    if problems:
        raise common.BenchError("; ".join(problems))
    return Counter(
        Claim.unscoped.filter(uuid__in=posted).values_list("decision", flat=True).iterator()
    )


def profile_one(spare: list[str]) -> None:
    """Spare claims adjudicated in this process: one to warm up (imports, first queries), one
    timed, one under cProfile with the queries it sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mutuelle.claims import actions as claims
    from mutuelle.claims.models import Claim

    warm, timed, profiled = (Claim.unscoped.get(uuid=u) for u in spare[-3:])
    claims.adjudicate(None, [warm])
    started = perf_counter()
    claims.adjudicate(None, [timed])
    plain = (perf_counter() - started) * 1000
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = perf_counter()
        profiler.enable()
        claims.adjudicate(None, [profiled])
        profiler.disable()
        ms = (perf_counter() - started) * 1000
    print(
        f"  profile: one claim adjudicated in process in {plain:.1f} ms "
        f"({ms:.1f} ms under cProfile), {len(queries)} queries"
    )
    for q in queries.captured_queries:
        print(f"    {q['time']}s {q['sql'][:150]}")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)


def main() -> int:
    url = common.bench_database_url()
    print(f"{NAME}: on {common.describe_database(url)}", flush=True)
    print(f"  machine: {common.machine_note()}", flush=True)
    with common.BenchVarDir() as var_dir:
        common.prepare_database(var_dir, static=True)
        common.setup_django(url, var_dir)
        from django.db import connection, connections

        with common.Timer() as t:
            names, figure, persons, history = create_data()
        print(
            f"  data: {HOUSEHOLDS:,} households ({persons:,} persons) and those of "
            f"{history:,} claims of {HISTORY_MONTH:%B %Y}, adjudicated; {len(figure):,} "
            f"claims submitted ({SPARE} spare), {CLIENTS} claims officers, in {t.seconds:.0f} s",
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
            run = bench_eligibility.run_phase
            posted = figure[: len(figure) - SPARE]
            floor, e1, floor_s = run(
                clients, posted, REQUESTS, bench_eligibility.whoami(b"claims_officer")
            )
            result, e2, figure_s = run(
                clients, posted, REQUESTS, adjudicate, bench_eligibility.csrf_of
            )
            peaks = [common.process_peak_mb(pid) for pid in pids]
        finally:
            for c in clients:
                c.close()
            server.stop()
        server_log = server.log()  # before the var dir goes
        errors = e1 + e2
        if errors:
            bad = [x for x in server_log.splitlines() if '" 200 ' not in x and '" 302 ' not in x]
            print("  server log (not 200/302):\n" + "\n".join(bad[-60:]), file=sys.stderr)
            raise common.BenchError(f"errors: {errors[:5]}")
        decisions = verify(names, figure, history)
        if PROFILE:
            profile_one(figure)
        connection.close()

    pct = common.percentile
    for label, values, wall in (("whoami", floor, floor_s), ("adjudicate", result, figure_s)):
        print(
            f"  {label:<10} {len(values):>4} req in {wall:6.2f} s ({len(values) / wall:6.1f}/s) "
            f"p50={pct(values, 50):7.2f} p95={pct(values, 95):7.2f} p99={pct(values, 99):7.2f} "
            f"max={values[-1]:7.2f} ms"
        )
    print(
        f"  {len(posted)} claims adjudicated, each once and by its officer; decisions: "
        + ", ".join(f"{k} {n}" for k, n in sorted(decisions.items()))
    )
    p95, floor_p95 = pct(result, 95), pct(floor, 95)
    ratio = p95 / floor_p95
    verdict = "met" if p95 < GOAL_MS else "NOT met"
    print(
        f"  ratio: adjudicate p95 / whoami p95 = {p95:.2f} / {floor_p95:.2f} = {ratio:.2f} "
        f"(goal <= {GOAL:.0f}{', above goal' if ratio > GOAL else ''}); "
        f"absolute p95 < {GOAL_MS:.0f} ms: {verdict}"
    )
    peak = sum(p for p in peaks if p) if peaks_ok and None not in peaks else None
    common.bench_line(NAME, ratio, GOAL, rows=len(result), p95_ms=p95, peak_mb=peak)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
