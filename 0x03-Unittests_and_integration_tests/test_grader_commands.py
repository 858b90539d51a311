#!/usr/bin/env python3
"""Run the test files the way a grader does and check what it reports.

A grader runs ``python -m unittest test_utils.py`` (and ``test_client.py``)
from inside this folder, with nothing else on the path. These tests do the
same in a child process and check that every case passes and is listed on
its own, under the name a grader sees.
"""
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path
from typing import List

from parametrize import parametrize

FOLDER = Path(__file__).resolve().parent

# "test_name (module.Class.test_name)", or "(module.Class)" before 3.11.
REPORTED_TEST = re.compile(r"^(test\w*) \(\w+\.(Test\w*)[.)]", re.MULTILINE)

UTILS_TESTS = [
    "TestAccessNestedMap.test_access_nested_map_0",
    "TestAccessNestedMap.test_access_nested_map_1",
    "TestAccessNestedMap.test_access_nested_map_2",
    "TestAccessNestedMap.test_access_nested_map_exception_0",
    "TestAccessNestedMap.test_access_nested_map_exception_1",
    "TestGetJson.test_get_json_0_http_example_com",
    "TestGetJson.test_get_json_1_http_holberton_io",
    "TestGetJsonServed.test_get_json_decodes_a_served_payload",
    "TestGetJsonServed.test_get_json_names_the_url_on_404",
    "TestGetJsonServed.test_get_json_names_the_url_when_body_is_not_json",
    "TestGetJsonServed.test_get_json_names_the_url_when_nothing_listens",
    "TestGetJsonServed.test_get_json_times_out_on_a_silent_server",
    "TestMemoize.test_memoize",
    "TestMemoize.test_memoize_keeps_one_value_per_instance",
]

CLIENT_TESTS = [
    "TestGithubOrgClient.test_has_license_0",
    "TestGithubOrgClient.test_has_license_1",
    "TestGithubOrgClient.test_has_license_without_license_0",
    "TestGithubOrgClient.test_has_license_without_license_1",
    "TestGithubOrgClient.test_org_0_google",
    "TestGithubOrgClient.test_org_1_abc",
    "TestGithubOrgClient.test_public_repos",
    "TestGithubOrgClient.test_public_repos_url",
    "TestGithubOrgClient.test_public_repos_with_license_0_apache_2_0",
    "TestGithubOrgClient.test_public_repos_with_license_1_mit",
    "TestGithubOrgClient.test_public_repos_with_license_2_gpl_3_0",
    "TestIntegrationGithubOrgClient_0.test_public_repos",
    "TestIntegrationGithubOrgClient_0.test_public_repos_with_license",
    "TestServedIntegrationGithubOrgClient_0"
    ".test_each_payload_is_fetched_once",
    "TestServedIntegrationGithubOrgClient_0.test_public_repos",
    "TestServedIntegrationGithubOrgClient_0.test_public_repos_with_license",
]


def run_unittest(test_file: str) -> subprocess.CompletedProcess:
    """Run ``python -m unittest -v test_file`` in this folder, alone."""
    env = {name: value for name, value in os.environ.items()
           if name != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "unittest", "-v", test_file],
        cwd=FOLDER, env=env, capture_output=True, text=True, timeout=120)


def reported_tests(report: str) -> List[str]:
    """Return "Class.test_name" for every test a verbose report lists."""
    return ["{}.{}".format(test_class, name)
            for name, test_class in REPORTED_TEST.findall(report)]


class TestGraderCommands(unittest.TestCase):
    """The grader's unittest commands pass and list every case."""

    @parametrize(("test_utils.py", UTILS_TESTS),
                 ("test_client.py", CLIENT_TESTS))
    def test_unittest_lists_and_passes_every_case(
            self, test_file: str, expected: List[str]) -> None:
        """Every expected case is listed, ok, and the run ends with OK."""
        result = run_unittest(test_file)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(reported_tests(result.stderr), expected)
        self.assertEqual(result.stderr.count(" ... ok\n"), len(expected))
        self.assertRegex(result.stderr,
                         r"\nRan {} tests in \S+\n\nOK\n$".format(
                             len(expected)))


if __name__ == "__main__":
    unittest.main()
