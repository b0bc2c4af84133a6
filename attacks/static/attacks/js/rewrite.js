// The rewrite tool's keyboard and focus behaviour (htmx does the requests and swaps):
// Esc leaves the text (so the single-key shortcuts work) or closes the suggestions,
// W jumps to the first word, a loaded suggestion list takes the focus, and after a tool
// action the focus returns to the word that was changed (or the text).

let lastWord = null; // {field, start} of the word whose suggestions were asked for

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    const open = document.querySelector("#suggestions .suggestions");
    if (open) {
      document.getElementById("suggestions").innerHTML = "";
      focusWord();
      event.preventDefault();
      return;
    }
    if (event.target instanceof HTMLTextAreaElement) {
      event.target.blur();
      document.getElementById("rewrite-state")?.focus({ preventScroll: true });
      event.preventDefault();
    }
    return;
  }
  if (event.key.toLowerCase() === "w" && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const target = event.target;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) return;
    const first = document.querySelector("#rewrite-words .word");
    if (first) {
      first.focus();
      event.preventDefault();
    }
  }
});

function focusWord() {
  if (!lastWord) return;
  const words = [...document.querySelectorAll(`#rewrite-words .words[data-field="${lastWord.field}"] .word`)];
  const near = words.find((w) => JSON.parse(w.getAttribute("hx-vals")).start >= lastWord.start) || words.at(-1);
  near?.focus();
}

document.addEventListener("click", (event) => {
  const word = event.target.closest?.(".word");
  if (word) {
    const vals = JSON.parse(word.getAttribute("hx-vals"));
    lastWord = { field: vals.field, start: vals.start };
    word.setAttribute("aria-busy", "true");
  }
  if (event.target.closest?.("[data-close-suggestions]")) {
    document.getElementById("suggestions").innerHTML = "";
    focusWord();
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target.id === "suggestions") {
    document.querySelectorAll(".word[aria-busy]").forEach((w) => w.removeAttribute("aria-busy"));
    target.querySelector("button.suggestion")?.focus();
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (target.id === "rewrite-words" && lastWord && document.activeElement === document.body) focusWord();
});

document.addEventListener("htmx:responseError", (event) => {
  const hint = document.getElementById("submit-hint");
  if (hint) hint.textContent = event.detail.xhr.responseText || "That did not work; try again.";
});
