"""A production-shaped board on this machine: all on 127.0.0.1, all under var/cluster/.

    ./board cluster up       # start (building what is missing); waits for both app servers
    ./board cluster status   # what runs, the replica's lag, each app server's /readyz
    ./board cluster down     # stop everything (add --wipe to delete var/cluster/ as well)
    ./board cluster env      # the environment the app servers run with, as shell lines

    PostgreSQL primary  127.0.0.1:17432  var/cluster/primary   (initdb; wal_level=replica)
    PostgreSQL replica  127.0.0.1:17433  var/cluster/replica   (pg_basebackup -R: streaming)
    PgBouncer           127.0.0.1:17464  transaction pooling, in front of the primary
    Redis               127.0.0.1:17479  cache, sessions, page cache (nothing on disk)
    app server 1        127.0.0.1:17401  gunicorn, 2 workers
    app server 2        127.0.0.1:17402  gunicorn, 2 workers
    task worker                          manage.py db_worker (mail, thumbnails)

Both app servers and the worker share the database (through PgBouncer; reads of stale-safe
pages from the replica), Redis and the media folder var/cluster/media. The PostgreSQL servers
run as the postgres user (Debian's newest PostgreSQL binaries, or PG_BIN); PgBouncer and Redis are
the Debian packages, installed with apt-get when missing (as root). `BOARD_CLUSTER_PORT` moves
every port: the primary is on BOARD_CLUSTER_PORT + 32, and so on (default 17400);
`BOARD_CLUSTER_DIR` the folder (the fault checks run a cluster of their own beside this one).
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("BOARD_CLUSTER_DIR") or BASE_DIR / "var" / "cluster")
# Debian's newest PostgreSQL (15 on the reference machine), unless PG_BIN names one.
PG_BIN = Path(
    os.environ.get("PG_BIN")
    or max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), default="")
    or "/usr/lib/postgresql/15/bin"
)
# Below Linux's ephemeral ports (32768 and up), which any client connection may be holding.
PORT = int(os.environ.get("BOARD_CLUSTER_PORT", "17400"))
PORTS = {
    "primary": PORT + 32,
    "replica": PORT + 33,
    "pgbouncer": PORT + 64,
    "redis": PORT + 79,
    "app1": PORT + 1,
    "app2": PORT + 2,
}
APPS = ("app1", "app2")
DATABASE = "board"
RUN, LOGS = VAR / "run", VAR / "logs"
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"
# Settings the fault checks add for the app servers and the worker (bench/cluster_faults.py).
EXTRA: dict[str, str] = {}


def as_postgres(*command) -> list[str]:
    """PostgreSQL refuses to run as root: its servers and tools run as the postgres user."""
    command = [str(part) for part in command]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def run(command: list, **options) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True,
        timeout=options.pop("timeout", 180), **options,
    )  # fmt: skip
    if done.returncode:
        # What failed, in the run's log: a fault run's CalledProcessError alone says nothing.
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        done.check_returncode()
    return done


def secret_key() -> str:
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url(part: str) -> str:
    return f"postgres://postgres@127.0.0.1:{PORTS[part]}/{DATABASE}"


def environment() -> dict[str, str]:
    """What every app server and the worker run with: the README's production settings."""
    return {
        "DATABASE_URL": database_url("pgbouncer"),
        "DATABASE_POOLER": "pgbouncer",
        "DATABASE_REPLICA_URLS": database_url("replica"),
        "CONN_MAX_AGE": "60",
        "REDIS_URL": f"redis://127.0.0.1:{PORTS['redis']}/0",
        "SECRET_KEY": secret_key(),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(VAR / "media"),
        "STATIC_ROOT": str(VAR / "static"),
        "VAR_DIR": str(VAR / "app"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        **EXTRA,
    }


def manage(env: dict[str, str], *command: str) -> str:
    return run([PYTHON, "manage.py", *command], cwd=BASE_DIR, env={**os.environ, **env}).stdout


# --- packages -----------------------------------------------------------------------------------


def ensure_packages() -> None:
    programs = {"pgbouncer": "/usr/sbin/pgbouncer", "redis-server": "redis-server"}
    missing = [package for package, program in programs.items() if not shutil.which(program)]
    if not (PG_BIN / "pg_ctl").exists():
        missing.append("postgresql")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"The cluster needs {', '.join(missing)}: apt-get install them (as root).")
    print(f"Installing {', '.join(missing)} ...")
    run(["apt-get", "update", "-qq"], timeout=600)
    run(["apt-get", "install", "-y", "-qq", *missing], timeout=900,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip


# --- PostgreSQL ---------------------------------------------------------------------------------


def postgres_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


def is_ready(part: str) -> bool:
    result = subprocess.run(
        [PG_BIN / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORTS[part])], check=False
    )
    return result.returncode == 0


