"""An idle tab bills nothing: heartbeats go out only while the task's tab is visible and focused.

The page's clock is Playwright's fake one, so twenty-second beats pass in an instant; whether the
tab is hidden or unfocused is what the browser reports (``visibilityState``, ``hasFocus``),
switched the way a person switching tabs or windows switches it.
"""

from __future__ import annotations

from typing import Any

from gauntlet.workqueue.models import Assignment, AssignmentStatus
from tests.browser import data
from tests.browser.conftest import expect, sign_in_fast
from tests.factories import new_contractor

BEAT_MS = 20_000  # web/js/heartbeat.js

SET_ENGAGED = """([visible, focused]) => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visible ? "visible" : "hidden" });
  document.hasFocus = () => focused;
  document.dispatchEvent(new Event("visibilitychange"));
  window.dispatchEvent(new Event(focused ? "focus" : "blur"));
}"""


RECORD_BEATS = """
window.__beats = []; window.__answered = 0;
const send = window.fetch;
window.fetch = (url, options) => {
  if (!String(url).endsWith("/heartbeat/")) return send(url, options);
  window.__beats.push(JSON.parse(options.body).active);
  return send(url, options).finally(() => { window.__answered += 1; });
};
"""


def _beats(page: Any) -> list[bool]:
    """The ``active`` flag of every heartbeat the page sent so far, in order (recorded as each
    request is made: the timer callback that beats calls fetch before it returns)."""
    return list(page.evaluate("window.__beats"))


def test_heartbeats_only_while_visible_and_focused(page: Any, live_server: Any) -> None:
    queue = data.label_queue(n=2, max_open=1)
    contractor = new_contractor()
    sign_in_fast(page, live_server, contractor)
    page.clock.install()
    page.add_init_script(RECORD_BEATS)
    page.goto(f"{live_server.url}/work/queues/{queue.pk}/")
    expect(page.locator("#task .story-completion")).to_be_visible()
    # From here the page's time moves only when the test moves it (one beat per run of BEAT_MS).
    page.clock.pause_at(page.evaluate("Date.now()") + 500)
    page.evaluate(SET_ENGAGED, [True, True])
    page.wait_for_function("window.__answered === window.__beats.length")
    page.evaluate("window.__beats = []; window.__answered = 0")

    # Working: one beat per interval, each counting the time since the last one.
    page.clock.run_for(BEAT_MS * 2)
    assert _beats(page) == [True, True]

    # The tab is hidden for five minutes: nothing goes out, so nothing can be billed.
    page.evaluate(SET_ENGAGED, [False, True])
    page.clock.run_for(BEAT_MS * 15)
    assert _beats(page) == [True, True]

    # Visible but another window has the focus: still nothing.
    page.evaluate(SET_ENGAGED, [True, False])
    page.clock.run_for(BEAT_MS * 3)
    assert _beats(page) == [True, True]

    # Back at work: the first beat restarts the clock without counting the time away, then it counts.
    page.evaluate(SET_ENGAGED, [True, True])
    assert _beats(page) == [True, True, False]
    page.clock.run_for(BEAT_MS)
    assert _beats(page) == [True, True, False, True]
    page.wait_for_function("window.__answered === 4")

    assignment = Assignment.objects.get(contractor=contractor, status=AssignmentStatus.LEASED)
    # Real time on the server between beats was a few seconds at most; the 6 fake minutes away are absent.
    assert assignment.active_seconds < 60
