"""Writes the JSON that Jenkins' JUnit plugin serves at <build>/testReport/api/json for a JUnit XML file.

Jenkins can't run here, so test/fixtures/build-reports/*/jenkins-test-report.json are made from the
scenario's real junit.xml by this mapping, which follows the plugin's parser and its @Exported getters
(jenkinsci/junit-plugin, hudson/tasks/junit/{TestResult,SuiteResult,CaseResult}.java; see
test/fixtures/build-reports/SOURCES.md). The build is taken as the job's first (number 1), so a failed case
is FAILED (not REGRESSION) with age 1 and failedSince 1, and a passed one is PASSED with age 0.

Usage: python jenkins-test-report-from-junit.py junit.xml > jenkins-test-report.json
"""

import json
import sys
import xml.etree.ElementTree as ET
from typing import Any

BUILD_NUMBER = 1


def text(element: ET.Element | None) -> str | None:
    # dom4j's elementText: the element's text, or null when there is no such element.
    return None if element is None else (element.text or "")


def failures(case: ET.Element, tag: str) -> list[dict[str, Any]]:
    # CaseResult.parseFlakyFailures / parseRerunFailures (Surefire's <flakyFailure>, <rerunFailure>).
    return [
        {
            "message": item.get("message"),
            "type": item.get("type"),
            "stackTrace": text(item.find("stackTrace")),
            "stdout": text(item.find("system-out")),
            "stderr": text(item.find("system-err")),
        }
        for item in case.findall(tag)
    ]


def case_result(case: ET.Element, suite_stdout: str | None, suite_stderr: str | None) -> dict[str, Any]:
    class_name = case.get("classname")
    name = case.get("name") or ""
    if class_name is None and "." in name:  # CaseResult(): a qualified name without classname
        class_name, name = name.rsplit(".", 1)
    problem = case.find("error") if case.find("error") is not None else case.find("failure")
    skipped_element = case.find("skipped")
    skipped = skipped_element is not None
    failed = not skipped and problem is not None
    skipped_message = None
    if skipped_element is not None:
        skipped_message = skipped_element.get("message")
        if skipped_message is None:
            skipped_message = skipped_element.text or ""
    stdout = text(case.find("system-out"))
    stderr = text(case.find("system-err"))
    return {
        "testActions": [],
        "age": 1 if failed else 0,
        "className": class_name,
        "duration": max(0.0, float(case.get("time") or 0)),
        "errorDetails": None if problem is None else problem.get("message"),
        "errorStackTrace": text(problem),
        "failedSince": BUILD_NUMBER if failed else 0,
        "flakyFailures": failures(case, "flakyFailure"),
        "name": name or "(?)",
        "properties": {},
        "rerunFailures": failures(case, "rerunFailure"),
        "skipped": skipped,
        "skippedMessage": skipped_message,
        "status": "SKIPPED" if skipped else "FAILED" if failed else "PASSED",
        # CaseResult.getStdout/getStderr fall back to the suite's output.
        "stderr": stderr if stderr is not None else suite_stderr,
        "stdout": stdout if stdout is not None else suite_stdout,
    }


def suite_result(suite: ET.Element) -> dict[str, Any]:
    stdout = text(suite.find("system-out"))
    stderr = text(suite.find("system-err"))
    cases = [case_result(case, stdout, stderr) for case in suite.findall("testcase")]
    time = suite.get("time")
    return {
        "cases": cases,
        "duration": float(time) if time is not None else sum(case["duration"] for case in cases),
        "enclosingBlockNames": [],
        "enclosingBlocks": [],
        "id": suite.get("id"),
        "name": suite.get("name"),
        "nodeId": None,
        "properties": {},
        "stderr": stderr,
        "stdout": stdout,
        "timestamp": suite.get("timestamp"),
    }


def test_report(root: ET.Element) -> dict[str, Any]:
    # SuiteResult.parse: a <testsuites> root holds <testsuite> elements; a <testsuite> root is one.
    suites = [suite_result(suite) for suite in (root.findall("testsuite") if root.tag == "testsuites" else [root])]
    cases = [case for suite in suites for case in suite["cases"]]
    # TestResult counts every <testcase> element, so pytest-rerunfailures' repeated entries each count.
    fail_count = sum(1 for case in cases if case["status"] == "FAILED")
    skip_count = sum(1 for case in cases if case["skipped"])
    return {
        "_class": "hudson.tasks.junit.TestResult",
        "testActions": [],
        "duration": round(sum(suite["duration"] for suite in suites), 3),
        "empty": len(cases) == 0,
        "failCount": fail_count,
        "passCount": len(cases) - fail_count - skip_count,
        "skipCount": skip_count,
        "suites": suites,
    }


if __name__ == "__main__":
    json.dump(test_report(ET.parse(sys.argv[1]).getroot()), sys.stdout, indent=2)
    sys.stdout.write("\n")
