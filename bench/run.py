#!/usr/bin/env python3
"""Load benchmark of `mde` on loopback, side by side with nginx serving the same bytes.

For each scale of the demo network (1 and 10): seeds a fresh database with `mde demo --scale N`, measures
start-up to the first 200 on the migrated database, signs in as an admin, a staff member and a partner, counts
the SQL queries each page runs, then drives every page with wrk (32 connections, BENCH_DURATION seconds after
a warm-up) and records requests/s, p50/p99, errors and the server's peak RSS. The baseline in the same run:
nginx serving a saved copy of the very same /reseau HTML, and `mde` serving its stylesheet. Finally, argon2
sign-ins at 50 connections run alongside page traffic to show they do not starve it.

Everything talks to 127.0.0.1 only, and every load is bounded in time. Results: bench/out/results.md.
"""

import http.client
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = ROOT / "target" / "release" / "mde"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "18080"))
NGINX_PORT = PORT + 1
DURATION = int(os.environ.get("BENCH_DURATION", "20"))
WARMUP = 3
CONNECTIONS = 32
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]
PASSWORD = "demo-portail-2026"
ADMIN = "admin@ave.example.org"
STAFF = "responsable@mde-lille.example.org"
PARTNER = "partenaire@francetravail.example.org"
LILLE = "Maison de l'emploi de Lille Métropole"


def log(*args):
    print(*args, flush=True)


def psql(db, sql):
    r = subprocess.run(["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def drop_db(db):
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"drop database if exists {db} with (force)"],
                   capture_output=True, check=True)


