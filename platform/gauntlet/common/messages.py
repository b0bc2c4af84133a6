"""Django's message middleware, building the request's message storage only when something uses it.

``django.contrib.messages``' middleware builds the storage (cookie and session backends) for every
request and asks it, on the way out, to store what was added; an API request (a claim, a submit)
neither adds nor reads a message, and then that storing does nothing. Here the storage is built the
first time anything touches ``request._messages`` (adding a message, a template listing them), and
the way out is Django's own whenever it was built; when it never was, there was nothing to store.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class MessageMiddleware(DjangoMessageMiddleware):
    def process_request(self, request: Any) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: Any, response: Any) -> Any:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never built: nothing was added or read, so nothing to store
        return super().process_response(request, response)
