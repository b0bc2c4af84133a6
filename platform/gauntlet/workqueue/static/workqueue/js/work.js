// The work page: submit in the background and show the next task at once.
// While you work on one task the next one is fetched (claimed) and kept ready; on
// submit it is swapped in immediately and the submit finishes behind it. A queue that
// lets you hold only one task gets its next task in the submit's own answer instead.
// Without this script the form posts and the page reloads with the next task.
import { postForm } from "../../web/js/csrf.js";

const slot = document.getElementById("task-slot");
const status = document.getElementById("work-status");
let prefetched = null; // {html, id} of the next task, when the queue allowed one
let prefetching = null;

function current() {
  return slot.querySelector("#task");
}

function announce(text) {
  if (status) status.textContent = text;
}

function show(html) {
  slot.innerHTML = html;
  const task = current();
  if (!task) return;
  task.classList.add("swapped");
  task.focus({ preventScroll: true });
  window.scrollTo({ top: 0 });
  document.dispatchEvent(new CustomEvent("task:shown", { detail: { id: task.dataset.assignmentId } }));
  announce(task.hasAttribute("data-empty") ? "Nothing left in this queue." : "Next task.");
}

function prefetch() {
  const task = current();
  if (!task || task.hasAttribute("data-empty") || prefetched || prefetching) return;
  const url = `${slot.dataset.nextUrl}?after=${task.dataset.assignmentId}`;
  prefetching = postForm(url)
    .then(async (response) => {
      if (response.status !== 200) return;
      const html = await response.text();
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const next = holder.querySelector("#task");
      if (next && next.dataset.assignmentId && next.dataset.assignmentId !== current()?.dataset.assignmentId) {
        prefetched = { html, id: next.dataset.assignmentId };
        slot.dataset.prefetched = next.dataset.assignmentId; // tests and the ui benchmark wait on it
      }
    })
    .catch(() => {})
    .finally(() => { prefetching = null; });
}

function fail(form, message) {
  const box = form.querySelector(".task-error");
  if (box) {
    box.textContent = message;
    box.hidden = false;
  } else {
    announce(message);
  }
}

// Submits run one after another (a fast typist can answer the next task before the last
// submit's answer is back); each one decides, when its turn comes, whether a prefetched
// task is ready to show.
let chain = Promise.resolve();

function usablePrefetch(currentId) {
  const next = prefetched && prefetched.id !== currentId ? prefetched : null;
  prefetched = null;
  delete slot.dataset.prefetched;
  return next;
}

async function submitTask(form, data, currentId) {
  if (prefetching) await prefetching; // a claim in flight: let it land rather than race the submit
  const next = usablePrefetch(currentId);
  if (next) {
    const done = postForm(form.action, data);
    if (current()?.dataset.assignmentId === currentId) show(next.html); // at once; the submit finishes behind it
    const response = await done;
    if (!response.ok) announce(`Your last answer was not saved: ${await response.text()}`);
  } else {
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const response = await postForm(`${form.action}?next=1`, data);
    if (!response.ok) {
      form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      fail(form, await response.text());
      return;
    }
    show(await response.text());
  }
  prefetch(); // only now: until the submit committed, the server still counts that task as yours
}

slot.addEventListener("submit", (event) => {
  const form = event.target.closest("form.task-form");
  if (!form) return;
  const submitter = event.submitter;
  if (submitter && submitter.hasAttribute("data-release")) return; // a plain post: release and go home
  event.preventDefault();
  if (!form.querySelector("input[type=radio]:checked")) {
    fail(form, "Pick an answer first (its key is on the button).");
    return;
  }
  const data = new FormData(form);
  const currentId = form.closest("#task")?.dataset.assignmentId;
  // If a prefetched task is ready and nothing is queued, show it right now.
  const ready = prefetched && !prefetching && prefetched.id !== currentId;
  if (ready) {
    const next = usablePrefetch(currentId);
    show(next.html);
    chain = chain.then(async () => {
      const response = await postForm(form.action, data);
      if (!response.ok) announce(`Your last answer was not saved: ${await response.text()}`);
      prefetch();
    });
    return;
  }
  chain = chain.then(() => submitTask(form, data, currentId)).catch(() => announce("Network error; try again."));
});

prefetch();
