"""The work-queue routes: the hot ones first, and an order that decides nothing else."""

from __future__ import annotations

import re

from django.urls import URLPattern, resolve

from gauntlet.workqueue import urls

HOT = ["queue-claim", "assignment-heartbeat", "assignment-submit"]


def test_the_routes_contractors_call_all_day_are_tried_first() -> None:
    assert [p.name for p in urls.urlpatterns[: len(HOT)]] == HOT  # type: ignore[union-attr]


def test_no_path_matches_two_routes_so_the_order_changes_nothing_else() -> None:
    skeletons = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)  # no include: nothing that matches a prefix
        skeleton = re.sub(r"<int:\w+>", "<int>", str(pattern.pattern))
        assert re.fullmatch(r"(?:[a-z][a-z-]*/|<int>/)+", skeleton), skeleton  # literals and ints only
        skeletons.append(skeleton)
    # Routes of literal segments and ints match a path only if they are the same route.
    assert len(set(skeletons)) == len(skeletons)


def test_each_route_resolves_to_its_own_view() -> None:
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        path = "/api/v1/" + re.sub(r"<int:\w+>", "7", str(pattern.pattern))
        assert resolve(path).url_name == pattern.name
