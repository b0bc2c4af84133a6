// Upload and import progress: send the upload form with XMLHttpRequest (fetch reports no upload
// progress) and show the bytes sent in the upload bar; the answer is the import job's fragment,
// which this script polls in place (its own bar: rows checked, then rows written) until the job
// has finished and the fragment holds the report. Without this script the form posts normally
// and the job's page shows the same progress and report (with a Refresh link).
const form = document.querySelector("form[data-upload]");
const POLL_MS = 500;

function pollJob(target, status) {
  const job = target.querySelector("[data-import-job]");
  if (!job || job.dataset.finished === "true") {
    status.textContent = "Done.";
    return;
  }
  setTimeout(async () => {
    try {
      const response = await fetch(job.dataset.importJob, { headers: { "X-Requested-With": "fetch" } });
      if (response.ok) target.innerHTML = await response.text();
    } catch {
      status.textContent = "Lost contact with the server; still trying…";
    }
    pollJob(target, status);
  }, POLL_MS);
}

// A job's own page (or the upload page showing one) follows the job until it has finished.
const shown = document.getElementById("import-report");
if (shown?.querySelector("[data-import-job][data-finished='false']")) {
  pollJob(shown, document.getElementById("upload-status"));
}

if (form) {
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const target = document.getElementById("import-report");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "fetch");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total);
        status.textContent = `Uploading… ${bar.value}%`;
      }
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      status.textContent = "Uploaded; the import is starting…";
    });
    request.addEventListener("load", () => {
      target.innerHTML = request.responseText;
      if (request.status >= 400) {
        status.textContent = "The server refused the upload.";
        return;
      }
      status.textContent = "Uploaded; importing…";
      pollJob(target, status);
    });
    request.addEventListener("error", () => {
      status.textContent = "The upload failed (network error); try again.";
    });
    request.send(new FormData(form));
  });
}
