"""Schemathesis hooks of `cargo xtask fuzz` (loaded through SCHEMATHESIS_HOOKS).

- `problem_json`: every 4xx/5xx answer is an RFC 9457 problem document, as the API
  conventions promise (DESIGN.md): `Content-Type: application/problem+json`, a JSON
  object with `type` (string), `title` (string) and `status` (the response's own
  status), `detail` a string when present.
- Path parameters: besides what Hypothesis generates, the ids and codes of rows the
  run loaded (the file in AFTERSALES_FUZZ_REFS, written by xtask), so generated
  requests reach real rows and not only 404s. Drawn through Hypothesis, so the same
  seed picks the same values.
"""

import json
import os

import schemathesis
from hypothesis import strategies as st

PROBLEM_CONTENT_TYPE = "application/problem+json"


@schemathesis.check
def problem_json(ctx, response, case):
    """Every 4xx/5xx answer is an application/problem+json document."""
    status = response.status_code
    if status < 400:
        return None
    content_types = response.headers.get("content-type") or []
    media_type = content_types[0].split(";")[0].strip().lower() if content_types else ""
    if media_type != PROBLEM_CONTENT_TYPE:
        raise AssertionError(
            f"{status} answered with Content-Type {media_type or '(none)'}, "
            f"not {PROBLEM_CONTENT_TYPE}"
        )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{status} problem body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"{status} problem body is not a JSON object")
    missing = [field for field in ("type", "title", "status") if field not in body]
    if missing:
        raise AssertionError(f"{status} problem body lacks {', '.join(missing)}")
    if not isinstance(body["type"], str) or not isinstance(body["title"], str):
        raise AssertionError(f"{status} problem `type` and `title` must be strings")
    if body["status"] != status:
        raise AssertionError(
            f"problem `status` is {body['status']!r} but the response is {status}"
        )
    if "detail" in body and not isinstance(body["detail"], str):
        raise AssertionError(f"{status} problem `detail` must be a string")
    return None


def _load_refs():
    path = os.environ.get("AFTERSALES_FUZZ_REFS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# {"<first path segment under /api/v1>": {"<path parameter>": ["value", ...]}}
REFS = _load_refs()


def _segment(path):
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"] and len(parts) > 2:
        return parts[2]
    return None


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Either the generated value or one of the loaded rows' (per parameter)."""
    operation = context.operation
    known = REFS.get(_segment(operation.path) if operation is not None else None, {})
    if not path_parameters or not known:
        return st.just(path_parameters)
    strategies = {}
    for name, value in path_parameters.items():
        values = known.get(name)
        if values:
            strategies[name] = st.one_of(st.just(value), st.sampled_from(values))
        else:
            strategies[name] = st.just(value)
    return st.fixed_dictionaries(strategies)