class Server:
    """One `mde serve` process; its log goes to a file so that queries can be counted."""

    def __init__(self, db, log_path, rust_log="warn"):
        env = dict(os.environ, DATABASE_URL=f"{PG}/{db}", MDE_BIND=f"{HOST}:{PORT}", RUST_LOG=rust_log,
                   MDE_DB_MAX_CONNECTIONS="16")
        self.log_path = log_path
        self.log_file = open(log_path, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([str(BIN), "serve"], env=env, stdout=self.log_file, stderr=self.log_file)
        self.startup = self.wait_ready()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mde exited early, see {self.log_path}")
            try:
                c = http.client.HTTPConnection(HOST, PORT, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("mde did not become ready")

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.log_file.close()
        return code


def request(method, path, cookie=None, body=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    headers = {"Origin": f"http://{HOST}:{PORT}"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.getheader("Set-Cookie") or "", r.read().decode("utf-8", "replace")


def sign_in(email):
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD})
    status, set_cookie, _ = request("POST", "/connexion", body=body)
    if status != 303 or not set_cookie:
        raise RuntimeError(f"sign-in of {email} failed: {status}")
    cookie = set_cookie.split(";")[0]
    _, _, html = request("GET", "/profil", cookie)
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    return cookie, (m.group(1) if m else "")


def discover(db):
    """The pages users open most, found in the seeded data (ids differ between scales)."""
    lille = psql(db, f"select id from maison where name = $${LILLE}$$ order by id limit 1")
    diag = psql(db, f"""select d.id from diagnostic d where d.maison_id = {lille}
                         order by (select count(*) from comment c where c.diagnostic_id = d.id) desc limit 1""")
    plan = psql(db, f"""select p.id from plan p where p.maison_id = {lille}
                         order by (select count(*) from action a where a.plan_id = p.id) desc limit 1""")
    section = psql(db, f"select id from diagnostic_section where diagnostic_id = {diag} order by position limit 1") \
        if diag else ""
    counts = {
        "comments": psql(db, f"select count(*) from comment where diagnostic_id = {diag}") if diag else "0",
        "actions": psql(db, f"select count(*) from action where plan_id = {plan}") if plan else "0",
        "maisons": psql(db, "select count(*) from maison"),
    }
    return {"lille": lille, "diag": diag, "plan": plan, "section": section, "counts": counts}


# Pages served from the network cache (src/cache.rs): also timed right after a write.
CACHED = {"Page d'axe (réseau)", "Tableau de bord /reseau"}


def pages(ids):
    """(label, role, method, path, body) of each measured request."""
    p = [
        ("Accueil de la Maison (staff)", "staff", "GET", "/", None),
        ("Page de la Maison", "staff", "GET", f"/maisons/{ids['lille']}", None),
        ("Diagnostic et commentaires", "partner", "GET", f"/diagnostics/{ids['diag']}", None),
        ("Plan d'actions", "staff", "GET", f"/plans/{ids['plan']}", None),
        ("Page d'axe (Maison)", "staff", "GET", "/axes/1", None),
        ("Page d'axe (réseau)", "admin", "GET", "/axes/1", None),
        ("Tableau de bord /reseau", "admin", "GET", "/reseau", None),
        ("Liste des Maisons", "admin", "GET", "/maisons", None),
    ]
    return p


def count_queries(server_log, cookie, path):
    """Queries of one request, counted from sqlx's debug log (one line per statement). The page is opened
    once before, as under load: what the network cache keeps is computed once per change, not per request
    (the count of the first, cold request is printed in the log)."""
    before = server_log.stat().st_size
    request("GET", path, cookie)
    time.sleep(0.2)
    with open(server_log, encoding="utf-8", errors="replace") as f:
        f.seek(before)
        cold = sum(1 for line in f if "sqlx::query" in line)
    before = server_log.stat().st_size
    request("GET", path, cookie)
    time.sleep(0.2)
    with open(server_log, encoding="utf-8", errors="replace") as f:
        f.seek(before)
        warm = sum(1 for line in f if "sqlx::query" in line)
    log(f"   queries {path}: {cold} cold, {warm} warm")
    return warm


def server_times(db, cookie, path, n=40, cold=False):
    """Time of `n` sequential requests (one at a time: the time of one page, not of a queue), in ms:
    (min, median, p90). `cold`: a journal row is inserted before each request, so that the network cache is
    dropped (the NOTIFY path of any real write) and the page is computed as after a change."""
    times = []
    for _ in range(n):
        if cold:
            psql(db, "insert into event (object_type, object_id, action, summary) "
                     "values ('bench', 0, 'bench', 'invalidation du cache')")
            time.sleep(0.02)
        t = time.perf_counter()
        status, _, _ = request("GET", path, cookie)
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            return None
    if cold:
        psql(db, "delete from event where object_type = 'bench'")
    times.sort()
    return times[0], times[len(times) // 2], times[int(len(times) * 0.9)]


WRK_RE = {
    "rps": re.compile(r"Requests/sec:\s+([\d.]+)"),
    "total": re.compile(r"(\d+) requests in"),
    "non2xx": re.compile(r"Non-2xx or 3xx responses:\s+(\d+)"),
    "sock": re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"),
}


def to_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    if not m:
        return float("nan")
    x, unit = float(m.group(1)), m.group(2)
    return x / 1000 if unit == "us" else x * 1000 if unit == "s" else x


def wrk(url, cookie=None, lua=None, connections=CONNECTIONS, duration=DURATION, env=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if lua:
        cmd += ["-s", str(lua)]
    cmd.append(url)
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})), timeout=duration + 60)
    out = r.stdout
    res = {"rps": float(WRK_RE["rps"].search(out).group(1)) if WRK_RE["rps"].search(out) else 0.0}
    res["total"] = int(WRK_RE["total"].search(out).group(1)) if WRK_RE["total"].search(out) else 0
    m = WRK_RE["non2xx"].search(out)
    s = WRK_RE["sock"].search(out)
    res["errors"] = (int(m.group(1)) if m else 0) + (sum(int(x) for x in s.groups()) if s else 0)
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        res[f"p{pct}"] = to_ms(m.group(1)) if m else float("nan")
    return res


