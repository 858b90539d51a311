#!/usr/bin/env python3
"""Find, install and run the MySQL-compatible server the generators use.

``python -m tools.mysql_server ensure`` is what ``make db-start`` (and so
``make demo``) runs:

- with ``MYSQL_HOST`` (or ``MYSQL_UNIX_SOCKET``) set, the user's own server
  is used and nothing is started;
- otherwise a private MariaDB owned by the project runs from ``.mysql/`` in
  the repository (git-ignored), on loopback and a port of its own, and its
  generated credentials go to ``.mysql/client.cnf``, which the generators'
  ``seed.py`` reads. When no server binary exists and the user is root on
  Debian or Ubuntu, ``mariadb-server`` is installed with apt-get.

``stop`` stops the private server; ``status`` says whether it answers;
``install`` only makes sure the server programs exist (``make test`` runs it
first, so a machine without them gets one sentence rather than failing
tests). The test suite uses ``start_throwaway`` for a server in a temporary
folder, or the server named by ``TEST_MYSQL_HOST``.

A server counts as running only when it answers a query: a pid file can
outlive its server. Starting holds a lock on the folder, so two starts at
once (two ``make db-start``) cannot launch two servers on one data
directory, and a restart keeps the port the server had.
"""
import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PRIVATE_DIR = ROOT / ".mysql"
APP_USER = "alx"
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin",
     "/usr/local/mysql/bin"])
START_TIMEOUT = 60
# Seconds apt-get waits for another package manager to let go of its lock.
APT_LOCK_TIMEOUT = 600
START_COMMAND = "make db-start"


class SetupError(Exception):
    """A problem the user must fix, told in one sentence."""


def env_configured() -> bool:
    """Return True when the user names a server in the environment."""
    return bool(os.environ.get("MYSQL_HOST")
                or os.environ.get("MYSQL_UNIX_SOCKET"))


def find_program(*names: str) -> str | None:
    """Return the path of the first of ``names`` found, or None."""
    for name in names:
        found = shutil.which(name, path=SEARCH_PATH)
        if found:
            return found
    return None


def install_command() -> str:
    """Return the command that installs a server on this machine."""
    prefix = "" if os.geteuid() == 0 else "sudo "
    return prefix + "apt-get install -y mariadb-server"


