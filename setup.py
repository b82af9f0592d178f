"""The one packaging rule pyproject.toml cannot state: templates/, static/, fixtures/ and locale/
stay at the top of the checkout, where they are edited, and the wheel carries them inside the
config package (config/settings.py looks for them there when it runs from site-packages)."""

from pathlib import Path

from setuptools import find_packages, setup

APPS = ["config", "accounts", "forum", "following", "messaging", "pictures", "community"]
SHIPPED_FOLDERS = ["templates", "static", "fixtures", "locale"]

# Each folder under them becomes a data-only package, config.templates.forum and so on:
# setuptools ships files by package.
data_packages = {
    "config." + ".".join(folder.parts): folder.as_posix()
    for top in SHIPPED_FOLDERS
    for folder in [Path(top), *sorted(p for p in Path(top).rglob("*") if p.is_dir())]
}

setup(
    packages=find_packages(include=[*APPS, *(f"{app}.*" for app in APPS)]) + list(data_packages),
    package_dir=data_packages,
    package_data={package: ["*"] for package in data_packages},
)
