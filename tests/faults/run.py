#!/usr/bin/env python3
"""Fault and security scenarios for `mde`, against the release binary on loopback.

1. PostgreSQL goes away during load: every request answers quickly (503, under 2 s, no hang), /healthz says
   503, and everything recovers by itself within 5 s of PostgreSQL coming back. PostgreSQL is cut off through
   a TCP proxy that this script owns (connections reset, new ones refused — what `mde` sees when the server
   stops), so the machine's PostgreSQL, shared with other work, keeps running. `--real-stop` stops and starts
   the real cluster instead (pg_ctlcluster; only on a machine where nothing else uses it).
2. SIGKILL during a burst of writes: after a restart, every write that was acknowledged (303) is there, and
   none is half-written (each written row has its audit event; no orphan event).
3. SIGTERM during load: requests in flight complete, new connections are refused, the exit code is 0.
4. Two `mde` processes on one database behind a round-robin: a session opened on one is valid on the other,
   a write through one is read through the other, a sign-out through one ends the session on both.
5. sqlmap against the sign-in form and the search and filter parameters finds nothing injectable
   (`--no-sqlmap` skips it).
6. Backup and restore with PostgreSQL's tools while the portal is written to: `pg_dump -Fc` of the live
   database under a burst of writes, `pg_restore` into a new database, `mde serve` on it: every write
   acknowledged before the dump started is there, none is half-written, an uploaded document comes back
   byte for byte, the pages serve and new writes are accepted (the sequences were restored too).

`--only N[,N…]` runs only those scenarios (the database is prepared all the same).

Prints what each scenario checked and its figures; exits non-zero if any check fails.
"""

import argparse
import asyncio
import http.client
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
# The release binary: MDE_BIN, else where cargo put it (CARGO_TARGET_DIR or ./target).
BIN = pathlib.Path(os.environ.get("MDE_BIN") or
                   pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "release" / "mde")
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG = os.environ.get("FAULTS_PG", f"postgres://postgres@{PG_HOST}:{PG_PORT}")
HOST = "127.0.0.1"
PORT_A, PORT_B, PORT_C, PROXY_PORT = 18180, 18181, 18182, 18190
PASSWORD = "demo-portail-2026"
ADMIN = "admin@ave.example.org"
STAFF = "responsable@mde-lille.example.org"
PARTNER = "partenaire@francetravail.example.org"
FAILURES = []


def log(*a):
    print(*a, flush=True)


def check(ok, what):
    log(f"   [{'ok' if ok else 'ÉCHEC'}] {what}")
    if not ok:
        FAILURES.append(what)


def psql(db, sql):
    return subprocess.run(["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True,
                          text=True, check=True).stdout.strip()


# --- a TCP proxy in front of PostgreSQL that can be "stopped" -------------------------------------------

class Proxy:
    def __init__(self, listen_port, target_port):
        self.listen_port, self.target_port = listen_port, target_port
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.conns = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_connection(PG_HOST, self.target_port)
        except OSError:
            client_w.close()
            return
        tasks = {asyncio.ensure_future(self._pipe(client_r, up_w)), asyncio.ensure_future(self._pipe(up_r, client_w))}
        entry = (client_w, up_w, tuple(tasks))
        self.conns.add(entry)
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            t.cancel()
        self.conns.discard(entry)

    async def _start(self):
        self.server = await asyncio.start_server(self._handle, HOST, self.listen_port, reuse_address=True)

    async def _stop(self):
        self.server.close()
        await self.server.wait_closed()
        for client_w, up_w, tasks in list(self.conns):
            for t in tasks:
                t.cancel()
            for w in (client_w, up_w):
                w.transport.abort()
        self.conns.clear()

    def start(self):
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)


# --- the portal ----------------------------------------------------------------------------------------