def install_server() -> None:
    """Install ``mariadb-server`` with apt-get when root may do so.

    apt-get waits for the lock of another package manager that is running
    (an unattended upgrade, a second ``make``) instead of failing at once.
    Raises SetupError with the exact command to run otherwise.
    """
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(
            f"No MySQL or MariaDB server is installed: run "
            f"`{install_command()}` (or set MYSQL_HOST, MYSQL_PORT, "
            f"MYSQL_USER and MYSQL_PASSWORD to use your own server).")
    print("MySQL: installing mariadb-server with apt-get (once, a minute or "
          "two; it waits if another install holds the apt lock)...",
          flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    wait = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"
    for command in (["apt-get", "-o", wait, "update", "-q"],
                    ["apt-get", "-o", wait, "install", "-y", "-q",
                     "--no-install-recommends", "mariadb-server",
                     "mariadb-client"]):
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SetupError(
                f"`{' '.join(command)}` failed ({last_line(done.stderr)}): "
                f"run `{install_command()}` yourself to see the whole "
                f"message.")


def last_line(output: str) -> str:
    """Return the last non-empty line of a program's output, for a message.

    apt-get starts its errors with "E: "; the sentence around it says that
    already.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return "it printed nothing"
    return lines[-1].removeprefix("E: ").rstrip(".")


def server_programs() -> dict[str, str]:
    """Return the paths of the server, its set-up program and the client.

    Installs MariaDB first when one of them is missing and that is allowed.
    """
    def look() -> dict[str, str | None]:
        """Find the three programs on the search path."""
        return {"server": find_program("mariadbd", "mysqld"),
                "install_db": find_program("mariadb-install-db",
                                           "mysql_install_db"),
                "client": find_program("mariadb", "mysql")}
    programs = look()
    if not all(programs.values()):
        install_server()
        programs = look()
    if not all(programs.values()):
        raise SetupError(f"The MariaDB server programs were not found after "
                         f"installing: run `{install_command()}`.")
    return {name: path for name, path in programs.items() if path}


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Return True when nothing listens on ``port`` on loopback.

    SO_REUSEADDR, as the server itself sets it: connections of a server
    that has just stopped linger in TIME_WAIT, and without it they would
    make its port look taken, and the server move to a new one.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def read_option_file(path: Path) -> dict[str, str]:
    """Read the ``[client]`` group of an option file into a dict."""
    options = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            options[key.strip()] = value.strip()
    return options


def write_option_file(path: Path, options: dict[str, str]) -> None:
    """Write ``options`` as a ``[client]`` option file only we can read."""
    lines = ["[client]"] + [f"{k}={v}" for k, v in options.items()]
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")


class Server:
    """A MariaDB server whose files all live in one folder."""

    def __init__(self, folder: Path) -> None:
        """Describe the server kept in ``folder`` (nothing starts yet)."""
        self.folder = Path(folder)
        self.datadir = self.folder / "data"
        self.socket = self.folder / "mysqld.sock"
        self.pid_file = self.folder / "mysqld.pid"
        self.log = self.folder / "mysqld.log"
        # A server deletes every "#sql*" file in its temporary folder when
        # it starts, so two servers sharing /tmp break each other's setup.
        self.tmpdir = self.folder / "tmp"
        self.option_file = self.folder / "client.cnf"
        self.lock_file = self.folder / "start.lock"
        self._process: subprocess.Popen | None = None

    def options(self) -> dict[str, str]:
        """Return the saved client options (host, port, user, password)."""
        return read_option_file(self.option_file)

    def env(self) -> dict[str, str]:
        """Return the ``MYSQL_*`` variables that point a client here."""
        options = self.options()
        return {"MYSQL_HOST": options["host"], "MYSQL_PORT": options["port"],
                "MYSQL_USER": options["user"],
                "MYSQL_PASSWORD": options["password"]}

    def pid(self) -> int | None:
        """Return the pid of this folder's server process, or None.

        The pid file outlives a server that was killed, and its number may
        belong to another process since: the process must be alive and be
        a server of this data directory.
        """
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self._serves_here(pid) else None

    def _serves_here(self, pid: int) -> bool:
        """Tell whether ``pid`` is a live server on our data directory.

        A process that has exited but not been reaped (a zombie) has an
        empty command line, so it does not count either. Without /proc
        (not Linux) a live pid is all there is to go on.
        """
        if not Path("/proc/self").exists():
            try:
                os.kill(pid, 0)
            except OSError:
                return False
            return True
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return f"--datadir={self.datadir}".encode() in arguments

    def running(self) -> bool:
        """Return True when the server process is up and answers a query."""
        return self.pid() is not None and self._answers()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the folder's start lock for the ``with`` block.

        Two starts at once would otherwise both find no server and launch
        two on one data directory; the second now waits, then finds the
        first one's server answering.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("MySQL: waiting for another start of this server to "
                      "finish...", flush=True)
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _initialise(self, programs: dict[str, str]) -> None:
        """Create the data directory with a password-less root on the socket.

        Root can only connect through the socket in our folder, and is used
        once, to create the application user with a generated password.
        """
        self.datadir.mkdir(parents=True)
        with spaceless(self.folder) as folder:
            command = [programs["install_db"], "--no-defaults",
                       "--datadir=" + str(folder / self.datadir.name),
                       "--tmpdir=" + str(folder / self.tmpdir.name),
                       "--auth-root-authentication-method=normal",
                       "--skip-test-db"]
            if os.geteuid() == 0:
                command.append("--user=root")
            done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            raise SetupError(
                f"Could not create the MariaDB data directory "
                f"{self.datadir} ({last_line(done.stderr or done.stdout)}).")

    def _launch(self, programs: dict[str, str], port: int) -> None:
        """Start the server in the background; return once it answers."""
        command = [programs["server"], "--no-defaults",
                   "--datadir=" + str(self.datadir),
                   "--socket=" + str(self.socket),
                   "--tmpdir=" + str(self.tmpdir),
                   "--pid-file=" + str(self.pid_file),
                   "--log-error=" + str(self.log),
                   "--bind-address=127.0.0.1", "--port=" + str(port),
                   "--skip-name-resolve", "--innodb-buffer-pool-size=256M",
                   "--max-connections=200"]
        if os.geteuid() == 0:
            command.append("--user=root")
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None:
                raise SetupError(
                    f"The MariaDB server stopped while starting "
                    f"({self._log_tail()}); its log is {self.log}.")
            if time.monotonic() > deadline:
                raise SetupError(
                    f"The MariaDB server did not answer within "
                    f"{START_TIMEOUT} s; its log is {self.log}.")
            time.sleep(0.1)

    def _log_tail(self) -> str:
        """Return the last line of the server's log, for an error message."""
        try:
            return last_line(self.log.read_text(errors="replace"))
        except OSError:
            return "it wrote no log"

    def _answers(self) -> bool:
        """Return True when the server accepts connections on its socket."""
        return self._root_sql("SELECT 1", check=False).returncode == 0

    def set_global(self, name: str, value: int) -> None:
        """Set a global server variable (as root, through the socket):
        ``name`` is one of our own constants, ``value`` a whole number."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a server variable: {name!r}")
        self._root_sql(f"SET GLOBAL {name} = {int(value)}")

    def _root_sql(self, sql: str,
                  check: bool = True) -> subprocess.CompletedProcess:
        """Run ``sql`` as root through the socket with the CLI client."""
        client = find_program("mariadb", "mysql")
        if client is None:
            raise SetupError(f"The MariaDB client is missing: run "
                             f"`{install_command()} mariadb-client`.")
        # The client reads MYSQL_HOST, MYSQL_PWD and the like from the
        # environment, where they name the user's (or a test's) server:
        # without them, and with host "localhost", it uses our socket.
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("MYSQL_")}
        done = subprocess.run(
            [client, "--no-defaults", "--host=localhost",
             "--socket=" + str(self.socket), "--user=root", "--batch",
             "--skip-column-names", "--execute=" + sql],
            capture_output=True, text=True, env=env)
        if check and done.returncode != 0:
            raise SetupError(f"MariaDB refused the set-up SQL "
                             f"({last_line(done.stderr)}).")
        return done

    def _create_user(self, port: int) -> None:
        """Create the application user and save its generated password."""
        # The command-line client has no placeholders; both values are
        # ours (a constant name, a password of URL-safe characters).
        password = secrets.token_urlsafe(24)
        statements = []
        for host in ("127.0.0.1", "localhost"):
            account = f"'{APP_USER}'@'{host}'"
            statements += [
                f"CREATE OR REPLACE USER {account} IDENTIFIED BY "
                f"'{password}'",
                f"GRANT ALL PRIVILEGES ON *.* TO {account}"]
        self._root_sql("; ".join(statements))
        write_option_file(self.option_file, {
            "host": "127.0.0.1", "port": str(port), "user": APP_USER,
            "password": password})

    def _running_after_wait(self) -> bool:
        """Return True when the server answers, False when none runs.

        A server process that does not answer yet (still starting, or
        shutting down) gets ``START_TIMEOUT`` seconds to do one or the
        other.
        """
        deadline = time.monotonic() + START_TIMEOUT
        while (pid := self.pid()) is not None:
            if self._answers():
                return True
            if time.monotonic() > deadline:
                raise SetupError(
                    f"A MariaDB server (pid {pid}) runs on {self.datadir} "
                    f"but does not answer: stop it with `kill {pid}` and "
                    f"try again.")
            time.sleep(0.1)
        return False

    def _port(self) -> int:
        """Return the port the server had, or a free one if it is taken."""
        if self.option_file.exists():
            saved = int(self.options()["port"])
            if port_is_free(saved):
                return saved
        return free_port()

    def start(self) -> bool:
        """Start the server unless it already answers; True if it started.

        Creates the data directory and the application user on first use.
        The port saved in the option file is used again while it is free.
        """
        with self._lock():
            if self._running_after_wait():
                if not self.option_file.exists():
                    port = self._root_sql("SELECT @@port").stdout.strip()
                    self._create_user(int(port))
                return False
            programs = server_programs()
            self.tmpdir.mkdir(exist_ok=True)
            first_time = not self.datadir.exists()
            if first_time:
                self._initialise(programs)
            port = self._port()
            self._launch(programs, port)
            if first_time or not self.option_file.exists():
                self._create_user(port)
            elif self.options()["port"] != str(port):
                write_option_file(self.option_file,
                                  dict(self.options(), port=str(port)))
            return True

    def stop(self) -> bool:
        """Stop the server if it runs; return True when it was running."""
        if not self.folder.exists():
            return False
        with self._lock():
            pid = self.pid()
            if pid is None:
                return False
            os.kill(pid, 15)
            if self._process is not None and self._process.pid == pid:
                # Ours: reap it, so that it does not linger as a zombie.
                self._process.wait(START_TIMEOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while self.pid() == pid:
                if time.monotonic() > deadline:
                    raise SetupError(f"The MariaDB server (pid {pid}) did "
                                     f"not stop within {START_TIMEOUT} s.")
                time.sleep(0.1)
            return True


def private_server() -> Server:
    """Return the project's private server, kept in ``.mysql/``."""
    return Server(PRIVATE_DIR)


@contextmanager
def spaceless(folder: Path) -> Iterator[Path]:
    """Yield a path to ``folder`` without white space in it.

    mariadb-install-db, a shell script, splits some of its paths at white
    space (a clone in "My Projects" would fail): a folder with white space
    in its path is reached through a symbolic link in the system's
    temporary folder for the ``with`` block.
    """
    if not any(character.isspace() for character in str(folder)):
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="mariadb-") as links:
        alias = Path(links) / "server"
        alias.symlink_to(folder, target_is_directory=True)
        yield alias


