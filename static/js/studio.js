// Keyboard focus across htmx swaps in the configurator: a repair offer takes focus (so a
// keyboard user lands on Apply), and after Apply or Cancel focus returns to the option clicked.
(function () {
  "use strict";
  var lastOption = null;
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (id && id.indexOf("o:") === 0) { lastOption = id; }
  });
  // Each click puts the build in the address (hx-push-url), so the language switch returns to
  // the address as it is now, not as the page was first served.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.classList && form.classList.contains("language") && form.elements.next) {
      form.elements.next.value = window.location.pathname + window.location.search;
    }
  });
  // A click the server refused (429 over a limit, 503 while the database restarts) or that never
  // reached it: htmx swaps nothing then, so say why, in the server's words when it gave some.
  function problem(text) {
    var box = document.getElementById("request-error");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    var detail = "";
    try { detail = JSON.parse(event.detail.xhr.responseText).detail || ""; } catch (e) { detail = ""; }
    var box = document.getElementById("request-error");
    problem(typeof detail === "string" && detail ? detail : box && box.dataset.failed);
  });
  document.body.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-error");
    problem(box && box.dataset.offline);
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { problem(""); }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var repair = document.getElementById("repair");
    if (repair && !repair.hidden) {
      var apply = repair.querySelector(".button--primary");
      if (apply && document.activeElement !== apply) { apply.focus(); }
      return;
    }
    var active = document.activeElement;
    if ((!active || active === document.body) && lastOption) {
      var option = document.getElementById(lastOption);
      if (option) { option.focus(); }
    }
  });
})();
