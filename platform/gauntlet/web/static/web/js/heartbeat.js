// Heartbeats for the task on screen ([data-heartbeat-url] on the task element): one every
// 20 s, and only while the tab is visible AND focused, so an idle or hidden tab bills
// nothing. Coming back sends an "inactive" beat first: it restarts the clock without
// counting the time away. Each answer moves the lease countdown to the new deadline.
import { csrfToken } from "./csrf.js";

const INTERVAL_MS = 20_000;
let wasActive = false;

function taskElement() {
  return document.querySelector("[data-heartbeat-url]");
}

function engaged() {
  return document.visibilityState === "visible" && document.hasFocus();
}

async function beat(active) {
  const task = taskElement();
  if (!task) return;
  const response = await fetch(task.dataset.heartbeatUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ active }),
  });
  if (!response.ok) return;
  const body = await response.json();
  const countdown = task.querySelector("[data-countdown-to]");
  if (countdown && body.lease_expires_at) countdown.dataset.countdownTo = body.lease_expires_at;
}

function onChange() {
  const active = engaged();
  if (active && !wasActive) beat(false); // back after being away: restart the clock, bill nothing
  wasActive = active;
}

setInterval(() => {
  if (engaged()) beat(wasActive);
  onChange();
}, INTERVAL_MS);
document.addEventListener("visibilitychange", onChange);
window.addEventListener("focus", onChange);
window.addEventListener("blur", onChange);
wasActive = engaged();
// A new task came on screen (work.js): restart its clock, so time it sat prefetched is not billed.
document.addEventListener("task:shown", () => { if (engaged()) beat(false); });
