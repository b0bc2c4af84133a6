// Every htmx request and every fetch through postForm() carries Django's CSRF token.
// The token comes from the csrftoken cookie (CSRF_COOKIE_HTTPONLY is off for this).

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

// POST a form body (FormData or a plain object) and return the Response.
export async function postForm(url, body = {}) {
  const data = body instanceof FormData ? body : new URLSearchParams(body);
  return fetch(url, {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
  });
}

document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = csrfToken();
});
