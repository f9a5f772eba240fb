"""The backup and restore procedure of docs/backup-restore.md, run end to end on scratch
databases: a small demo data set is loaded into one, `pg_dump` writes the custom-format
backup, `pg_restore` loads it into a second, and the copy is checked the way an operator
checks a restore: `manage.py verify_audit_trail` passes on it (when the command exists) and
every table holds the same number of rows as the original. Printed: each step's time, the
backup's size, the per-table row counts that differ (none, or the run fails) and a summary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmastock_jobs \
        .venv/bin/python bench/backup_restore.py

DATABASE_URL names the server and a role allowed to create databases; the scratch
databases (pharmastock_backup_src_<pid>, pharmastock_backup_dst_<pid>) are dropped at the
end unless --keep. Exit status 0 only when every check passed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def run(*command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 (fixed commands; only our own paths and names)
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def manage(url: str, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "DEMO_DATA_ALLOWED": "1",
        "DEBUG": "1",  # the demo users command runs only for the demo
        "LOG_LEVEL": "WARNING",
    }
    return run(PYTHON, "manage.py", *args, env=env)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {name:<44} {time.perf_counter() - started:6.1f} s")


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 (names from pg_tables)
            for table in tables
        }


def check_copy(source: str, target: str) -> bool:
    """The restored copy passes verify_audit_trail (when present) and every table's row
    count matches the original."""
    has_verify = "verify_audit_trail" in manage(target, "help", "--commands")
    if has_verify:
        with step("verify_audit_trail on the restored copy"):
            verdict = manage(target, "verify_audit_trail").strip()
        print(f"  verify_audit_trail: {verdict}")
    else:
        print("  verify_audit_trail: command not present, skipped")
    before, after = row_counts(source), row_counts(target)
    differ = {
        table: (before.get(table), after.get(table))
        for table in sorted(set(before) | set(after))
        if before.get(table) != after.get(table)
    }
    for table, (was, now) in differ.items():
        print(f"  DIFFERS {table}: {was} in the original, {now} restored")
    ok = not differ
    largest = sorted(before.items(), key=lambda item: -item[1])[:5]
    print(
        f"  tables: {len(before)} in the original, {len(after)} restored; "
        f"rows: {sum(before.values()):,} and {sum(after.values()):,}; "
        f"{len(differ)} tables differ"
    )
    print("  largest: " + ", ".join(f"{t} {n:,}" for t, n in largest))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server.")
    source_name = f"pharmastock_backup_src_{os.getpid()}"
    target_name = f"pharmastock_backup_dst_{os.getpid()}"
    source, target = with_database(server, source_name), with_database(server, target_name)
    admin = with_database(server, "postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        for name in (source_name, target_name):
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{source_name}"')
    ok = True
    print(f"Backup and restore, {source_name} -> {target_name}")
    try:
        with step("migrate the scratch database"):
            manage(source, "migrate", "--no-input")
        with step(f"load demo data ({args.skus} SKUs) and users"):
            manage(source, "create_demo_users")
            manage(
                source, "generate_demo_data", "--skus", str(args.skus), "--days", "120",
                "--sites", "6", "--seed", "7", "--actor", "admin", "--reason", "backup drill",
            )  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            backup = Path(folder) / "pharmastock.dump"
            with step("pg_dump --format=custom"):
                run("pg_dump", "--format=custom", "--no-owner", f"--file={backup}", source)
            size = backup.stat().st_size
            with step("pg_restore into a new database"):
                with psycopg.connect(admin, autocommit=True) as db:
                    db.execute(f'CREATE DATABASE "{target_name}"')
                run(
                    "pg_restore", "--no-owner", "--exit-on-error", "--jobs=2",
                    f"--dbname={target}", str(backup),
                )  # fmt: skip
                with psycopg.connect(target, autocommit=True) as db:
                    db.execute("ANALYZE")
        print(f"  backup size: {size / 1024:,.0f} KiB")
        ok = check_copy(source, target)
        print("RESULT: " + ("PASS" if ok else "FAIL"))
    finally:
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as db:
                for name in (source_name, target_name):
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
