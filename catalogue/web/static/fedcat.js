/* fedcat pages: their only script, loaded from our own origin (CSP script-src 'self'). Everything works without
   it; it only lets Ctrl+Enter (Cmd+Enter on a Mac) run the query in the SQL and SPARQL editors. */
"use strict";

document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  if (!(field instanceof HTMLTextAreaElement) || !field.hasAttribute("data-submit-on-ctrl-enter")) return;
  var form = field.form;
  if (!form) return;
  event.preventDefault();
  var submit = form.querySelector("button[type=submit]");
  if (typeof form.requestSubmit === "function") {
    form.requestSubmit(submit || undefined);
  } else {
    form.submit();
  }
});
