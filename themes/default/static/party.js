// The live board of a wiki party (templates/parties/_board.html), kept up to date without
// reloading: every 15 seconds it reads tableau.json and rewrites the counts and lists. Without
// JavaScript the page refreshes itself every 30 seconds (a <noscript> meta refresh). Text from
// people is only ever set with textContent, never as HTML.
(function () {
  "use strict";
  var board = document.getElementById("party-board");
  if (!board || !window.fetch || !window.JSON) return;
  var url = board.getAttribute("data-json");

  function link(item) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = item.url;
    a.textContent = item.title || item.name;
    li.appendChild(a);
    return li;
  }

  function fill(list, items, make) {
    if (!list) return;
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) { list.appendChild(make(item)); });
  }

  function place(item) {
    var li = link(item);
    var span = document.createElement("span");
    span.className = "meta";
    span.textContent = " " + item.lat.toFixed(4) + ", " + item.lon.toFixed(4);
    li.appendChild(span);
    return li;
  }

  function person(item) {
    var li = document.createElement("li");
    li.textContent = (item.name || "?") + " ";
    var span = document.createElement("span");
    span.className = "meta";
    span.textContent = "(" + item.edits + ")";
    li.appendChild(span);
    return li;
  }

  function show(data) {
    Object.keys(data.counts).forEach(function (key) {
      var node = board.querySelector('[data-count="' + key + '"]');
      if (node) node.textContent = String(data.counts[key]);
    });
    fill(board.querySelector('[data-list="pages_created"]'), data.pages_created, link);
    fill(board.querySelector('[data-list="pages_edited"]'), data.pages_edited, link);
    fill(board.querySelector('[data-list="places"]'), data.places, place);
    fill(board.querySelector('[data-list="contributors"]'), data.contributors, person);
    var groups = board.querySelector('[data-list="fiches"]');
    if (groups) {
      while (groups.firstChild) groups.removeChild(groups.firstChild);
      data.fiches.forEach(function (group) {
        var h = document.createElement("h3");
        h.textContent = group.label + " (" + group.count + ")";
        var ul = document.createElement("ul");
        ul.className = "page-list";
        fill(ul, group.items, link);
        groups.appendChild(h);
        groups.appendChild(ul);
      });
    }
    return data.party.state !== "over";
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && !show(data)) { window.location.reload(); return; }
        window.setTimeout(poll, 15000);
      })
      .catch(function () { window.setTimeout(poll, 30000); });
  }
  window.setTimeout(poll, 15000);
})();
