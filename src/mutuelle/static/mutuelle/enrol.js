// Enrolment form: "Add a person" fetches one more person row from the server (so the fields
// are rendered and translated by Django) and counts it in the formset's TOTAL_FORMS.
// A plain script file: the Content-Security-Policy forbids inline scripts and eval.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("add-person");
  if (!button) return;
  // Without JavaScript the button submits the form, and the server adds an empty row.
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var total = document.getElementById("id_persons-TOTAL_FORMS");
    var index = parseInt(total.value, 10);
    fetch(button.dataset.url + "?index=" + index, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        document.getElementById("persons").insertAdjacentHTML("beforeend", html);
        total.value = index + 1;
        var first = document.querySelector("#person-" + index + " input");
        if (first) first.focus();
      });
  });
});
