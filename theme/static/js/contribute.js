// The contribution forms: check what the browser can before a contribution leaves the page.
//
// Without this script a form still works: it posts to the lab's intake service,
// or opens an e-mail with its fields. With it, problems are shown next to their
// fields before anything is sent; and where the site has no intake service, the
// form prepares the contribution in the one file format the registry reads
// (registry/model/contributions.py), to send by e-mail or save as a file. The
// words come from the form's data attributes, in the page's language. Every value
// is checked again with the registry's rules when staff receive it.
(function () {
  "use strict";
  var FORMAT = "commons-contribution";
  var VERSION = 1;
  var BEGIN = "-----BEGIN COMMONS CONTRIBUTION-----";
  var END = "-----END COMMONS CONTRIBUTION-----";
  var FIELD = "f.";

  function value(form, name) {
    var control = form.elements.namedItem(name);
    return control && typeof control.value === "string" ? control.value.trim() : "";
  }

  var clear = window.CommonsFieldErrors.clear;
  var complain = window.CommonsFieldErrors.complain;

  function check(form) {
    var problems = [];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.id && control.willValidate && !control.checkValidity()) {
        complain(control, control.validationMessage, problems);
      }
    });
    var organisation = form.elements.namedItem("contributor_organisation");
    var credit = form.querySelector("input[name=credit]:checked");
    if (credit && credit.value === "organisation" && organisation && !organisation.value.trim()) {
      complain(organisation, form.getAttribute("data-need-organisation"), problems);
    }
    var lat = form.elements.namedItem(FIELD + "lat");
    var lon = form.elements.namedItem(FIELD + "lon");
    if (lat && lon && !lat.value.trim() !== !lon.value.trim()) {
      complain(lat.value.trim() ? lon : lat, form.getAttribute("data-need-both"), problems);
    }
    if (value(form, "action") === "change" && !Object.keys(fields(form)).length && !value(form, "note")) {
      complain(form.elements.namedItem("note"), form.getAttribute("data-need-something"), problems);
    }
    return problems;
  }

  // The record's fields the visitor filled in: a suggestion's values, or a change's corrected ones.
  function fields(form) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && control.name.indexOf(FIELD) === 0 && control.value.trim()) {
        found[control.name.slice(FIELD.length)] = control.value.trim();
      }
    });
    return found;
  }

  function contribution(form) {
    var credit = form.querySelector("input[name=credit]:checked");
    return {
      format: FORMAT,
      version: VERSION,
      action: value(form, "action"),
      kind: value(form, "kind"),
      record: value(form, "record") || null,
      fields: fields(form),
      note: value(form, "note"),
      contributor: {
        name: value(form, "contributor_name"),
        email: value(form, "contributor_email"),
        organisation: value(form, "contributor_organisation"),
        credit: credit ? credit.value : "public"
      },
      language: value(form, "lang") || null,
      sent_at: new Date().toISOString().replace(/\.\d+Z$/, "Z")
    };
  }

  function text(data) {
    return JSON.stringify(data, null, 2) + "\n";
  }

  function mailto(form, data) {
    var subject = form.getAttribute("data-subject") + (data.record ? ": " + data.record : "");
    var body = form.getAttribute("data-intro") + "\n\n" + BEGIN + "\n" + text(data) + END + "\n";
    return "mailto:" + form.getAttribute("data-email") + "?subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(body);
  }

  function fileName(data) {
    var stamp = data.sent_at.replace(/[-:]/g, "").replace("T", "-").replace("Z", "");
    return "contribution-" + data.kind + "-" + stamp + ".json";
  }

  function save(data) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text(data)], { type: "application/json" }));
    link.download = fileName(data);
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  function start(form) {
    var ready = form.querySelector(".contribution-ready");
    var prepared = null;
    form.noValidate = true;  // the checks below say what is wrong next to each field instead
    form.addEventListener("input", function () {
      if (ready && !ready.hidden) { ready.hidden = true; }
    });
    form.addEventListener("submit", function (event) {
      clear(form);
      var problems = check(form);
      if (problems.length) {
        event.preventDefault();
        problems[0].focus();
        return;
      }
      if (!ready) { return; }  // posted to the intake service
      event.preventDefault();
      prepared = contribution(form);
      ready.querySelector("[data-send]").setAttribute("href", mailto(form, prepared));
      ready.hidden = false;
      ready.focus();
    });
    if (ready) {
      ready.querySelector("[data-save]").addEventListener("click", function () {
        if (prepared) { save(prepared); }
      });
    }
  }

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll("form.contribution"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
}());
