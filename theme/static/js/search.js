// Starts Pagefind's search box with paths worked out from this page's address,
// so the search works wherever the site is hosted (any subpath, no server code).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("search");
    if (!box || typeof PagefindUI === "undefined") { return; }
    var bundle = new URL(box.getAttribute("data-bundle"), window.location.href).pathname;
    var base = new URL(box.getAttribute("data-base"), window.location.href).pathname;
    // The records are indexed in shards (one bundle each) so a rebuild re-indexes only what changed.
    var merged = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean).map(function (path) {
      return { bundlePath: new URL(path, window.location.href).pathname, baseUrl: base };
    });
    new PagefindUI({
      element: "#search",
      bundlePath: bundle,
      baseUrl: base,
      mergeIndex: merged,
      showImages: false,
      showSubResults: true,
      resetStyles: false,
      translations: { placeholder: box.getAttribute("data-placeholder") || "Search" }
    });
    labelInput(box, 50);
    var params = new URLSearchParams(window.location.search);
    var query = params.get("q");
    if (query) {
      var input = box.querySelector("input");
      if (input) {
        input.value = query;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  }
  // Give Pagefind's input a visible label: the one in the page, shown once the input exists.
  function labelInput(box, tries) {
    var input = box.querySelector("input");
    var label = document.querySelector("label[data-for='search-input']");
    if (input && label) {
      input.id = "search-input";
      label.htmlFor = "search-input";  // pointed at the input only once it exists, so the page is valid HTML before
      label.hidden = false;
    } else if (tries > 0) {
      window.setTimeout(function () { labelInput(box, tries - 1); }, 20);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
