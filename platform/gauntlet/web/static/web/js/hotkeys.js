// Keyboard shortcuts: any element with data-hotkey="1" (or "a", "Enter", "Escape") is
// clicked when that key is pressed. Keys are ignored while typing in a text field,
// except Enter on elements that say data-hotkey-in-fields (and never Shift+Enter).
// One behaviour, every page: the key is also printed on the button.

const NOT_TYPING = new Set(["radio", "checkbox", "button", "submit", "reset"]);

function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.tagName === "INPUT") return !NOT_TYPING.has(target.type);
  return target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName);
}

function visible(el) {
  return !el.closest("[hidden]") && el.getClientRects().length > 0;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || event.isComposing) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const typing = isTyping(event.target);
  if (typing && (key !== "Enter" || event.shiftKey)) return;
  if (!typing && key.length === 1) {
    // data-focus-key="n": the key moves focus into that field (e.g. the optional note).
    const field = document.querySelector(`[data-focus-key="${CSS.escape(key)}" i]`);
    if (field && visible(field)) {
      event.preventDefault();
      field.focus();
      return;
    }
  }
  const candidates = document.querySelectorAll(`[data-hotkey="${CSS.escape(key)}" i]`);
  for (const el of candidates) {
    if (!visible(el) || el.disabled || el.getAttribute("aria-disabled") === "true") continue;
    if (typing && !el.hasAttribute("data-hotkey-in-fields")) continue;
    event.preventDefault();
    el.click();
    return;
  }
});