class Mde:
    def __init__(self, db_url, port, logfile):
        self.port = port
        self.log = open(logfile, "a")
        env = dict(os.environ, DATABASE_URL=db_url, MDE_BIND=f"{HOST}:{port}", RUST_LOG="warn")
        self.proc = subprocess.Popen([str(BIN), "serve"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if status(port, "GET", "/healthz")[0] == 200:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"mde exited with {self.proc.returncode}, see {logfile}")
            time.sleep(0.05)
        raise RuntimeError("mde did not start")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def term(self):
        self.proc.send_signal(signal.SIGTERM)


def status(port, method, path, cookie=None, body=None, timeout=10):
    """(status, set-cookie, body) — status 0 when the connection failed."""
    try:
        c = http.client.HTTPConnection(HOST, port, timeout=timeout)
        headers = {"Origin": f"http://{HOST}:{port}"}
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.getheader("Set-Cookie") or "", r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return 0, "", ""


def sign_in(port, email):
    s, set_cookie, _ = status(port, "POST", "/connexion", body=urllib.parse.urlencode(
        {"email": email, "password": PASSWORD}))
    assert s == 303, f"sign-in {email} on {port}: {s}"
    cookie = set_cookie.split(";")[0]
    _, _, html = status(port, "GET", "/profil", cookie)
    return cookie, re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def fresh_db(name):
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"drop database if exists {name} with (force)"], check=True,
                   capture_output=True)
    subprocess.run([str(BIN), "demo"], env=dict(os.environ, DATABASE_URL=f"{PG}/{name}", RUST_LOG="warn"),
                   check=True, stdout=subprocess.DEVNULL)
    psql(name, "vacuum analyze")


# --- scenarios -----------------------------------------------------------------------------------------

def scenario_database_down(db, tmp, real_stop):
    log("\n== 1. PostgreSQL disparaît pendant la charge")
    proxy = None
    if real_stop:
        url = f"{PG}/{db}"
    else:
        proxy = Proxy(PROXY_PORT, PG_PORT)
        proxy.start()
        url = f"postgres://postgres@{HOST}:{PROXY_PORT}/{db}"
    mde = Mde(url, PORT_A, tmp / "down.log")
    cookie, _ = sign_in(PORT_A, STAFF)
    stats = {"sent": 0, "ok": 0, "503": 0, "other": 0, "slowest_ms": 0.0}
    stop = threading.Event()
    lock = threading.Lock()

    def load():
        while not stop.is_set():
            t = time.monotonic()
            s, _, _ = status(PORT_A, "GET", "/", cookie, timeout=10)
            ms = (time.monotonic() - t) * 1000
            with lock:
                stats["sent"] += 1
                stats["ok" if s == 200 else "503" if s == 503 else "other"] += 1
                if down_since[0] and not up_since[0]:
                    stats["slowest_ms"] = max(stats["slowest_ms"], ms)

    down_since, up_since = [None], [None]
    threads = [threading.Thread(target=load) for _ in range(8)]
    for th in threads:
        th.start()
    time.sleep(2)
    down_since[0] = time.monotonic()
    if real_stop:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", os.listdir("/etc/postgresql")[0], "main",
                        "stop", "-m", "fast"], check=True)
    else:
        proxy.stop()
    time.sleep(1)
    t = time.monotonic()
    h = status(PORT_A, "GET", "/healthz")[0]
    health_ms = (time.monotonic() - t) * 1000
    time.sleep(3)
    during = dict(stats)
    if real_stop:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", os.listdir("/etc/postgresql")[0], "main",
                        "start"], check=True)
    else:
        proxy.start()
    up_since[0] = time.monotonic()
    recovered_after = None
    while time.monotonic() - up_since[0] < 10:
        if status(PORT_A, "GET", "/healthz")[0] == 200 and status(PORT_A, "GET", "/", cookie)[0] == 200:
            recovered_after = time.monotonic() - up_since[0]
            break
        time.sleep(0.1)
    time.sleep(1)
    stop.set()
    for th in threads:
        th.join()
    mde.kill()
    log(f"   requêtes envoyées {stats['sent']} : 200 = {stats['ok']}, 503 = {stats['503']}, autres = "
        f"{stats['other']}; réponse la plus lente pendant la panne {stats['slowest_ms']:.0f} ms; /healthz en panne "
        f"= {h} en {health_ms:.0f} ms; rétabli {recovered_after if recovered_after is None else round(recovered_after, 2)} s "
        f"après le retour de PostgreSQL")
    check(h == 503 and health_ms < 2000, "/healthz répond 503 en moins de 2 s pendant la panne")
    check(during["503"] > 0 and stats["slowest_ms"] < 2000, "les pages répondent 503 en moins de 2 s (pas de blocage)")
    check(stats["other"] == 0, "aucune autre erreur (ni 500, ni connexion refusée)")
    check(recovered_after is not None and recovered_after < 5, "rétabli seul en moins de 5 s")


