"""What users install: the wheel that `pip install .` builds, and the lock ./board installs from."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Folders of a working checkout that are not the board's source.
NOT_SOURCE = [".git", ".venv", "build", "*.egg-info", "var", "staticfiles", "test-artifacts"]

RENDER = """
import re

import django

django.setup()
import config
from django.conf import settings
from django.test import Client

client = Client()
html = client.get("/threads/1/cardio-back-pain/").text
stylesheet = re.search(r'href="(/static/[^"]+[.]css)"', html).group(1)
print(config.__file__)
print(settings.VAR_DIR, settings.STATIC_ROOT)
print(client.get("/threads/1/cardio-back-pain/").status_code, client.get(stylesheet).status_code)
print(html)
"""


def run(*command, **options) -> str:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True,
        timeout=300, **options,
    ).stdout  # fmt: skip


@pytest.mark.slow
def test_the_wheel_serves_the_sample_thread_from_outside_the_checkout(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(settings.BASE_DIR, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("oldboard-*.whl")

    # The wheel alone goes into a new venv; its dependencies are this test run's (the same lock),
    # found after the wheel's own files.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    venv_site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    (venv.joinpath(venv_site.strip(), "test-dependencies.pth")).write_text(
        sysconfig.get_path("purelib") + "\n"
    )

    site = tmp_path / "site"
    site.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "VAR_DIR", "STATIC_ROOT", "PYTHONPATH", "REDIS_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false")
    env.update(ALLOWED_HOSTS="testserver,127.0.0.1")
    oldboard = venv / "bin" / "oldboard"
    for command in (["migrate", "--noinput"], ["load_sample"], ["collectstatic", "--noinput"]):
        run(oldboard, *command, cwd=site, env=env)

    module, folders, statuses, html = run(python, "-c", RENDER, cwd=site, env=env).split("\n", 3)
    assert module.startswith(str(venv)), "the board was imported from the checkout"
    assert folders == f"{site / 'var'} {site / 'staticfiles'}"
    assert (site / "var" / "board.sqlite3").is_file()
    assert statuses == "200 200"  # the thread, and its stylesheet through whitenoise
    assert "Cardio = Back pain..." in html and "12-12-2007 09:59 PM" in html

    server = subprocess.Popen(
        [oldboard, "serve", "--log-level", "info"],
        cwd=site, env={**env, "BIND": "127.0.0.1:0"}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started = next((line for line in server.stderr if "Listening at: " in line), "")
        address = re.search(r"Listening at: (\S+)", started)
        assert address, "oldboard serve exited before listening"
        with urllib.request.urlopen(
            f"{address[1]}/threads/1/cardio-back-pain/", timeout=60
        ) as page:
            assert page.status == 200 and "Cardio = Back pain..." in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_oldboard_serve_runs_gunicorn_on_bind_with_workers(monkeypatch):
    from config import cli

    monkeypatch.setenv("BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WORKERS", "4")
    ran = []
    monkeypatch.setattr(os, "execv", lambda path, argv: ran.append(argv))
    cli.main(["oldboard", "serve", "--timeout", "60"])
    (argv,) = ran
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "config.wsgi"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9000"
    assert argv[argv.index("--workers") + 1] == "4"
    assert argv[-2:] == ["--timeout", "60"]


def locked(name: str) -> dict[str, str]:
    """Package name -> pinned version in requirements/<name>.txt."""
    text = (settings.BASE_DIR / "requirements" / f"{name}.txt").read_text()
    return {
        canonicalize_name(match[1]): match[2]
        for match in re.finditer(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


def test_the_lock_pins_every_dependency_that_pyproject_names():
    """Fails after a dependency is added or changed until `./board lock` is run."""
    project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]
    serve, test = locked("serve"), locked("test")
    wanted = {
        "serve": [Requirement(line) for line in project["dependencies"]],
        "test": [Requirement(line) for line in project["optional-dependencies"]["test"]],
    }
    for requirement in wanted["serve"] + wanted["test"]:
        name = canonicalize_name(requirement.name)
        assert name in test, f"{name} is not in requirements/test.txt: run ./board lock"
        assert requirement.specifier.contains(test[name]), f"{name} {test[name]}: ./board lock"
    for requirement in wanted["serve"]:
        assert canonicalize_name(requirement.name) in serve, "run ./board lock"
    # Serving installs nothing only the tests need, and the same versions the tests ran with.
    for requirement in wanted["test"]:
        assert canonicalize_name(requirement.name) not in serve
    assert {name: test[name] for name in serve} == serve
