#!/usr/bin/env python3
"""A small client for a GitHub organisation's public repositories.

It is the unit under test in ``test_client.py``. It imports ``get_json`` by
name, so a unit test replaces ``client.get_json``; an integration test
replaces only the network below it, or serves the API for real and points
the client at it with ``api_url``.
"""
from typing import Any

from utils import access_nested_map, get_json, memoize

GITHUB_API_URL = "https://api.github.com"


class GithubOrgClient:
    """Read an organisation and the names of its public repositories."""

    ORG_PATH = "/orgs/{org}"
    ORG_URL = GITHUB_API_URL + ORG_PATH

    def __init__(self, org_name: str,
                 api_url: str = GITHUB_API_URL) -> None:
        """Prepare a client for ``org_name`` on the API at ``api_url``."""
        self._org_name = org_name
        self._org_url = api_url + self.ORG_PATH.format(org=org_name)

    @memoize
    def org(self) -> dict[str, Any]:
        """The organisation's payload, fetched once per client."""
        return get_json(self._org_url)

    @property
    def _public_repos_url(self) -> str:
        """The address of the organisation's repository list."""
        return self.org["repos_url"]

    @memoize
    def repos_payload(self) -> list[dict[str, Any]]:
        """The organisation's repositories, fetched once per client."""
        return get_json(self._public_repos_url)

    def public_repos(self, license: str | None = None) -> list[str]:
        """Return the repository names in the order the API lists them.

        With ``license``, only the repositories under that license key.
        """
        return [repo["name"] for repo in self.repos_payload
                if license is None or self.has_license(repo, license)]

    @staticmethod
    def has_license(repo: dict[str, Any], license_key: str) -> bool:
        """Tell whether ``repo`` is published under ``license_key``.

        A repository without a license (no ``license`` field, or null)
        has none of them.
        """
        try:
            return access_nested_map(repo, ("license", "key")) == license_key
        except KeyError:
            return False