def scenario_sigkill(db, tmp, write):
    log("\n== 2. SIGKILL pendant une rafale d'écritures")
    mde = Mde(f"{PG}/{db}", PORT_A, tmp / "kill.log")
    cookie, csrf = sign_in(PORT_A, write["who"])
    acked, sent, failed = [], [0], [0]
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            marker = f"ecriture-{n}-{i}-{time.time_ns()}"
            i += 1
            with lock:
                sent[0] += 1
            s, _, _ = status(PORT_A, "POST", write["path"], cookie, write["body"](csrf, marker), timeout=5)
            with lock:
                if s == 303:
                    acked.append(marker)
                else:
                    failed[0] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    time.sleep(3)
    mde.kill()
    stop.set()
    for th in threads:
        th.join()
    mde = Mde(f"{PG}/{db}", PORT_A, tmp / "kill.log")
    found = set(psql(db, write["found_sql"]).splitlines())
    missing = [m for m in acked if m not in found]
    orphans = int(psql(db, write["orphans_sql"]))
    mde.kill()
    log(f"   écritures envoyées {sent[0]}, acquittées (303) {len(acked)}, interrompues {failed[0]}; "
        f"lignes retrouvées {len(found)}; acquittées manquantes {len(missing)}; lignes incomplètes {orphans}")
    check(len(acked) > 0, "des écritures ont été acquittées avant le SIGKILL")
    check(not missing, "toute écriture acquittée est présente après redémarrage")
    check(orphans == 0, "aucune écriture à moitié faite (chaque ligne a son événement d'audit et inversement)")


def scenario_sigterm(db, tmp):
    log("\n== 3. SIGTERM pendant la charge")
    mde = Mde(f"{PG}/{db}", PORT_A, tmp / "term.log")
    cookie, _ = sign_in(PORT_A, ADMIN)
    results = []
    lock = threading.Lock()

    def one():
        s, _, _ = status(PORT_A, "GET", "/reseau", cookie, timeout=30)
        with lock:
            results.append(s)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for th in threads:
        th.start()
    time.sleep(0.01)
    mde.term()
    for th in threads:
        th.join()
    code = mde.proc.wait(timeout=30)
    refused = status(PORT_A, "GET", "/healthz", timeout=2)[0] == 0
    completed = sum(1 for s in results if s == 200)
    cut = sum(1 for s in results if s == 0)
    log(f"   requêtes en vol {len(results)} : terminées 200 = {completed}, refusées avant acceptation = {cut}, "
        f"autres = {len(results) - completed - cut}; code de sortie {code}; nouvelle connexion refusée : {refused}")
    check(code == 0, "sortie avec le code 0")
    check(refused, "les nouvelles connexions sont refusées après l'arrêt")
    check(len(results) - completed - cut == 0, "aucune requête acceptée n'est coupée ni en erreur")


