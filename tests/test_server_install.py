"""`mailbot init` and the unit it writes, started the way systemd would start it (issue 12): as
an unprivileged user, with the configuration folder not writable by it, only the state folder
writable, umask 077, the secrets from the EnvironmentFile. The daemon must run, handle mail and
stop cleanly on SIGTERM, writing nothing outside its state folder and nothing readable by others.

systemd itself cannot run here (no init system in the test machine); setpriv (util-linux) drops
to the service user as User= would, and this test reads the unit's own lines to start it."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pytest

from mailbot.cli import main
from servers import wait_until
from test_daemon import LONDON, iro_mail

pytestmark = pytest.mark.slow
SERVICE_USER = "nobody"


def unit_settings(unit: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def as_the_unit(settings: dict[str, list[str]], command: str) -> list[str]:
    """``command`` as systemd would run it for this unit: its user, umask 077."""
    user = settings["User"][0]
    return ["setpriv", f"--reuid={user}", f"--regid={settings['Group'][0]}", "--clear-groups", "--",
            "sh", "-c", f"umask 077; exec {command}"]


def unit_environment(settings: dict[str, list[str]]) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for assignment in settings.get("Environment", []):
        key, value = assignment.split("=", 1)
        env[key] = value
    for path in settings.get("EnvironmentFile", []):
        for line in Path(path).read_text().splitlines():
            if line.strip() and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env


CHECKOUT = Path(__file__).resolve().parents[1]
# A fresh Debian's PATH: no pyenv, no developer's virtual environment.
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def readme_first_screen() -> str:
    """The README's demo command, as a person pastes it."""
    text = (CHECKOUT / "README.md").read_text()
    block = text.split("**Run the demo**", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.strip(), "the README's first screen has no demo command"
    return block


@pytest.fixture(scope="module")
def fresh_install():
    """The README's first screen run verbatim in a copy of the checkout, with the system's
    Python and no cached wheels: the folder it made (world-readable, as /opt/mailbot is), and
    what it printed. Removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mailbot-fresh-", dir="/tmp"))
    folder.chmod(0o755)
    copy = folder / "mailbot"
    shutil.copytree(CHECKOUT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "var", ".pytest_cache", "reading_corpus"))
    env = {key: value for key, value in os.environ.items()
           if key.startswith(("PIP_", "LANG", "LC_")) or key.endswith("_CA_BUNDLE")}
    env.update(PATH=DEBIAN_PATH, HOME=str(folder / "home"), PIP_NO_CACHE_DIR="1")
    try:
        started = time.monotonic()
        run = subprocess.run(["bash", "-e", "-c", readme_first_screen()], cwd=copy, env=env,
                             capture_output=True, text=True, timeout=900)
        print(f"\nREADME first screen: exit {run.returncode} in {time.monotonic() - started:.0f} s")
        yield copy, run, env
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_readme_first_screen_works_as_pasted(fresh_install) -> None:
    copy, run, _ = fresh_install
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "All 8 scenarios ended in their expected state" in run.stdout
    assert (copy / ".venv" / "bin" / "mailbot").is_file()
    assert os.path.realpath(copy / ".venv" / "bin" / "python").startswith("/usr/")  # the system's Python
    # Installing gave no deprecation warning (the licence is an SPDX string, issue 12).
    assert "deprecat" not in (run.stdout + run.stderr).lower()


def test_a_wheel_and_an_sdist_build_and_say_their_version(fresh_install, tmp_path) -> None:
    copy, run, env = fresh_install
    assert run.returncode == 0
    python = copy / ".venv" / "bin" / "python"
    dist = tmp_path / "dist"
    tool = subprocess.run([str(python), "-m", "pip", "install", "-q", "build"], env=env, capture_output=True,
                          text=True, timeout=600)
    assert tool.returncode == 0, tool.stderr[-2000:]
    built = subprocess.run([str(python), "-m", "build", "--sdist", "--wheel", "--outdir", str(dist)], cwd=copy,
                           env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    names = sorted(p.name for p in dist.iterdir())
    assert any(n.endswith(".whl") for n in names) and any(n.endswith(".tar.gz") for n in names), names
    assert "deprecat" not in (built.stdout + built.stderr).lower()
    version = subprocess.run([str(copy / ".venv" / "bin" / "mailbot"), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("mailbot ") and version.returncode == 0


def test_init_writes_a_configuration_and_unit_that_run_as_the_unit_would(fresh_install, tmp_path) -> None:
    copy, run, _ = fresh_install
    assert run.returncode == 0
    installed = copy / ".venv" / "bin" / "mailbot"
    base = Path(tempfile.mkdtemp(prefix="mailbot-server-", dir="/tmp"))
    base.chmod(0o755)
    etc, state = base / "etc" / "mailbot", base / "var" / "lib" / "mailbot"
    made = subprocess.run([str(installed), "init", str(state), "--config-dir", str(etc), "--user", SERVICE_USER],
                          capture_output=True, text=True, timeout=120, env={"PATH": DEBIAN_PATH})
    assert made.returncode == 0, made.stderr
    assert "mailbot.service" in made.stdout and "check-config --connect" in made.stdout
    config, secrets, unit = etc / "config.yaml", etc / "secrets.env", etc / "mailbot.service"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700 and state.stat().st_uid == 65534
    text = config.read_text()
    assert f"maildir:{state}/mail" in text and f"sqlite:///{state}/mailbot.db" in text
    settings = unit_settings(unit)
    assert settings["WorkingDirectory"] == [str(state)] and settings["ReadWritePaths"] == [str(state)]
    assert settings["Environment"] == [f"MAILBOT_CONFIG={config}"] and settings["UMask"] == ["0077"]
    assert settings["RestartPreventExitStatus"] == ["78"]
    assert settings["ExecStart"][0].startswith(f"{installed} ")
    # Nothing is overwritten by a second run.
    again = subprocess.run([str(installed), "init", str(state), "--config-dir", str(etc), "--user", SERVICE_USER],
                           capture_output=True, text=True, timeout=120, env={"PATH": DEBIAN_PATH})
    assert again.returncode == 2 and "never overwrites" in again.stderr

    env, cwd = unit_environment(settings), settings["WorkingDirectory"][0]
    before = sorted(p.name for p in etc.iterdir())
    pre = subprocess.run(as_the_unit(settings, settings["ExecStartPre"][0]), env=env, cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    assert pre.returncode == 0, pre.stderr
    daemon = subprocess.Popen(as_the_unit(settings, settings["ExecStart"][0]), env=env, cwd=cwd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        inbox = state / "mail" / "new"
        def started() -> bool:
            if daemon.poll() is not None:
                raise AssertionError(f"the daemon exited with {daemon.returncode}: {daemon.stderr.read()[-3000:]}")
            return inbox.is_dir()

        wait_until(started, 60, what="the daemon to make its Maildir")
        # Delivered as a local delivery agent does for the Maildir's owner: into tmp/, then new/.
        deliver = subprocess.run(as_the_unit(settings, f"sh -c 'cat > {state}/mail/tmp/concern.eml && "
                                                       f"mv {state}/mail/tmp/concern.eml {inbox}/concern.eml'"),
                                 input=iro_mail(1, datetime.now(LONDON)), capture_output=True, timeout=30)
        assert deliver.returncode == 0, deliver.stderr
        exe = shlex.split(settings["ExecStart"][0])[0]

        def alerts() -> str | None:
            listed = subprocess.run(as_the_unit(settings, f"{exe} alerts --json"), env=env, cwd=cwd,
                                    capture_output=True, text=True, timeout=60)
            return listed.stdout if '"ref"' in listed.stdout else None

        listed = wait_until(alerts, 60, interval=1, what="the alert from the delivered mail")
        assert '"status": "awaiting_response"' in listed
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
        code = daemon.wait(timeout=60)
        log = daemon.stderr.read()
    assert code == 0, log[-3000:]
    assert '"mailbot stopped"' in log
    # Nothing written beside the configuration; everything in the state folder private to the user.
    assert sorted(p.name for p in etc.iterdir()) == before
    for path in [state, *state.rglob("*")]:
        info = path.stat()
        assert info.st_uid == 65534, path
        assert stat.S_IMODE(info.st_mode) & 0o077 == 0, (path, oct(info.st_mode))
    shutil.rmtree(base, ignore_errors=True)


def test_backup_is_an_online_private_copy(capsys, tmp_path, root) -> None:
    config = tmp_path / "config.yaml"
    config.write_text((root / "config.yaml").read_text())
    assert main(["--config", str(config), "--now", "2027-05-04T10:00", "ingest", str(root / "mailbot" / "demo" / sorted(
        p.name for p in (root / "mailbot" / "demo").glob("*.eml"))[0])]) == 0
    capsys.readouterr()
    destination = tmp_path / "backups" / "mailbot-2027-05-04.db"
    assert main(["--config", str(config), "backup", str(destination)]) == 0
    line = capsys.readouterr().out
    assert line.startswith("backed up ") and "integrity ok" in line and "1 alert(s)" in line
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert main(["--config", str(config), "backup", str(destination)]) == 2
    assert "never overwritten" in capsys.readouterr().err
