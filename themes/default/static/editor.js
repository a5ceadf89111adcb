// Enhances the edit forms when JavaScript runs: a small formatting toolbar for pages, and a draft
// kept in the browser so that nothing typed is lost if the connection drops or the tab closes —
// the page's text in the page editor, every typed field in the fiche form (one mechanism for
// both: keepDraft). Without JavaScript the plain forms work the same. Loaded on every page.
(function () {
  "use strict";
  var fr = (document.documentElement.lang || "fr") === "fr";
  var key = "bocage-draft:" + location.pathname;

  // Keeps read() (a string) as the draft of this address; offers it back through write() when the
  // server's form differs, unless the form is shown again from a submission (an error, or the
  // address search without JavaScript: then what it shows is the draft). Dropped after a save.
  function keepDraft(form, read, write, offerText) {
    function save() {
      try { localStorage.setItem(key, JSON.stringify({ text: read(), at: Date.now() })); } catch (e) { /* storage full or off */ }
    }
    var timer;
    function later() { clearTimeout(timer); timer = setTimeout(save, 400); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    var shownAgain = document.getElementById("edit-error") || form.hasAttribute("data-typed");
    try {
      var draft = JSON.parse(localStorage.getItem(key) || "null");
      if (form.hasAttribute("data-typed")) {
        save();
      } else if (draft && draft.text && draft.text !== read() && !shownAgain) {
        var note = document.createElement("p");
        note.className = "draft-notice";
        note.textContent = offerText;
        var restore = document.createElement("button");
        restore.type = "button";
        restore.textContent = fr ? "Reprendre le brouillon" : "Use the draft";
        restore.addEventListener("click", function () { write(draft.text); note.remove(); });
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
    // The draft is dropped only once the save went through (the next page is not the edit form);
    // the address search button of the fiche form does not save.
    form.addEventListener("submit", function (event) {
      save();
      if (!(event.submitter && event.submitter.name === "geocode")) sessionStorage.setItem("bocage-saving", key);
    });
    return save;
  }

  // -- the fiche form: every field people type or choose (not files, nor the form's own inputs)
  var ficheForm = document.getElementById("fiche-form");
  if (ficheForm) {
    var kept = function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "base_revision" &&
        ["file", "hidden", "submit", "button", "reset", "image", "password"].indexOf(el.type) === -1;
    };
    var readFiche = function () {
      var values = {};
      Array.prototype.forEach.call(ficheForm.elements, function (el) {
        if (!kept(el)) return;
        if (el.type === "checkbox" || el.type === "radio") {
          values[el.name] = values[el.name] || [];
          if (el.checked) values[el.name].push(el.value);
        } else {
          values[el.name] = el.value;
        }
      });
      return JSON.stringify(values);
    };
    var writeFiche = function (text) {
      var values = JSON.parse(text);
      Array.prototype.forEach.call(ficheForm.elements, function (el) {
        if (!kept(el) || !Object.prototype.hasOwnProperty.call(values, el.name)) return;
        var v = values[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = Array.isArray(v) && v.indexOf(el.value) !== -1;
        else el.value = String(v);
        el.dispatchEvent(new Event("input", {bubbles: true}));     // the map's marker follows
      });
    };
    keepDraft(ficheForm, readFiche, writeFiche, fr
      ? "Un brouillon non enregistré de cette fiche est gardé dans ce navigateur. "
      : "An unsaved draft of this fiche is kept in this browser. ");
  }

  // -- the page editor: its text, and the toolbar
  var form = document.getElementById("edit-form");
  var area = document.getElementById("source");
  if (!form || !area) return;
  var save = keepDraft(form, function () { return area.value; }, function (text) { area.value = text; }, fr
    ? "Un brouillon non enregistré de cette page est gardé dans ce navigateur. "
    : "An unsaved draft of this page is kept in this browser. ");

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
})();
(function () {
  // On any page that is not an edit form (of a page or a fiche), a successful save landed here: forget its draft.
  if (document.getElementById("edit-form") || document.getElementById("fiche-form")) return;
  try {
    var key = sessionStorage.getItem("bocage-saving");
    if (key) { localStorage.removeItem(key); sessionStorage.removeItem("bocage-saving"); }
  } catch (e) { /* ignore */ }
})();
