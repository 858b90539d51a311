#!/usr/bin/env python3
"""Unit and integration tests for ``client.GithubOrgClient``.

``TestGithubOrgClient`` is made of unit tests: everything around the method
under test (``get_json``, the ``org`` property) is replaced by a mock.
The two integration classes run the client with its real ``utils``:
``TestIntegrationGithubOrgClient`` replaces only the network call
(``utils.urlopen``) with the fixtures, and
``TestServedIntegrationGithubOrgClient`` runs the same tests, inherited,
with nothing replaced: it asks a real HTTP server on loopback that serves
the fixtures.
"""
import io
import json
import unittest
from typing import TYPE_CHECKING, Any
from unittest.mock import Mock, PropertyMock, patch
from urllib.parse import urlsplit

from client import GITHUB_API_URL, GithubOrgClient
from fixture_server import FixtureServer
from fixtures import TEST_PAYLOAD
from parametrize import parametrize, parametrize_class

if TYPE_CHECKING:
    # What patch() returns: unittest.mock's class for it is private.
    from unittest.mock import AsyncMock, MagicMock, _patch

PAYLOAD_FIELDS = ("org_payload", "repos_payload", "expected_repos",
                  "apache2_repos")

UNIT_REPOS_URL = "https://api.github.com/orgs/testorg/repos"
UNIT_REPOS = [
    {"name": "zebra", "license": {"key": "mit"}},
    {"name": "aardvark", "license": None},
    {"name": "mole", "license": {"key": "apache-2.0"}},
]


class TestGithubOrgClient(unittest.TestCase):
    """Unit tests: each method alone, what it calls replaced by mocks."""

    @parametrize("google", "abc")
    @patch("client.get_json")
    def test_org(self, org_name: str, mock_get_json: Mock) -> None:
        """The org property fetches the org URL once and returns its JSON."""
        mock_get_json.return_value = {"login": org_name}
        self.assertEqual(GithubOrgClient(org_name).org, {"login": org_name})
        mock_get_json.assert_called_once_with(
            GithubOrgClient.ORG_URL.format(org=org_name))

    def test_public_repos_url(self) -> None:
        """The repository list address is the org payload's repos_url."""
        payload = {"login": "testorg", "repos_url": UNIT_REPOS_URL}
        with patch("client.GithubOrgClient.org", new_callable=PropertyMock,
                   return_value=payload) as mock_org:
            self.assertEqual(GithubOrgClient("testorg")._public_repos_url,
                             UNIT_REPOS_URL)
        mock_org.assert_called_once_with()

    @patch("client.get_json", return_value=UNIT_REPOS)
    def test_public_repos(self, mock_get_json: Mock) -> None:
        """All repository names are listed, in the payload's order."""
        with patch("client.GithubOrgClient._public_repos_url",
                   new_callable=PropertyMock,
                   return_value=UNIT_REPOS_URL) as mock_url:
            self.assertEqual(GithubOrgClient("testorg").public_repos(),
                             ["zebra", "aardvark", "mole"])
        mock_url.assert_called_once_with()
        mock_get_json.assert_called_once_with(UNIT_REPOS_URL)

    @parametrize(("apache-2.0", ["mole"]), ("mit", ["zebra"]),
                 ("gpl-3.0", []))
    def test_public_repos_with_license(self, license_key: str,
                                       expected: list[str]) -> None:
        """Only the repositories under the license key are listed."""
        with patch("client.GithubOrgClient.repos_payload",
                   new_callable=PropertyMock, return_value=UNIT_REPOS):
            self.assertEqual(
                GithubOrgClient("testorg").public_repos(license_key),
                expected)

    @parametrize(
        ({"license": {"key": "my_license"}}, "my_license", True),
        ({"license": {"key": "other_license"}}, "my_license", False),
    )
    def test_has_license(self, repo: dict[str, Any], license_key: str,
                         expected: bool) -> None:
        """A repository has a license when its license key matches."""
        self.assertEqual(GithubOrgClient.has_license(repo, license_key),
                         expected)

    @parametrize({"name": "no-field"}, {"name": "null", "license": None})
    def test_has_license_without_license(self, repo: dict[str, Any]) -> None:
        """A repository without a license has none of them."""
        self.assertIs(GithubOrgClient.has_license(repo, "my_license"), False)