def scenario_two_processes(db, tmp, write):
    log("\n== 4. Deux processus mde sur une base, en tourniquet")
    a = Mde(f"{PG}/{db}", PORT_A, tmp / "rr-a.log")
    b = Mde(f"{PG}/{db}", PORT_B, tmp / "rr-b.log")
    ports = [PORT_A, PORT_B]
    cookie, csrf = sign_in(PORT_A, write["who"])
    ok_reads = sum(1 for i in range(20) if status(ports[i % 2], "GET", "/", cookie)[0] == 200)
    markers = []
    writes_ok = 0
    for i in range(10):
        marker = f"tourniquet-{i}-{time.time_ns()}"
        if status(ports[i % 2], "POST", write["path"], cookie, write["body"](csrf, marker))[0] == 303:
            writes_ok += 1
            markers.append(marker)
    seen_on_other = 0
    for i, marker in enumerate(markers):
        _, _, html = status(ports[(i + 1) % 2], "GET", write["read_path"], cookie)
        seen_on_other += marker in html
    status(PORT_B, "POST", "/deconnexion", cookie, "")
    after_a = status(PORT_A, "GET", "/", cookie)[0]
    a.kill()
    b.kill()
    log(f"   lectures alternées réussies {ok_reads}/20; écritures {writes_ok}/10, relues sur l'autre processus "
        f"{seen_on_other}/{len(markers)}; après déconnexion via B, A répond {after_a}")
    check(ok_reads == 20, "la session ouverte sur A vaut sur B")
    check(writes_ok == 10 and seen_on_other == len(markers), "chaque écriture est lue par l'autre processus")
    check(after_a == 303, "la déconnexion via B met fin à la session sur A")


def scenario_sqlmap(db, tmp):
    log("\n== 5. sqlmap : formulaire de connexion, recherche et filtres")
    mde = Mde(f"{PG}/{db}", PORT_A, tmp / "sqlmap.log")
    cookie, _ = sign_in(PORT_A, ADMIN)
    base = f"http://{HOST}:{PORT_A}"
    targets = [
        ["-u", f"{base}/connexion", "--data", "email=a%40b.fr&password=motdepasse"],
        ["-u", f"{base}/maisons?q=lille&region=32&page=1", "--cookie", cookie],
        ["-u", f"{base}/reseau?region=32&phase=plan&page=1", "--cookie", cookie],
        ["-u", f"{base}/recherche?q=formation", "--cookie", cookie],
    ]
    findings = 0
    for t in targets:
        r = subprocess.run(["sqlmap", "--batch", "--level", "2", "--risk", "1", "--flush-session",
                            "--output-dir", str(tmp / "sqlmap"), "--disable-coloring", *t],
                           capture_output=True, text=True, timeout=900)
        injectable = re.findall(r"parameter '([^']+)' (?:is|appears to be) .*injectable", r.stdout)
        findings += len(injectable)
        log(f"   {t[1]} : {'INJECTABLE ' + ', '.join(injectable) if injectable else 'rien d injectable'}")
    mde.kill()
    check(findings == 0, "sqlmap ne trouve aucun paramètre injectable")


