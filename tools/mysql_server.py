#!/usr/bin/env python3
"""Find, install and run the MySQL-compatible server the generators use.

``python -m tools.mysql_server ensure`` is what ``make demo`` runs:

- with ``MYSQL_HOST`` (or ``MYSQL_UNIX_SOCKET``) set, the user's own server
  is used and nothing is started;
- otherwise a private MariaDB owned by the project runs from ``.mysql/`` in
  the repository (git-ignored), on loopback and a port of its own, and its
  generated credentials go to ``.mysql/client.cnf``, which the generators'
  ``seed.py`` reads. When no server binary exists and the user is root on
  Debian or Ubuntu, ``mariadb-server`` is installed with apt-get.

``stop`` stops the private server; ``status`` says whether it runs;
``install`` only makes sure the server programs exist (``make test`` runs it
first, so a machine without them gets one sentence rather than failing
tests). The test suite uses ``start_throwaway`` for a server in a temporary
folder, or the server named by ``TEST_MYSQL_HOST``.
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
PRIVATE_DIR = ROOT / ".mysql"
APP_USER = "alx"
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin",
     "/usr/local/mysql/bin"])
START_TIMEOUT = 60


class SetupError(Exception):
    """A problem the user must fix, told in one sentence."""


def env_configured() -> bool:
    """Return True when the user names a server in the environment."""
    return bool(os.environ.get("MYSQL_HOST")
                or os.environ.get("MYSQL_UNIX_SOCKET"))


def find_program(*names: str) -> Optional[str]:
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

    Raises SetupError with the exact command to run otherwise.
    """
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(
            "No MySQL or MariaDB server is installed: run `{}` (or set "
            "MYSQL_HOST, MYSQL_PORT, MYSQL_USER and MYSQL_PASSWORD to use "
            "your own server).".format(install_command()))
    print("Installing mariadb-server with apt-get (once)...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q",
                     "--no-install-recommends", "mariadb-server",
                     "mariadb-client"]):
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise SetupError("`{}` failed: {}".format(
                " ".join(command), done.stderr.strip().splitlines()[-1:]))


