// Problems shown beside the fields they are about, for the contribution forms and the questionnaires.
//
// A message is a span after its control, named in the control's aria-describedby
// so a screen reader reads it with the field, and the control is marked
// aria-invalid; clearing undoes both. Loaded before the script of the form.
(function () {
  "use strict";

  function clear(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (node) { node.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (control) {
      control.removeAttribute("aria-invalid");
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== control.id + "-error";
      });
      if (described.length) { control.setAttribute("aria-describedby", described.join(" ")); }
      else { control.removeAttribute("aria-describedby"); }
    });
  }

  // A message beside the field, once per field; the control joins `problems`, the first to take the focus.
  function complain(control, message, problems) {
    if (document.getElementById(control.id + "-error")) { return; }
    var note = document.createElement("span");
    note.className = "field-error";
    note.id = control.id + "-error";
    note.textContent = message;
    control.insertAdjacentElement("afterend", note);
    control.setAttribute("aria-invalid", "true");
    var described = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    problems.push(control);
  }

  window.CommonsFieldErrors = { clear: clear, complain: complain };
}());