def multipart(fields, file_field, filename, content_type, data):
    boundary = f"----mde-faults-{time.time_ns()}"
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f'Content-Type: {content_type}\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def raw_request(port, method, path, cookie, body, content_type, timeout=30):
    """(status, headers, body bytes) for requests `status()` does not cover (multipart, binary answers)."""
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = {"Origin": f"http://{HOST}:{port}", "Cookie": cookie}
    if content_type:
        headers["Content-Type"] = content_type
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def scenario_backup(db, tmp, write):
    log("\n== 6. Sauvegarde (pg_dump -Fc) sous charge d'écriture, restauration (pg_restore), redémarrage")
    restored = f"{db}_restauree"
    dump = tmp / "sauvegarde.dump"
    mde = Mde(f"{PG}/{db}", PORT_A, tmp / "backup.log")
    # A document, uploaded by the Maison, must come back byte for byte.
    diag = write["diagnostic"]
    staff = psql(db, f"select a.email from account a join diagnostic d on d.maison_id = a.maison_id "
                     f"where d.id = {diag} and a.role = 'staff' and a.active order by a.id limit 1")
    staff_cookie, staff_csrf = sign_in(PORT_A, staff)
    document = b"%PDF-1.4\n% sauvegarde\n" + os.urandom(200_000) + b"\n%%EOF\n"
    body, ctype = multipart({"csrf": staff_csrf}, "file", "etude-sauvegarde.pdf", "application/pdf", document)
    up, _, _ = raw_request(PORT_A, "POST", f"/diagnostics/{diag}/documents", staff_cookie, body, ctype)
    doc_id = psql(db, f"select id from document where diagnostic_id = {diag} "
                      f"and filename = 'etude-sauvegarde.pdf' order by id desc limit 1")
    cookie, csrf = sign_in(PORT_A, write["who"])
    acked, sent = [], [0]
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            marker = f"ecriture-{n}-{i}-{time.time_ns()}"
            i += 1
            with lock:
                sent[0] += 1
            s, _, _ = status(PORT_A, "POST", write["path"], cookie, write["body"](csrf, marker), timeout=10)
            if s == 303:
                with lock:
                    acked.append(marker)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    time.sleep(2)
    with lock:
        before_dump = list(acked)
    t = time.monotonic()
    r = subprocess.run(["pg_dump", "-Fc", "-f", str(dump), f"{PG}/{db}"], capture_output=True, text=True)
    dump_s = time.monotonic() - t
    with lock:
        during_dump = len(acked) - len(before_dump)
    time.sleep(1)
    stop.set()
    for th in threads:
        th.join()
    mde.kill()
    check(up == 303 and doc_id != "", f"document joint avant la sauvegarde (réponse {up})")
    check(r.returncode == 0, "pg_dump -Fc réussit pendant les écritures" + (f" : {r.stderr.strip()[:300]}"
                                                                            if r.returncode else ""))
    log(f"   écritures envoyées {sent[0]}, acquittées {len(acked)} dont {len(before_dump)} avant le début de la "
        f"sauvegarde et {during_dump} pendant; sauvegarde {dump.stat().st_size / 1e6:.1f} Mo en {dump_s:.1f} s")

    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"drop database if exists {restored} with (force)"],
                   check=True, capture_output=True)
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"create database {restored}"], check=True,
                   capture_output=True)
    t = time.monotonic()
    r = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", f"{PG}/{restored}", str(dump)],
                       capture_output=True, text=True)
    restore_s = time.monotonic() - t
    check(r.returncode == 0, "pg_restore dans une nouvelle base réussit" + (f" : {r.stderr.strip()[:300]}"
                                                                            if r.returncode else ""))
    found = set(psql(restored, write["found_sql"]).splitlines())
    missing = [m for m in before_dump if m not in found]
    orphans = int(psql(restored, write["orphans_sql"]))
    same = psql(db, f"select md5(data) from document where id = {doc_id or 0}")
    back = psql(restored, f"select md5(data) from document where id = {doc_id or 0}")
    migrations = [psql(d, "select count(*) || ' ' || max(version) from _sqlx_migrations") for d in (db, restored)]
    log(f"   restauration en {restore_s:.1f} s; écritures retrouvées {len(found)} (acquittées avant la sauvegarde "
        f"manquantes : {len(missing)}); lignes incomplètes {orphans}; migrations {migrations[1]}")
    check(not missing, "toute écriture acquittée avant le début de la sauvegarde est dans la base restaurée")
    check(orphans == 0, "la sauvegarde est cohérente : aucune écriture à moitié présente")
    check(same != "" and same == back, "le document restauré est identique octet pour octet")
    check(migrations[0] == migrations[1], "la base restaurée a toutes les migrations")

    served = Mde(f"{PG}/{restored}", PORT_C, tmp / "restored.log")
    cookie, csrf = sign_in(PORT_C, write["who"])
    page_s, _, page = status(PORT_C, "GET", write["read_path"], cookie)
    shown = sum(1 for m in before_dump[-20:] if m in page)
    admin_cookie, _ = sign_in(PORT_C, ADMIN)
    pages = {p: status(PORT_C, "GET", p, admin_cookie)[0] for p in ["/", "/reseau", "/maisons", "/axes/1", "/journal"]}
    staff_restored, _ = sign_in(PORT_C, staff)
    dl_status, _, dl = raw_request(PORT_C, "GET", f"/diagnostics/{diag}/documents/{doc_id or 0}", staff_restored,
                                   None, None)
    marker = f"apres-restauration-{time.time_ns()}"
    new_write = status(PORT_C, "POST", write["path"], cookie, write["body"](csrf, marker))[0]
    served.kill()
    log(f"   portail sur la base restaurée : {write['read_path']} → {page_s} ({shown}/{min(20, len(before_dump))} "
        f"derniers commentaires visibles), " + ", ".join(f"{p} → {s}" for p, s in pages.items())
        + f"; document → {dl_status} ({len(dl)} octets); nouvelle écriture → {new_write}")
    check(page_s == 200 and shown == min(20, len(before_dump)), "le portail restauré sert les écritures acquittées")
    check(all(s == 200 for s in pages.values()), "le portail restauré sert ses pages")
    check(dl_status == 200 and dl == document, "le document se télécharge depuis le portail restauré")
    check(new_write == 303, "le portail restauré accepte de nouvelles écritures (séquences restaurées)")
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"drop database if exists {restored} with (force)"],
                   capture_output=True)
    dump.unlink(missing_ok=True)


