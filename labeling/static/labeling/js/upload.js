// Upload progress: send the upload form with XMLHttpRequest (fetch reports no upload
// progress), show the bytes sent in the <progress> bar, then swap in the report fragment.
// Without this script the form posts normally and the page shows the same report.
const form = document.querySelector("form[data-upload]");
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
      status.textContent = "Uploaded; importing and checking every row…";
    });
    request.addEventListener("load", () => {
      target.innerHTML = request.responseText;
      status.textContent = request.status < 400 ? "Done." : "The server refused the upload.";
    });
    request.addEventListener("error", () => {
      status.textContent = "The upload failed (network error); try again.";
    });
    request.send(new FormData(form));
  });
}
