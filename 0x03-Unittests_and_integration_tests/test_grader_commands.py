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
import importlib

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
    "TestIntegrationGithubOrgClient.test_public_repos",
    "TestIntegrationGithubOrgClient.test_public_repos_with_license",
    "TestServedIntegrationGithubOrgClient.test_each_payload_is_fetched_once",
    "TestServedIntegrationGithubOrgClient.test_public_repos",
    "TestServedIntegrationGithubOrgClient.test_public_repos_with_license",
]

# The names the curriculum gives, each defined on its class itself (not
# inherited, not removed by a decorator), as a checker looks for them.
CURRICULUM_NAMES = {
    "test_utils": {
        "TestAccessNestedMap": ["test_access_nested_map",
                                "test_access_nested_map_exception"],
        "TestGetJson": ["test_get_json"],
        "TestMemoize": ["test_memoize"],
    },
    "test_client": {
        "TestGithubOrgClient": ["test_org", "test_public_repos_url",
                                "test_public_repos", "test_has_license"],
        "TestIntegrationGithubOrgClient": [
            "setUpClass", "tearDownClass", "test_public_repos",
            "test_public_repos_with_license", "org_payload",
            "repos_payload", "expected_repos", "apache2_repos"],
    },
}


def run_unittest(test_file: str) -> subprocess.CompletedProcess:
    """Run ``python -m unittest -v test_file`` in this folder, alone."""
    env = {name: value for name, value in os.environ.items()
           if name != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "unittest", "-v", test_file],
        cwd=FOLDER, env=env, capture_output=True, text=True, timeout=120)


def reported_tests(report: str) -> list[str]:
    """Return "Class.test_name" for every test a verbose report lists."""
    return [f"{test_class}.{name}"
            for name, test_class in REPORTED_TEST.findall(report)]


class TestGraderCommands(unittest.TestCase):
    """The grader's unittest commands pass and list every case."""

    @parametrize(("test_utils.py", UTILS_TESTS),
                 ("test_client.py", CLIENT_TESTS))
    def test_unittest_lists_and_passes_every_case(
            self, test_file: str, expected: list[str]) -> None:
        """Every expected case is listed, ok, and the run ends with OK."""
        result = run_unittest(test_file)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(reported_tests(result.stderr), expected)
        self.assertEqual(result.stderr.count(" ... ok\n"), len(expected))
        self.assertRegex(result.stderr,
                         rf"\nRan {len(expected)} tests in \S+\n\nOK\n$")

    @parametrize(*CURRICULUM_NAMES.items())
    def test_the_curriculum_names_are_attributes_of_their_classes(
            self, module_name: str, names: dict[str, list[str]]) -> None:
        """Each name is defined on its class, with a value, at run time."""
        module = importlib.import_module(module_name)
        missing = [f"{class_name}.{name}"
                   for class_name, wanted in names.items()
                   for name in wanted
                   if vars(getattr(module, class_name)).get(name) is None]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
