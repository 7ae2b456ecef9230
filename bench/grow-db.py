"""Grows a Gatehouse SQLite database for the grown-database benchmark (issue 16, item 6): a tenant "Grown"
with one user is created through the running server's API, then SESSIONS sessions (each with its refresh
token) and EVENTS audit events are added to it directly with SQL, as a long-lived deployment would hold
them: random identifiers (so the B-trees are as deep and as scattered as real ones), sessions unexpired.
The events' hashes are random: the benchmark measures appends and lookups beside them, not their chain.

usage: python3 grow-db.py BASE SYSTEM_KEY DATABASE_FILE [--sessions 1000000] [--events 5000000]
Run it while the server is up (the inserts go through SQLite's WAL beside the server's own connections)."""
import argparse
import json
import sqlite3
import time
import urllib.request


def call(base, method, path, body, headers):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers={"content-type": "application/json", **headers})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("system_key")
    parser.add_argument("database")
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    args = parser.parse_args()
    tenant = call(args.base, "POST", "/v2/tenants", {"projectName": "Grown"}, {"x-api-key": args.system_key})
    user = call(args.base, "POST", "/v2/users", {"username": "grown", "email": "grown@example.com", "password": "correct horse battery"},
                {"authorization": "Bearer " + tenant["jwt"]})
    tid, uid = tenant["id"], user["id"]
    now = int(time.time() * 1000)
    db = sqlite3.connect(args.database, timeout=60)
    db.execute("PRAGMA busy_timeout = 60000")
    started = time.monotonic()
    batch = 200_000
    for start in range(0, args.sessions, batch):
        count = min(batch, args.sessions - start)
        with db:
            db.execute("""
                CREATE TEMP TABLE IF NOT EXISTS grown_ids (id TEXT, hash TEXT)""")
            db.execute("DELETE FROM grown_ids")
            db.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO grown_ids SELECT lower(hex(randomblob(16))), lower(hex(randomblob(32))) FROM n""", (count,))
            db.execute("""
                INSERT INTO sessions (id, tenant_id, user_id, subject, level, amr, created_at, expires_at, auth_time)
                SELECT id, ?, ?, ?, 'user', '["pwd"]', ?, ?, ? FROM grown_ids""", (tid, uid, uid, now, now + 30 * 86_400_000, now))
            db.execute("""
                INSERT INTO refresh_tokens (hash, tenant_id, session_id, created_at, expires_at)
                SELECT hash, ?, id, ?, ? FROM grown_ids""", (tid, now, now + 30 * 86_400_000))
    print(f"{args.sessions} sessions and refresh tokens in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE tenant_id = ?", (tid,)).fetchone()[0]
    for start in range(0, args.events, batch):
        count = min(batch, args.events - start)
        with db:
            db.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO events (tenant_id, seq, id, type, subject, data, created_at, prev_hash, hash, actor, ip, hash_version)
                SELECT ?, ? + i, lower(hex(randomblob(16))), 'login.succeeded', ?, '{"method":"password","amr":["pwd"]}', ?,
                       lower(hex(randomblob(32))), lower(hex(randomblob(32))), 'user:' || ?, '127.0.0.1', 2 FROM n""",
                       (count, tid, seq + start, uid, now, uid))
    print(f"{args.events} events in {time.monotonic() - started:.0f} s", flush=True)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


if __name__ == "__main__":
    main()
