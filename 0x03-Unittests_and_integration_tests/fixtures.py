#!/usr/bin/env python3
"""Payloads shaped like the GitHub API's, for the integration tests.

``TEST_PAYLOAD`` holds one case: the organisation ``google``, nine of its
repositories in the order the API lists them, all their names, and the
names of those under the Apache 2.0 license. Each repository is a trimmed
version of what GitHub answers: the fields a client reads, and a few more.
"""
from typing import Any

ORG = "google"
API = "https://api.github.com"

LICENSES = {
    "apache-2.0": ("Apache License 2.0", "Apache-2.0"),
    "bsd-3-clause": ('BSD 3-Clause "New" or "Revised" License',
                     "BSD-3-Clause"),
    "bsl-1.0": ("Boost Software License 1.0", "BSL-1.0"),
    "other": ("Other", "NOASSERTION"),
}


def license_info(key: str | None) -> dict[str, Any] | None:
    """Return the ``license`` field GitHub shows for ``key`` (None: none)."""
    if key is None:
        return None
    name, spdx_id = LICENSES[key]
    url = None if key == "other" else f"{API}/licenses/{key}"
    return {"key": key, "name": name, "spdx_id": spdx_id, "url": url}


def repository(name: str, language: str | None, description: str,
               license_key: str | None) -> dict[str, Any]:
    """Return one repository of the organisation as the API lists it."""
    full_name = f"{ORG}/{name}"
    return {
        "name": name,
        "full_name": full_name,
        "private": False,
        "fork": False,
        "html_url": "https://github.com/" + full_name,
        "url": f"{API}/repos/{full_name}",
        "description": description,
        "language": language,
        "default_branch": "master",
        "license": license_info(license_key),
    }


ORG_PAYLOAD = {
    "login": ORG,
    "type": "Organization",
    "name": "Google",
    "description": "Open source projects from Google.",
    "url": f"{API}/orgs/{ORG}",
    "html_url": "https://github.com/" + ORG,
    "repos_url": f"{API}/orgs/{ORG}/repos",
    "public_repos": 9,
}

REPOS_PAYLOAD = [
    repository("episodes.dart", "Dart",
               "Helpers for timing how long a web page takes to load.",
               "bsd-3-clause"),
    repository("cpp-netlib", "C++",
               "A collection of network libraries for modern C++.",
               "bsl-1.0"),
    repository("dagger", "Java",
               "A fast dependency injector for Java and Android.",
               "apache-2.0"),
    repository("ios-webkit-debug-proxy", "C",
               "Drives the web inspector of iOS devices over USB.",
               "other"),
    repository("google.github.io", None,
               "The landing page of the organisation's GitHub Pages.",
               None),
    repository("kratu", "JavaScript",
               "Renders and explores tables of performance data.",
               "apache-2.0"),
    repository("build-debian-cloud", "Python",
               "Scripts that build Debian images for cloud platforms.",
               "other"),
    repository("traceur-compiler", "JavaScript",
               "Compiles tomorrow's JavaScript into today's.",
               "apache-2.0"),
    repository("firmata.py", "Python",
               "Talks the Firmata protocol to microcontroller boards.",
               "apache-2.0"),
]

EXPECTED_REPOS = [
    "episodes.dart",
    "cpp-netlib",
    "dagger",
    "ios-webkit-debug-proxy",
    "google.github.io",
    "kratu",
    "build-debian-cloud",
    "traceur-compiler",
    "firmata.py",
]

APACHE2_REPOS = ["dagger", "kratu", "traceur-compiler", "firmata.py"]

TEST_PAYLOAD = [
    (ORG_PAYLOAD, REPOS_PAYLOAD, EXPECTED_REPOS, APACHE2_REPOS),
]
