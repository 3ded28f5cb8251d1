// The search page: one box that searches two kinds of Pagefind bundle at once.
//
// The guide's pages are indexed in the page's own language (its stemming), one
// bundle per language; the records are indexed once for the whole site, because
// a record's text is in its own language, not the visitor's. Each is opened as
// its own Pagefind instance (each bundle's pagefind.js, with its own language
// module), so a query is read the way each index was written. Paths come from the
// page, so the search works wherever the site is hosted (any subpath, no server).
(function () {
  "use strict";
  var PAGE = 10;

  function absolute(path) {
    return new URL(path, window.location.href).pathname;
  }

  // One Pagefind instance: the first bundle's script, with the other bundles merged into it.
  function open(bundles, base) {
    return import(bundles[0] + "pagefind.js").then(function (pagefind) {
      return pagefind.options({ baseUrl: base }).then(function () {
        return Promise.all(bundles.slice(1).map(function (path) {
          return pagefind.mergeIndex(path, { baseUrl: base });
        }));
      }).then(function () { return pagefind; });
    });
  }

  // Pagefind's excerpts mark the words found with <mark>; nothing else of them is trusted as markup.
  function excerpt(html) {
    var parsed = new DOMParser().parseFromString("<body>" + html, "text/html");
    var out = document.createDocumentFragment();
    parsed.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent || ""));
      }
    });
    return out;
  }

  function start() {
    var form = document.getElementById("search");
    if (!form) { return; }
    var input = document.getElementById("search-input");
    var scope = document.getElementById("search-in");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var more = document.getElementById("search-more");
    var lang = document.documentElement.lang || "en";
    var base = absolute(form.getAttribute("data-base"));
    var kinds = {};
    Array.prototype.forEach.call(scope.options, function (option) { kinds[option.value] = option.textContent; });
    var recordBundles = (form.getAttribute("data-record-bundles") || "").split(" ").filter(Boolean).map(absolute);
    var indexes = Promise.all([
      open([absolute(form.getAttribute("data-site-bundle"))], base),
      recordBundles.length ? open(recordBundles, base) : Promise.resolve(null)
    ]);
    var numbers = new Intl.NumberFormat(lang);
    var found = [];
    var shown = 0;
    var asked = 0;

    function say(text) { status.textContent = text; }

    function showMore() {
      var next = found.slice(shown, shown + PAGE);
      shown += next.length;
      more.hidden = shown >= found.length;
      var turn = asked;
      return Promise.all(next.map(function (result) { return result.data(); })).then(function (pages) {
        if (turn !== asked) { return; }
        pages.forEach(function (page, n) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = page.url;
          link.textContent = (page.meta && (page.meta["title_" + lang] || page.meta.title)) || page.url;
          link.setAttribute("dir", "auto");
          item.appendChild(link);
          // A record says its kind in its filters; the page shows the kind in its own words.
          var kind = next[n].guide ? "guide" : (page.filters && page.filters.kind ? page.filters.kind[0] : null);
          if (kind) {
            var label = document.createElement("span");
            label.className = "meta";
            label.textContent = " · " + (kinds[kind] || kind);
            item.appendChild(label);
          }
          var text = document.createElement("p");
          text.setAttribute("dir", "auto");
          text.appendChild(excerpt(page.excerpt || ""));
          item.appendChild(text);
          list.appendChild(item);
        });
      });
    }

    function search() {
      var term = input.value.trim();
      var where = scope.value;
      var turn = ++asked;
      list.textContent = "";
      more.hidden = true;
      found = [];
      shown = 0;
      if (!term) { say(""); return; }
      say(form.getAttribute("data-searching"));
      indexes.then(function (opened) {
        var site = opened[0], records = opened[1];
        var wanted = [];
        if (where === "" || where === "guide") {
          wanted.push(site.search(term).then(function (answer) { return { answer: answer, guide: true }; }));
        }
        if (records && where !== "guide") {
          var options = where ? { filters: { kind: where } } : {};
          wanted.push(records.search(term, options).then(function (answer) { return { answer: answer, guide: false }; }));
        }
        return Promise.all(wanted);
      }).then(function (answers) {
        if (turn !== asked) { return; }
        answers.forEach(function (part) {
          part.answer.results.forEach(function (result) {
            found.push({ score: result.score, data: result.data, guide: part.guide });
          });
        });
        found.sort(function (a, b) { return b.score - a.score; });
        say(found.length
          ? form.getAttribute("data-results").replace("{count}", numbers.format(found.length))
          : form.getAttribute("data-nothing"));
        return showMore();
      }).catch(function () {
        if (turn === asked) { say(form.getAttribute("data-failed")); }
      });
    }

    var timer = null;
    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    }
    input.addEventListener("input", soon);
    scope.addEventListener("change", search);
    form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
    more.addEventListener("click", function () { showMore(); });
    form.hidden = false;
    var params = new URLSearchParams(window.location.search);
    if (params.get("in") && kinds[params.get("in")] !== undefined) { scope.value = params.get("in"); }
    if (params.get("q")) {
      input.value = params.get("q");
      search();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