def comment_write(db):
    """The write used by scenarios 2 and 4: a comment on the demo's benchmark diagnostic, by the partner."""
    diag = psql(db, "select d.id from diagnostic d join diagnostic_share s on s.diagnostic_id = d.id "
                    "join account a on a.organisation_id = s.organisation_id "
                    f"where a.email = '{PARTNER}' and d.status = 'partage' order by d.id limit 1")
    return {
        "diagnostic": diag,
        "who": PARTNER,
        "path": f"/diagnostics/{diag}/commentaires",
        "read_path": f"/diagnostics/{diag}",
        "body": lambda csrf, marker: urllib.parse.urlencode({"csrf": csrf, "body": f"Commentaire {marker}"}),
        "found_sql": f"select substring(body from 'ecriture-[0-9]+-[0-9]+-[0-9]+') from comment "
                     f"where diagnostic_id = {diag} and body like 'Commentaire ecriture-%'",
        "orphans_sql": "select (select count(*) from comment c where not exists (select 1 from event e where "
                       "e.object_type = 'comment' and e.object_id = c.id) and c.body like 'Commentaire %-%') + "
                       "(select count(*) from event e where e.object_type = 'comment' and not exists "
                       "(select 1 from comment c where c.id = e.object_id))",
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--real-stop", action="store_true", help="stop the real PostgreSQL cluster in scenario 1")
    ap.add_argument("--no-sqlmap", action="store_true")
    ap.add_argument("--only", help="comma-separated scenario numbers, e.g. --only 6")
    args = ap.parse_args()
    only = {int(n) for n in args.only.split(",")} if args.only else set(range(1, 7))
    if args.no_sqlmap:
        only.discard(5)
    if not BIN.exists():
        sys.exit("build the release binary first: cargo build --release")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mde-faults-"))
    db = "mde_faults"
    log(f"Base {db} (réseau de démonstration), binaire {BIN}, journaux dans {tmp}")
    fresh_db(db)
    write = comment_write(db)
    if 1 in only:
        scenario_database_down(db, tmp, args.real_stop)
    if 2 in only:
        scenario_sigkill(db, tmp, write)
    if 3 in only:
        scenario_sigterm(db, tmp)
    if 4 in only:
        scenario_two_processes(db, tmp, write)
    if 5 in only:
        scenario_sqlmap(db, tmp)
    if 6 in only:
        scenario_backup(db, tmp, write)
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"drop database if exists {db} with (force)"],
                   capture_output=True)
    log(f"\n{len(FAILURES)} échec(s)" + (": " + "; ".join(FAILURES) if FAILURES else ""))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
