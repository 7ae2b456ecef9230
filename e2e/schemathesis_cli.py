"""Runs the schemathesis command line. CPython 3.11 before 3.11.8 can raise a spurious SystemError from
`ast.parse` ("AST constructor recursion depth mismatch", CPython issue 106905); Hypothesis calls it only to
describe a filter's lambda for a strategy's repr, so such a lambda is described as unknown instead of
failing the run. Everything else is schemathesis as installed."""
import sys

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _lambda_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description

from schemathesis.cli import schemathesis  # noqa: E402

if __name__ == "__main__":
    sys.exit(schemathesis())
