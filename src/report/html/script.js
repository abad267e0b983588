(function () {
  "use strict";
  var root = document.documentElement;
  var svg = document.getElementById("map-svg");
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".service-node"));
  var edges = Array.prototype.slice.call(document.querySelectorAll(".edge"));

  function openAround(element) {
    for (var e = element; e; e = e.parentElement) {
      if (e.tagName === "DETAILS") { e.open = true; }
    }
  }
  function flash(element) {
    element.classList.add("flash");
    window.setTimeout(function () { element.classList.remove("flash"); }, 1500);
  }
  function show(id) {
    var target = document.getElementById(id);
    if (!target) { return false; }
    openAround(target);
    target.scrollIntoView({ block: "start" });
    flash(target);
    return true;
  }
  function select(index) {
    nodes.forEach(function (n) { n.classList.toggle("selected", n.getAttribute("data-index") === index); });
    edges.forEach(function (e) {
      var lit = e.getAttribute("data-from") === index || e.getAttribute("data-to") === index;
      e.classList.toggle("lit", lit);
    });
    if (svg) { svg.classList.toggle("focus", index !== null); }
  }

  nodes.forEach(function (node) {
    var index = node.getAttribute("data-index");
    node.addEventListener("click", function () { select(index); show("svc-" + index); });
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(index);
        show("svc-" + index);
      }
    });
  });
  if (svg) {
    svg.addEventListener("click", function (event) {
      if (event.target === svg) { select(null); }
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var id = link.getAttribute("href").slice(1);
    if (show(id)) {
      event.preventDefault();
      if (window.history && window.history.replaceState) { window.history.replaceState(null, "", "#" + id); }
    }
  });
  if (window.location.hash.length > 1) {
    try { show(decodeURIComponent(window.location.hash.slice(1))); } catch (ignored) { /* a malformed hash */ }
  }

  var fit = document.getElementById("fit-map");
  if (fit && svg) {
    fit.addEventListener("click", function () {
      var on = svg.classList.toggle("fit");
      fit.setAttribute("aria-pressed", on ? "true" : "false");
      fit.textContent = on ? "Actual size" : "Fit to width";
    });
  }

  function setAll(open) {
    document.querySelectorAll("details.service").forEach(function (d) { d.open = open; });
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) { expand.addEventListener("click", function () { setAll(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { setAll(false); }); }

  var data = JSON.parse(document.getElementById("carve-data").textContent);
  var input = document.getElementById("finder");
  var results = document.getElementById("finder-results");
  var count = document.getElementById("finder-count");
  var LIMIT = 60;
  function find() {
    var query = input.value.trim().toLowerCase();
    results.textContent = "";
    count.textContent = "";
    var matched = {};
    if (query) {
      var total = 0;
      data.tables.forEach(function (table, index) {
        if (table[0].toLowerCase().indexOf(query) < 0) { return; }
        total += 1;
        if (table[1] >= 0) { matched[table[1]] = true; }
        if (total > LIMIT) { return; }
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#t-" + index;
        link.textContent = table[0];
        item.appendChild(link);
        if (table[1] >= 0) { item.appendChild(document.createTextNode(" — " + data.services[table[1]])); }
        results.appendChild(item);
      });
      count.textContent = total === 1 ? "1 table" :
        total + " tables" + (total > LIMIT ? ", the first " + LIMIT + " listed" : "");
    }
    nodes.forEach(function (n) { n.classList.toggle("match", matched[n.getAttribute("data-index")] === true); });
  }
  if (input) { input.addEventListener("input", find); }

  root.setAttribute("data-ready", "1");
})();