@parametrize_class(PAYLOAD_FIELDS, TEST_PAYLOAD)
class TestIntegrationGithubOrgClient(unittest.TestCase):
    """Integration tests with only the network call replaced."""

    org_payload: dict[str, Any]
    repos_payload: list[dict[str, Any]]
    expected_repos: list[str]
    apache2_repos: list[str]
    api_url = GITHUB_API_URL
    # Set by setUpClass: each URL's fixture, and the patcher of urlopen.
    answers: dict[str, Any]
    get_patcher: "_patch[MagicMock | AsyncMock]"

    @classmethod
    def setUpClass(cls) -> None:
        """Answer each GitHub URL the client asks for with its fixture."""
        cls.answers = {
            GithubOrgClient.ORG_URL.format(org=cls.org_payload["login"]):
                cls.org_payload,
            cls.org_payload["repos_url"]: cls.repos_payload,
        }
        cls.get_patcher = patch("utils.urlopen", side_effect=cls.answer)
        cls.get_patcher.start()

    @classmethod
    def tearDownClass(cls) -> None:
        """Put the real network call back."""
        cls.get_patcher.stop()

    @classmethod
    def answer(cls, url: str, timeout: float) -> io.BytesIO:
        """Return a response body, as ``urlopen`` would, for ``url``."""
        return io.BytesIO(json.dumps(cls.answers[url]).encode())

    def make_client(self) -> GithubOrgClient:
        """Return a client for the fixture's organisation at ``api_url``."""
        return GithubOrgClient(self.org_payload["login"], self.api_url)

    def test_public_repos(self) -> None:
        """All the fixture's repositories are listed, in order."""
        self.assertEqual(self.make_client().public_repos(),
                         self.expected_repos)

    def test_public_repos_with_license(self) -> None:
        """Filtering on apache-2.0 lists the Apache 2.0 repositories."""
        self.assertEqual(self.make_client().public_repos("apache-2.0"),
                         self.apache2_repos)


@parametrize_class(PAYLOAD_FIELDS, TEST_PAYLOAD)
class TestServedIntegrationGithubOrgClient(TestIntegrationGithubOrgClient):
    """The same integration tests with nothing replaced: a real server.

    They are inherited; only the way GitHub answers differs.
    """

    server: FixtureServer
    org_path: str
    repos_path: str

    @classmethod
    def setUpClass(cls) -> None:
        """Serve the fixtures at GitHub's paths on a local server."""
        cls.server = FixtureServer().start()
        cls.api_url = cls.server.url
        cls.org_path = GithubOrgClient.ORG_PATH.format(
            org=cls.org_payload["login"])
        cls.repos_path = urlsplit(cls.org_payload["repos_url"]).path
        # Like GitHub, the server gives links to itself in its payloads.
        cls.server.serve_json(cls.org_path, dict(
            cls.org_payload, repos_url=cls.api_url + cls.repos_path))
        cls.server.serve_json(cls.repos_path, cls.repos_payload)

    @classmethod
    def tearDownClass(cls) -> None:
        """Stop the server; nothing was patched."""
        cls.server.stop()

    def setUp(self) -> None:
        """Forget the requests made by the tests before this one."""
        self.server.requested.clear()

    def test_each_payload_is_fetched_once(self) -> None:
        """One client asks for the org, then its repositories, once each."""
        client = self.make_client()
        client.public_repos()
        client.public_repos("apache-2.0")
        self.assertEqual(self.server.requested,
                         [self.org_path, self.repos_path])


if __name__ == "__main__":
    unittest.main()
