"""environment.yml (conda) lists the same libraries as requirements.in (pip)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def requirement_names() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(line.split("[", 1)[0].lower())
    return names


def conda_names() -> set[str]:
    spec = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    names = set()
    for item in spec["dependencies"]:
        if isinstance(item, dict):
            names |= {p.split("#")[0].strip().lower() for p in item["pip"] if not p.startswith("-e")}
        else:
            names.add(item.split("=", 1)[0].strip().lower())
    return names


def test_environment_yml_in_step_with_requirements():
    missing = requirement_names() - conda_names()
    assert not missing, f"environment.yml lacks {sorted(missing)}"


def test_lock_pins_every_requirement():
    pinned = {
        line.split("==", 1)[0].strip().lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    assert requirement_names() <= pinned, sorted(requirement_names() - pinned)


def test_environment_yml_installs_the_package():
    assert "-e ." in (ROOT / "environment.yml").read_text(encoding="utf-8")