def start_throwaway(folder: Path) -> Server:
    """Start a fresh server in ``folder`` (a temporary folder) and return it.

    The caller stops it with ``server.stop()`` and removes the folder.
    """
    server = Server(folder)
    server.start()
    return server


def ensure() -> str:
    """Make a server available and say which one, in one sentence."""
    if env_configured():
        named = os.environ.get("MYSQL_HOST") or os.environ["MYSQL_UNIX_SOCKET"]
        return f"MySQL: using the server named by MYSQL_HOST={named}."
    server = private_server()
    where = server.folder.relative_to(ROOT)
    if not server.running():
        print(f"MySQL: starting the private MariaDB in {where}/ (the first "
              f"time also creates its data, a few seconds)...", flush=True)
    state = "started" if server.start() else "already running"
    return (f"MySQL: private MariaDB {state} on 127.0.0.1:"
            f"{server.options()['port']} (data in {where}/).")


def database_url(env: dict[str, str], database: str) -> str:
    """Return the ``mysql://`` URL of ``database`` on the server that the
    ``MYSQL_*`` variables of ``env`` name, as the chat API reads it."""
    user = quote(env.get("MYSQL_USER", ""), safe="")
    password = quote(env.get("MYSQL_PASSWORD", ""), safe="")
    socket_path = env.get("MYSQL_UNIX_SOCKET", "")
    where = (f"{env.get('MYSQL_HOST') or '127.0.0.1'}:"
             f"{env.get('MYSQL_PORT') or 3306}")
    query = f"?socket={quote(socket_path)}" if socket_path else ""
    return f"mysql://{user}:{password}@{where}/{database}{query}"