def server_programs() -> Dict[str, str]:
    """Return the paths of the server and its set-up program.

    Installs MariaDB first when neither is present and that is allowed.
    """
    def look() -> Dict[str, Optional[str]]:
        """Find the two programs on the search path."""
        return {"server": find_program("mariadbd", "mysqld"),
                "install_db": find_program("mariadb-install-db",
                                           "mysql_install_db")}
    programs = look()
    if not all(programs.values()):
        install_server()
        programs = look()
    if not all(programs.values()):
        raise SetupError("The MariaDB server programs were not found after "
                         "installing: run `{}`.".format(install_command()))
    return programs


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Return True when nothing listens on ``port`` on loopback."""
    with socket.socket() as probe:
        # As the server binds: connections it closed (TIME_WAIT) do not
        # keep the port from it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def read_option_file(path: Path) -> Dict[str, str]:
    """Read the ``[client]`` group of an option file into a dict."""
    options = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            options[key.strip()] = value.strip()
    return options


def write_option_file(path: Path, options: Dict[str, str]) -> None:
    """Write ``options`` as a ``[client]`` option file only we can read."""
    lines = ["[client]"] + ["{}={}".format(k, v) for k, v in options.items()]
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
        self.option_file = self.folder / "client.cnf"

    def options(self) -> Dict[str, str]:
        """Return the saved client options (host, port, user, password)."""
        return read_option_file(self.option_file)

    def env(self) -> Dict[str, str]:
        """Return the ``MYSQL_*`` variables that point a client here."""
        options = self.options()
        return {"MYSQL_HOST": options["host"], "MYSQL_PORT": options["port"],
                "MYSQL_USER": options["user"],
                "MYSQL_PASSWORD": options["password"]}

    def pid(self) -> Optional[int]:
        """Return the pid of the running server, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def _initialise(self, programs: Dict[str, str]) -> None:
        """Create the data directory with a password-less root on the socket.

        Root can only connect through the socket in our folder, and is used
        once, to create the application user with a generated password.
        """
        self.datadir.mkdir(parents=True)
        command = [programs["install_db"], "--no-defaults",
                   "--datadir=" + str(self.datadir),
                   "--auth-root-authentication-method=normal",
                   "--skip-test-db"]
        if os.geteuid() == 0:
            command.append("--user=root")
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            raise SetupError("Could not create the MariaDB data directory: "
                             + (done.stderr or done.stdout).strip()[-300:])

    def _launch(self, programs: Dict[str, str], port: int) -> None:
        """Start the server in the background on loopback and ``port``."""
        command = [programs["server"], "--no-defaults",
                   "--datadir=" + str(self.datadir),
                   "--socket=" + str(self.socket),
                   "--pid-file=" + str(self.pid_file),
                   "--log-error=" + str(self.log),
                   "--bind-address=127.0.0.1", "--port=" + str(port),
                   "--skip-name-resolve", "--innodb-buffer-pool-size=256M",
                   "--max-connections=200"]
        if os.geteuid() == 0:
            command.append("--user=root")
        subprocess.Popen(command, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._answers():
                return
            time.sleep(0.1)
        raise SetupError("The MariaDB server did not start within {} s; its "
                         "log is {}.".format(START_TIMEOUT, self.log))

    def _answers(self) -> bool:
        """Return True when the server accepts connections on its socket."""
        return self._root_sql("SELECT 1", check=False).returncode == 0

    def _root_sql(self, sql: str,
                  check: bool = True) -> subprocess.CompletedProcess:
        """Run ``sql`` as root through the socket with the CLI client."""
        client = find_program("mariadb", "mysql")
        # The client would take MYSQL_HOST (set while tests use another
        # server) over the socket: run it without the MYSQL_* variables.
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("MYSQL")}
        done = subprocess.run(
            [client, "--no-defaults", "--socket=" + str(self.socket),
             "--user=root", "--batch", "--execute=" + sql],
            capture_output=True, text=True, env=env)
        if check and done.returncode != 0:
            raise SetupError("MariaDB refused the set-up SQL: "
                             + done.stderr.strip())
        return done

    def _create_user(self, port: int) -> None:
        """Create the application user and save its generated password."""
        # The command-line client has no placeholders; both values are
        # ours (a constant name, a password of URL-safe characters).
        password = secrets.token_urlsafe(24)
        statements = []
        for host in ("127.0.0.1", "localhost"):
            account = "'{}'@'{}'".format(APP_USER, host)
            statements += [
                "CREATE OR REPLACE USER {} IDENTIFIED BY '{}'".format(
                    account, password),
                "GRANT ALL PRIVILEGES ON *.* TO {}".format(account)]
        self._root_sql("; ".join(statements))
        write_option_file(self.option_file, {
            "host": "127.0.0.1", "port": str(port), "user": APP_USER,
            "password": password})

    def start(self) -> None:
        """Start (or reuse) the server, creating it on first use."""
        if self.pid() and self.option_file.exists():
            return
        programs = server_programs()
        self.folder.mkdir(parents=True, exist_ok=True)
        first_time = not self.datadir.exists()
        if first_time:
            self._initialise(programs)
        port = (int(self.options()["port"]) if self.option_file.exists()
                else free_port())
        if not port_is_free(port):
            port = free_port()
        self._launch(programs, port)
        if first_time or not self.option_file.exists():
            self._create_user(port)
        elif self.options()["port"] != str(port):
            write_option_file(self.option_file,
                              dict(self.options(), port=str(port)))

    def stop(self) -> bool:
        """Stop the server if it runs; return True when it was running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, 15)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.pid() == pid:
            time.sleep(0.1)
        return True


def private_server() -> Server:
    """Return the project's private server, kept in ``.mysql/``."""
    return Server(PRIVATE_DIR)


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
        return "Using the MySQL server named by MYSQL_HOST={}.".format(
            os.environ.get("MYSQL_HOST") or os.environ["MYSQL_UNIX_SOCKET"])
    server = private_server()
    server.start()
    return "Private MariaDB running on 127.0.0.1:{} (data in {}).".format(
        server.options()["port"], server.folder.relative_to(ROOT))


def main(argv: List[str]) -> int:
    """Run the ``ensure``, ``stop`` or ``status`` command."""
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
            print("Private MariaDB is running." if server.pid()
                  else "Private MariaDB is not running.")
        else:
            print("usage: python -m tools.mysql_server "
                  "[ensure|install|stop|status]", file=sys.stderr)
            return 2
    except SetupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
