// Keyboard shortcuts: any element with data-hotkey="1" (or "a", "Enter", "Escape") is
// clicked when that key is pressed. Keys are ignored while typing in a text field,
// except Enter on elements that say data-hotkey-in-fields (and never Shift+Enter).
// One behaviour, every page: the key is also printed on the button.

function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

function visible(el) {
  return !el.closest("[hidden]") && el.getClientRects().length > 0;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || event.isComposing) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const typing = isTyping(event.target);
  if (typing && (key !== "Enter" || event.shiftKey)) return;
  const candidates = document.querySelectorAll(`[data-hotkey="${CSS.escape(key)}" i]`);
  for (const el of candidates) {
    if (!visible(el) || el.disabled || el.getAttribute("aria-disabled") === "true") continue;
    if (typing && !el.hasAttribute("data-hotkey-in-fields")) continue;
    event.preventDefault();
    el.click();
    return;
  }
});
