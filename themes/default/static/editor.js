// Enhances the edit form when JavaScript runs: a small formatting toolbar, and a draft kept in
// the browser so that nothing typed is lost if the connection drops or the tab closes.
// Without JavaScript the plain textarea works the same. Loaded on every page (see the end).
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var area = document.getElementById("source");
  if (!form || !area) return;
  var fr = (document.documentElement.lang || "fr") === "fr";
  var key = "bocage-draft:" + location.pathname;

  function wrap(before, after, placeholder) {
    var s = area.selectionStart, e = area.selectionEnd, text = area.value;
    var chosen = text.slice(s, e) || placeholder;
    area.value = text.slice(0, s) + before + chosen + after + text.slice(e);
    area.focus();
    area.setSelectionRange(s + before.length, s + before.length + chosen.length);
    save();
  }
  function linePrefix(prefix) {
    var s = area.selectionStart, text = area.value;
    var start = text.lastIndexOf("\n", s - 1) + 1;
    area.value = text.slice(0, start) + prefix + text.slice(start);
    area.focus();
    area.setSelectionRange(s + prefix.length, s + prefix.length);
    save();
  }
  var tools = [
    [fr ? "Gras" : "Bold", function () { wrap("**", "**", fr ? "texte" : "text"); }],
    [fr ? "Italique" : "Italic", function () { wrap("*", "*", fr ? "texte" : "text"); }],
    [fr ? "Titre" : "Heading", function () { linePrefix("## "); }],
    [fr ? "Liste" : "List", function () { linePrefix("- "); }],
    [fr ? "Lien vers une page" : "Page link", function () { wrap("[[", "]]", fr ? "Nom de la page" : "Page name"); }],
    [fr ? "Lien web" : "Web link", function () { wrap("[", "](https://)", fr ? "texte du lien" : "link text"); }]
  ];
  var bar = document.createElement("div");
  bar.className = "editor-toolbar";
  bar.setAttribute("role", "toolbar");
  tools.forEach(function (tool) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = tool[0];
    b.addEventListener("click", tool[1]);
    bar.appendChild(b);
  });
  area.parentNode.insertBefore(bar, area);

  function save() {
    try { localStorage.setItem(key, JSON.stringify({ text: area.value, at: Date.now() })); } catch (e) { /* storage full or off */ }
  }
  var timer;
  area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 400); });

  // A draft newer than what the server sent, and different from it: offer it back.
  try {
    var draft = JSON.parse(localStorage.getItem(key) || "null");
    if (draft && draft.text && draft.text !== area.value && !document.getElementById("edit-error")) {
      var note = document.createElement("p");
      note.className = "draft-notice";
      note.textContent = fr ? "Un brouillon non enregistré de cette page est gardé dans ce navigateur. "
                            : "An unsaved draft of this page is kept in this browser. ";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.textContent = fr ? "Reprendre le brouillon" : "Use the draft";
      restore.addEventListener("click", function () { area.value = draft.text; note.remove(); });
      var drop = document.createElement("button");
      drop.type = "button";
      drop.textContent = fr ? "L'effacer" : "Discard it";
      drop.addEventListener("click", function () { localStorage.removeItem(key); note.remove(); });
      note.appendChild(restore);
      note.appendChild(document.createTextNode(" "));
      note.appendChild(drop);
      form.insertBefore(note, form.firstChild);
    }
  } catch (e) { /* unreadable draft: ignore */ }

  // The draft is dropped only once the save went through (the next page is not the edit form).
  form.addEventListener("submit", function () { save(); sessionStorage.setItem("bocage-saving", key); });
})();
(function () {
  // On any page that is not an edit form, a successful save landed here: forget its draft.
  if (document.getElementById("edit-form")) return;
  try {
    var key = sessionStorage.getItem("bocage-saving");
    if (key) { localStorage.removeItem(key); sessionStorage.removeItem("bocage-saving"); }
  } catch (e) { /* ignore */ }
})();
