// The questionnaire: a group scores a record on one framework in its browser and saves the answers as a file.
//
// Nothing leaves the browser. The file is a contribution in the one format the
// registry reads (registry/model/contributions.py): a suggested assessment, its
// scores as the registry stores them. Staff read it with `commons import` and
// review it before anything is published. Without this script the page still
// prints as a paper questionnaire. The words come from the form's data
// attributes, in the page's language.
(function () {
  "use strict";

  function value(form, name) {
    var control = form.elements.namedItem(name);
    return control && typeof control.value === "string" ? control.value.trim() : "";
  }

  var clear = window.CommonsFieldErrors.clear;
  var complain = window.CommonsFieldErrors.complain;

  function criteria(form) {
    return Array.prototype.map.call(form.querySelectorAll("fieldset.criterion"), function (set) {
      return set.getAttribute("data-criterion");
    });
  }

  function chosen(form, id) {
    var checked = form.querySelector("input[name='score-" + id + "']:checked");
    return checked ? checked.value : form.getAttribute("data-unknown");
  }

  function check(form) {
    var problems = [];
    ["q-record", "q-assessor", "q-date", "q-email"].forEach(function (id) {
      var control = document.getElementById(id);
      if (control && !control.checkValidity()) { complain(control, control.validationMessage, problems); }
    });
    var unknown = form.getAttribute("data-unknown");
    criteria(form).forEach(function (id) {
      if (chosen(form, id) === unknown) { return; }
      var why = document.getElementById("q-" + id + "-why");
      var source = document.getElementById("q-" + id + "-source");
      if (!why.value.trim()) { complain(why, form.getAttribute("data-need-why"), problems); }
      if (!source.value.trim()) { complain(source, form.getAttribute("data-need-source"), problems); }
    });
    return problems;
  }

  // The scores as the registry stores them: each criterion's score (a number or "unknown"), why and source.
  function scores(form) {
    var found = {};
    var unknown = form.getAttribute("data-unknown");
    criteria(form).forEach(function (id) {
      var score = chosen(form, id);
      var entry = { score: score === unknown ? unknown : parseInt(score, 10) };
      var why = value(form, "why-" + id);
      var source = value(form, "source-" + id);
      if (why) { entry.why = why; }
      if (source) { entry.source = source; }
      found[id] = entry;
    });
    return found;
  }

  function contribution(form) {
    var kind = form.elements.namedItem("kind");
    var fields = {
      framework: form.getAttribute("data-framework"),
      assessed_on: value(form, "assessed_on"),
      assessor: value(form, "assessor"),
      scores: JSON.stringify(scores(form))
    };
    fields[kind.options[kind.selectedIndex].getAttribute("data-field")] = value(form, "record");
    if (value(form, "summary")) { fields.summary = value(form, "summary"); }
    return {
      format: form.getAttribute("data-format"),
      version: parseInt(form.getAttribute("data-version"), 10),
      action: "suggest",
      kind: "assessments",
      record: null,
      fields: fields,
      note: "",
      contributor: {
        name: value(form, "contributor_name"),
        email: value(form, "contributor_email"),
        organisation: value(form, "assessor"),
        credit: "organisation"
      },
      language: form.getAttribute("data-language") || null,
      sent_at: new Date().toISOString().replace(/\.\d+Z$/, "Z")
    };
  }

  function save(data) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" }));
    var record = data.fields.case_id || data.fields.agreement_id;
    link.download = "assessment-" + data.fields.framework + "-" + record + "-" + data.fields.assessed_on + ".json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  // A record page links here with ?cases=ID or ?agreements=ID: the record is filled in.
  function prefill(form) {
    var params = new URLSearchParams(window.location.search);
    var kind = form.elements.namedItem("kind");
    Array.prototype.forEach.call(kind.options, function (option) {
      var id = params.get(option.value);
      if (id) {
        kind.value = option.value;
        form.elements.namedItem("record").value = id;
      }
    });
  }

  function start(form) {
    var status = form.querySelector(".status");
    form.noValidate = true;  // the checks below say what is wrong next to each field instead
    prefill(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clear(form);
      status.textContent = "";
      var problems = check(form);
      if (problems.length) {
        problems[0].focus();
        return;
      }
      save(contribution(form));
      status.textContent = form.getAttribute("data-saved") + (form.getAttribute("data-email") ? " " + form.getAttribute("data-email") : "");
    });
  }

  function startAll() {
    var form = document.getElementById("questionnaire");
    if (form) { start(form); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
}());
