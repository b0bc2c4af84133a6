"""An answer that echoes undecodable input is still JSON, never a 500 (found by schemathesis twice)."""

from __future__ import annotations

import json

from gauntlet.renderers import JSONRenderer


def test_a_lone_surrogate_is_escaped_and_everything_else_is_drfs_output() -> None:
    rendered = JSONRenderer().render({"error": {"message": "found \udca1\udca1 in the header"}})
    assert b"\\udca1\\udca1" in rendered
    assert json.loads(rendered)["error"]["message"] == "found \udca1\udca1 in the header"
    assert JSONRenderer().render({"name": "Zoë"}) == '{"name":"Zoë"}'.encode()
