// shequ: small enhancements. Every page works without this file; it only adds
// what HTML cannot do by itself. Behaviour hangs on data- attributes, because the
// Content-Security-Policy forbids inline scripts and handlers.
(function () {
  "use strict";

  // <form data-confirm="…">: ask before a submit that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <form data-busy="…">: a submit that takes a while (a city's plan) says so in
  // the form's [data-busy-status], and is not sent twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var busy = form.getAttribute && form.getAttribute("data-busy");
    if (!busy || event.defaultPrevented) {
      return;
    }
    var status = form.querySelector("[data-busy-status]");
    if (status) {
      status.textContent = busy;
    }
    form.setAttribute("aria-busy", "true");
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
      b.disabled = true;
    });
  });

  // <button type="button" data-print>: print the page; the print stylesheet leaves
  // out the navigation and the buttons.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });

  // <button type="button" data-copy="…" data-copied="…">: copy the text to the
  // clipboard in one tap (a contact's phone), and say so on the button.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-copy]");
    if (!target || !navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(target.getAttribute("data-copy")).then(function () {
      target.textContent = target.getAttribute("data-copied") || target.textContent;
    });
  });
})();
