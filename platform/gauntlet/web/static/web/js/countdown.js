// Lease countdowns: every [data-countdown-to="ISO time"] shows the minutes:seconds left,
// turns red under a minute and says so when the lease has run out. Other scripts move
// the deadline by changing the attribute (a heartbeat extends the lease).

function format(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-countdown-to]")) {
    const left = Date.parse(el.dataset.countdownTo) - now;
    el.textContent = left > 0 ? format(left) : "expired — claim again";
    el.classList.toggle("low", left < 60_000);
  }
}

tick();
setInterval(tick, 1000);