def url(database: str) -> str:
    """Return the URL of ``database`` on the server ``ensure`` gives: the
    one MYSQL_HOST names, or the private MariaDB (started if needed)."""
    if env_configured():
        return database_url(dict(os.environ), database)
    server = private_server()
    server.start()
    return database_url(server.env(), database)


def status(server: Server) -> tuple[int, str]:
    """Return the exit status and sentence of the ``status`` command."""
    if server.running():
        return 0, (f"Private MariaDB is running on 127.0.0.1:"
                   f"{server.options()['port']}.")
    return 3, (f"Private MariaDB is not running: start it with "
               f"`{START_COMMAND}`.")


def main(argv: list[str]) -> int:
    """Run the ``ensure``, ``install``, ``stop``, ``status`` or ``url
    DATABASE`` command (the last prints the chat API's URL of a database on
    that server).

    ``status`` exits with 0 when the server answers and 3 when it does not,
    as service managers do.
    """
    command = argv[0] if argv else "ensure"
    server = private_server()
    try:
        if command == "ensure":
            print(ensure())
        elif command == "install":
            if not os.environ.get("TEST_MYSQL_HOST"):
                server_programs()
        elif command == "stop":
            print("Private MariaDB stopped." if server.stop()
                  else "Private MariaDB was not running.")
        elif command == "status":
            code, sentence = status(server)
            print(sentence)
            return code
        elif command == "url" and len(argv) == 2:
            print(url(argv[1]))
        else:
            print("usage: python -m tools.mysql_server "
                  "[ensure|install|stop|status|url DATABASE]",
                  file=sys.stderr)
            return 2
    except SetupError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