def server_settings(part: str) -> str:
    return "\n".join([
        "# bench/cluster.py",
        f"port = {PORTS[part]}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{RUN}'",
        "wal_level = replica",
        "max_wal_senders = 5",
        "hot_standby = on",
        # On a standby, a long read is cancelled rather than holding back replay for long.
        "max_standby_streaming_delay = 5s",
        "shared_buffers = 64MB",
        "max_connections = 100",
        "logging_collector = off",
        "",
    ])  # fmt: skip


def build_primary() -> None:
    """initdb, once."""
    data = VAR / "primary"
    if (data / "PG_VERSION").exists():
        return
    postgres_folder(data)
    run(as_postgres(PG_BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"))  # fmt: skip
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(server_settings("primary"))


def build_replica() -> None:
    """A copy of the running primary that streams from it (pg_basebackup -R)."""
    data = VAR / "replica"
    if (data / "PG_VERSION").exists():
        return
    postgres_folder(data)
    data.chmod(0o700)
    run(as_postgres(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", PORTS["primary"],
                    "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast"))  # fmt: skip
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(server_settings("replica"))


def start_postgres(part: str) -> None:
    if is_ready(part):
        return
    (VAR / part / "postmaster.pid").unlink(missing_ok=True)  # left by a machine that stopped
    # The port on the command line too: BOARD_CLUSTER_PORT may have moved since the folder was made.
    run(as_postgres(PG_BIN / "pg_ctl", "-D", VAR / part, "-l", LOGS / f"{part}.log", "-w",
                    "-t", "60", "-o", f"-p {PORTS[part]}", "start"))  # fmt: skip


def stop_postgres(part: str, mode: str = "fast") -> None:
    if (VAR / part / "postmaster.pid").exists():
        subprocess.run(as_postgres(PG_BIN / "pg_ctl", "-D", VAR / part, "-m", mode, "-w", "stop"),
                       check=False, capture_output=True, timeout=120)  # fmt: skip


def sql(part: str, query: str, database: str = DATABASE):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=PORTS[part], user="postgres", dbname=database,
                         autocommit=True, connect_timeout=3) as connection:  # fmt: skip
        cursor = connection.execute(query)
        return cursor.fetchall() if cursor.description else []


# --- PgBouncer, Redis ---------------------------------------------------------------------------


def pgbouncer_config() -> Path:
    ini = VAR / "pgbouncer.ini"
    (VAR / "userlist.txt").write_text('"postgres" ""\n')
    ini.write_text("\n".join([
        "[databases]",
        f"{DATABASE} = host=127.0.0.1 port={PORTS['primary']} dbname={DATABASE}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {PORTS['pgbouncer']}",
        f"unix_socket_dir = {RUN}",
        "auth_type = trust",
        f"auth_file = {VAR / 'userlist.txt'}",
        "admin_users = postgres",
        # Transaction pooling: a server connection serves one transaction, then the next client.
        "pool_mode = transaction",
        "max_client_conn = 500",
        "default_pool_size = 20",
        "server_reset_query =",
        "ignore_startup_parameters = extra_float_digits,options",
        f"pidfile = {RUN / 'pgbouncer.pid'}",
        f"logfile = {LOGS / 'pgbouncer.log'}",
        "",
    ]))  # fmt: skip
    return ini


def start_pgbouncer() -> None:
    if pid_alive(RUN / "pgbouncer.pid"):
        return
    (RUN / "pgbouncer.pid").unlink(missing_ok=True)
    run(as_postgres("/usr/sbin/pgbouncer", "-d", pgbouncer_config()))
    wait_for(lambda: port_open(PORTS["pgbouncer"]), "PgBouncer")


def stop_pgbouncer() -> None:
    stop_pid(RUN / "pgbouncer.pid")


def start_redis() -> None:
    if pid_alive(RUN / "redis.pid"):
        return
    run(["redis-server", "--bind", "127.0.0.1", "--port", PORTS["redis"], "--save", "",
         "--appendonly", "no", "--daemonize", "yes", "--pidfile", RUN / "redis.pid",
         "--logfile", LOGS / "redis.log", "--dir", VAR])  # fmt: skip
    wait_for(lambda: port_open(PORTS["redis"]), "Redis")


# --- app servers and the worker -----------------------------------------------------------------


def start_app(name: str) -> None:
    if pid_alive(RUN / f"{name}.pid"):
        return
    env = {**os.environ, **environment()}
    run([GUNICORN, "config.wsgi", "--config", "config/gunicorn.py",
         "--bind", f"127.0.0.1:{PORTS[name]}", "--workers", os.environ.get("WORKERS", "2"),
         "--timeout", "30", "--daemon", "--pid", RUN / f"{name}.pid",
         "--error-logfile", LOGS / f"{name}.log", "--log-level", "warning"],
        cwd=BASE_DIR, env=env)  # fmt: skip


def wait_app(name: str, timeout: float = 60) -> None:
    wait_for(lambda: readyz(name) == 200, f"app server {name}", timeout)


def start_worker() -> None:
    if pid_alive(RUN / "worker.pid"):
        return
    with open(LOGS / "worker.log", "ab") as log:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "1", "-v", "0"],
            cwd=BASE_DIR, env={**os.environ, **environment()}, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
    (RUN / "worker.pid").write_text(str(process.pid))