POST_LUA = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
"""


def nginx_baseline(html, tmp):
    www = tmp / "www"
    www.mkdir(exist_ok=True)
    (www / "reseau.html").write_text(html, encoding="utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  server {{
    listen {HOST}:{NGINX_PORT};
    root {www};
    location / {{ default_type text/html; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        wrk(f"http://{HOST}:{NGINX_PORT}/reseau.html", duration=WARMUP)
        return wrk(f"http://{HOST}:{NGINX_PORT}/reseau.html")
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(timeout=10)


def fmt(x, d=1):
    return "—" if x != x else f"{x:,.{d}f}".replace(",", " ").replace(".", ",")


def run_scale(scale, tmp, report):
    db = f"mde_bench_s{scale}"
    drop_db(db)
    log(f"== scale {scale}: seeding {db}")
    t = time.monotonic()
    subprocess.run([str(BIN), "demo", "--scale", str(scale)], env=dict(os.environ, DATABASE_URL=f"{PG}/{db}",
                                                                       RUST_LOG="warn"),
                   check=True, stdout=subprocess.DEVNULL)
    seed_time = time.monotonic() - t
    ids = discover(db)
    log(f"   seeded in {seed_time:.1f} s; {ids['counts']}")
    psql(db, "vacuum analyze")

    # Queries per request: a server with sqlx's statement log on, one request per page.
    qlog = tmp / f"queries-{scale}.log"
    server = Server(db, qlog, rust_log="warn,sqlx::query=debug")
    cookies = {role: sign_in(email) for role, email in (("admin", ADMIN), ("staff", STAFF), ("partner", PARTNER))}
    queries = {}
    for label, role, method, path, _ in pages(ids):
        if method == "GET":
            queries[label] = count_queries(qlog, cookies[role][0], path)
    server.stop()

    # Start-up time on the migrated database, then one request at a time, then the load.
    server = Server(db, tmp / f"server-{scale}.log")
    startup = server.startup
    cookies = {role: sign_in(email) for role, email in (("admin", ADMIN), ("staff", STAFF), ("partner", PARTNER))}
    single = {}
    for label, role, method, path, _ in pages(ids):
        single[label] = server_times(db, cookies[role][0], path)
        if label in CACHED:
            single[label + " — après une écriture"] = server_times(db, cookies[role][0], path, n=15, cold=True)
    for label, t in single.items():
        if t:
            log(f"   one at a time: {label:45} min {t[0]:.1f} ms  median {t[1]:.1f} ms  p90 {t[2]:.1f} ms")
    results = {}
    for label, role, method, path, _ in pages(ids):
        status, _, _ = request("GET", path, cookies[role][0])
        if status != 200:
            log(f"   !! {label}: {path} answers {status}; not measured")
            results[label] = None
            continue
        url = f"http://{HOST}:{PORT}{path}"
        wrk(url, cookies[role][0], duration=WARMUP)
        results[label] = wrk(url, cookies[role][0])
        log(f"   {label:32} {results[label]['rps']:8.0f} req/s  p50 {results[label]['p50']:.2f} ms  "
            f"p99 {results[label]['p99']:.2f} ms  errors {results[label]['errors']}")

    lua = tmp / "post.lua"
    lua.write_text(POST_LUA)
    origin = f"http://{HOST}:{PORT}"
    # Sign-in POST (argon2id): correct password, each request opens a session.
    signin_env = {"BENCH_BODY": urllib.parse.urlencode({"email": STAFF, "password": PASSWORD}),
                  "BENCH_ORIGIN": origin, "BENCH_COOKIE": ""}
    results["Connexion (POST)"] = wrk(f"{origin}/connexion", lua=lua, env=signin_env)
    # Comment POST on the benchmark diagnostic, as the partner.
    if ids["diag"]:
        cookie, csrf = cookies["partner"]
        body = urllib.parse.urlencode({"csrf": csrf, "body": "Commentaire de charge : merci pour ce diagnostic.",
                                       "section_id": ids["section"]})
        status, _, _ = request("POST", f"/diagnostics/{ids['diag']}/commentaires", cookie, body)
        if status in (200, 303):
            results["Commentaire (POST)"] = wrk(f"{origin}/diagnostics/{ids['diag']}/commentaires", lua=lua,
                                                env={"BENCH_BODY": body, "BENCH_ORIGIN": origin,
                                                     "BENCH_COOKIE": cookie})
        else:
            log(f"   !! comment POST answers {status}; not measured")
    # Sign-ins must not starve pages: 50 sign-in connections while a page is under load.
    starve_page = f"{origin}/maisons/{ids['lille']}"
    bg = subprocess.Popen(["wrk", "-t1", "-c50", f"-d{DURATION + 4}s", "-s", str(lua), f"{origin}/connexion"],
                          env=dict(os.environ, **signin_env), stdout=subprocess.DEVNULL)
    time.sleep(2)
    results["Page de la Maison pendant 50 connexions"] = wrk(starve_page, cookies["staff"][0], connections=8)
    bg.wait(timeout=DURATION + 60)
    # Static asset served by mde.
    _, _, html = request("GET", "/connexion")
    css = re.search(r'href="(/static/app\.[0-9a-f]+\.css)"', html).group(1)
    results["Feuille de style (statique)"] = wrk(f"{origin}{css}")
    _, _, reseau_html = request("GET", "/reseau", cookies["admin"][0])
    rss = server.peak_rss_mb()
    exit_code = server.stop()
    nginx = nginx_baseline(reseau_html, tmp)
    report.append({"scale": scale, "seed": seed_time, "startup": startup, "results": results, "queries": queries,
                   "single": single,
                   "rss": rss, "nginx": nginx, "exit": exit_code, "counts": ids["counts"],
                   "reseau_bytes": len(reseau_html.encode())})
    drop_db(db) if os.environ.get("BENCH_KEEP_DB") is None else None


def write_report(report):
    lines = [f"Machine: {os.cpu_count()} cores, {open('/proc/meminfo').readline().split()[1]} kB RAM; "
             f"wrk -t2 -c{CONNECTIONS} -d{DURATION}s after a {WARMUP}s warm-up; server, PostgreSQL and wrk on "
             f"the same machine.", ""]
    for r in report:
        ng = r["nginx"]["rps"]
        lines += [f"### Scale {r['scale']} ({r['counts']['maisons']} Maisons; benchmark diagnostic with "
                  f"{r['counts']['comments']} comments, plan with {r['counts']['actions']} actions)", "",
                  f"Seeding {fmt(r['seed'])} s; start-up to first 200 on the migrated database "
                  f"{fmt(r['startup'] * 1000, 0)} ms; peak server RSS {fmt(r['rss'])} MB; exit code after "
                  f"SIGTERM {r['exit']}; nginx on the same /reseau bytes ({fmt(r['reseau_bytes'] / 1024)} KiB): "
                  f"{fmt(ng, 0)} req/s, p99 {fmt(r['nginx']['p99'], 2)} ms.", "",
                  "| request | req/s | × nginx | p50 (ms) | p99 (ms) | errors | queries |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for label, res in r["results"].items():
            if res is None:
                lines.append(f"| {label} | absent | | | | | |")
                continue
            q = r["queries"].get(label, "")
            lines.append(f"| {label} | {fmt(res['rps'], 0)} | {fmt(res['rps'] / ng, 2) if ng else '—'} | "
                         f"{fmt(res['p50'], 2)} | {fmt(res['p99'], 2)} | {res['errors']} | {q} |")
        lines += ["", "One request at a time (time to the full response, loopback; cached pages also measured "
                  "right after a write, when they are computed again):", "",
                  "| page | min (ms) | median (ms) | p90 (ms) |", "|---|---:|---:|---:|"]
        for label, t in r["single"].items():
            lines.append(f"| {label} | {fmt(t[0], 1)} | {fmt(t[1], 1)} | {fmt(t[2], 1)} |" if t
                         else f"| {label} | absent | | |")
        lines.append("")
    if len(report) == 2:
        a, b = report
        lines += [f"### Growth from scale {a['scale']} to scale {b['scale']} (p99 ratio)", "",
                  "| page | p99 ratio |", "|---|---:|"]
        for label, res in a["results"].items():
            other = b["results"].get(label)
            if res and other and res["p99"] == res["p99"] and res["p99"] > 0:
                lines.append(f"| {label} | {fmt(other['p99'] / res['p99'], 2)} |")
        lines.append("")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text("\n".join(lines), encoding="utf-8")
    log("\n".join(lines))


def main():
    if not BIN.exists():
        sys.exit("build the release binary first: cargo build --release")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mde-bench-"))
    report = []
    try:
        for scale in SCALES:
            run_scale(scale, tmp, report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_report(report)


if __name__ == "__main__":
    main()