def readyz(name: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTS[name]}/readyz", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# --- processes ----------------------------------------------------------------------------------


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(path: Path) -> bool:
    pid = read_pid(path)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_pid(path: Path, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    pid = read_pid(path)
    if pid is None or not pid_alive(path):
        path.unlink(missing_ok=True)
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(path):
        time.sleep(0.1)
    if pid_alive(path):
        os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)


def port_open(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start: see {LOGS}")
        time.sleep(0.1)


# --- commands -----------------------------------------------------------------------------------


def up(*, quiet: bool = False) -> None:
    started = time.monotonic()
    ensure_packages()
    for folder in (VAR, VAR / "media", VAR / "app"):
        folder.mkdir(parents=True, exist_ok=True)
    postgres_folder(RUN)
    postgres_folder(LOGS)
    build_primary()
    start_postgres("primary")
    # Straight to the primary: migrations need no pooler. Each step is a no-op when done.
    env = {**environment(), "DATABASE_URL": database_url("primary"), "DATABASE_REPLICA_URLS": ""}
    if not sql("primary", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'", "postgres"):
        sql("primary", f'CREATE DATABASE "{DATABASE}"', database="postgres")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_sample", "--demo")
    if not (VAR / "static" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "-v", "0")
    build_replica()
    start_postgres("replica")
    start_pgbouncer()
    start_redis()
    for name in APPS:
        start_app(name)
    start_worker()
    for name in APPS:
        wait_app(name)
    if not quiet:
        print(f"Cluster up in {time.monotonic() - started:.1f} s:")
        status()


def down(*, wipe: bool = False) -> None:
    stop_pid(RUN / "worker.pid")
    for name in APPS:
        stop_pid(RUN / f"{name}.pid")
    stop_pgbouncer()
    stop_pid(RUN / "redis.pid")
    stop_postgres("replica")
    stop_postgres("primary")
    if wipe:
        shutil.rmtree(VAR, ignore_errors=True)
    print("Cluster down." + (f" {VAR} deleted." if wipe else ""))


def replica_lag() -> str:
    try:
        (row,) = sql(
            "replica",
            "SELECT pg_is_in_recovery(), pg_is_wal_replay_paused(), pg_last_wal_replay_lsn(), "
            "now() - pg_last_xact_replay_timestamp()",
        )
    except Exception as error:  # noqa: BLE001 (status reports whatever is wrong)
        return f"not answering ({type(error).__name__})"
    recovering, paused, lsn, since = row
    if not recovering:
        return "NOT a standby"
    paused = " (replay PAUSED)" if paused else ""
    return f"streaming, replayed to {lsn}{paused}, last commit replayed {since} ago"


def status() -> None:
    lines = [
        ("primary", PORTS["primary"], "ready" if is_ready("primary") else "down"),
        ("replica", PORTS["replica"], replica_lag() if is_ready("replica") else "down"),
        ("pgbouncer", PORTS["pgbouncer"], "up" if pid_alive(RUN / "pgbouncer.pid") else "down"),
        ("redis", PORTS["redis"], "up" if pid_alive(RUN / "redis.pid") else "down"),
        *((name, PORTS[name], f"/readyz {readyz(name) or 'no answer'}") for name in APPS),
        ("worker", "", "up" if pid_alive(RUN / "worker.pid") else "down"),
    ]
    for name, port, state in lines:
        address = f"127.0.0.1:{port}" if port else ""
        print(f"  {name:<10} {address:<16} {state}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "env"])
    parser.add_argument("--wipe", action="store_true", help="down: delete var/cluster/ as well")
    args = parser.parse_args()
    if args.command == "up":
        up()
    elif args.command == "down":
        down(wipe=args.wipe)
    elif args.command == "status":
        status()
    else:
        for name, value in environment().items():
            print(f"export {name}={value}")


if __name__ == "__main__":
    main()
