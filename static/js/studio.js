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

// The stepper (studio.html: "tabs", the panels, "pager" and the summary's links). The server
// renders links that open a step by URL, which is all a browser without JavaScript needs; here
// they become WAI-ARIA tabs (arrow keys, Home and End move and open, automatic activation) that
// open a step without a request. The open step is kept in the form's hidden "step" field (sent
// with every click, so the server's answer renders the same step open) and in the address.
(function () {
  "use strict";
  var input = document.getElementById("open-step");
  if (!input) { return; }

  function tabs() { return Array.prototype.slice.call(document.querySelectorAll("#tabs .tab")); }

  // The tab strip scrolls sideways on a phone. An update swaps the tabs in anew (their links hold
  // the build), so the strip keeps the scroll it had: it neither jumps back to its start nor
  // moves under a finger about to tap a tab.
  var stripScroll = null;
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var list = event.detail.target && event.detail.target.id === "tabs" && event.detail.target.querySelector(".tablist");
    if (list) { stripScroll = list.scrollLeft; }
  });

  function show(code, focus, quiet) {
    var selected = null;
    tabs().forEach(function (tab) {
      var on = tab.dataset.step === code;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on) { selected = tab; }
    });
    if (!selected) { return; }
    var all = tabs();
    var at = all.indexOf(selected);
    [["prev", all[at - 1]], ["next", all[at + 1]]].forEach(function (pair) {
      var link = document.querySelector("#pager [rel=" + pair[0] + "]");
      var tab = pair[1];
      if (!link) { return; }
      link.hidden = !tab;
      if (tab) {
        link.href = tab.href;
        link.dataset.step = tab.dataset.step;
        link.querySelector(".pager-name").textContent = tab.dataset.name;
      }
    });
    document.querySelectorAll(".panel").forEach(function (part) {
      var hide = part.dataset.step !== code;
      if (part.hidden !== hide) { part.hidden = hide; }  // untouched parts need no new style
    });
    input.value = code;
    // Keep the open tab in sight in a strip that scrolls sideways (a phone), measured in the next
    // frame so that opening a tab never waits for a layout. A strip swapped in by an update (a
    // step's flag changed) gets the scroll it had at once, before a tap can land on it.
    var list = selected.parentNode;
    var kept = stripScroll;
    stripScroll = null;
    if (kept !== null) {
      list.scrollLeft = kept;
    } else {
      window.requestAnimationFrame(function () {
        if (list.scrollWidth > list.clientWidth) {
          list.scrollLeft = selected.offsetLeft - list.offsetLeft - (list.clientWidth - selected.offsetWidth) / 2;
        }
      });
    }
    // The summary is left out of clicks on other steps (studio.html), so opening it asks anew;
    // so does a step with options in conflict, whose prices after a repair only the open step
    // holds (studio.html: "steps"). The hidden field already names the step.
    if (!quiet && code === "summary") { htmx.trigger("#panel-summary", "studio:summary"); }
    var panel = document.getElementById("panel-" + code);
    if (!quiet && code !== "summary" && panel && panel.querySelector(".option--conflict")) {
      htmx.trigger("#step-fetch", "studio:step");
    }
    var url = new URL(window.location.href);
    if (!quiet && url.searchParams.get("step") !== code) {
      url.searchParams.set("step", code);
      window.history.replaceState(window.history.state, "", url.toString());
    }
    if (focus) { selected.focus({preventScroll: true}); }
  }

  // Roles on the server's links; again whenever an update swapped the tabs in.
  function upgrade() {
    var list = document.querySelector("#tabs .tablist");
    if (!list || list.getAttribute("role") === "tablist") { return; }
    list.setAttribute("role", "tablist");
    tabs().forEach(function (tab) {
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", "panel-" + tab.dataset.step);
      tab.removeAttribute("aria-current");
    });
    document.querySelectorAll(".panel").forEach(function (panel) {
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", "tab-" + panel.dataset.step);
      panel.tabIndex = 0;
    });
    show(input.value, false, true);  // the address stays as the server answered it
  }

  // Previous, Next and the summary's links open their step and bring the tabs into view (below
  // the pinned picture on a phone).
  function reveal() {
    var nav = document.getElementById("tabs");
    var pin = document.getElementById("pin");
    var top = pin && window.getComputedStyle(pin).position === "sticky" ? pin.getBoundingClientRect().bottom : 0;
    if (nav && nav.getBoundingClientRect().top < top) { nav.scrollIntoView({block: "start"}); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-step]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button) { return; }
    if (!link.closest("#tabs, #pager, #overview")) { return; }
    event.preventDefault();
    show(link.dataset.step, true);
    if (!link.closest("#tabs")) { reveal(); }
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("#tabs [role=tab]");
    if (!tab) { return; }
    var all = tabs();
    var at = all.indexOf(tab);
    var next = {ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1}[event.key];
    if (next === undefined) {
      if (event.key === " ") { event.preventDefault(); show(tab.dataset.step, true); }
      return;
    }
    event.preventDefault();
    show(all[(next + all.length) % all.length].dataset.step, true);
  });

  // A click puts the new build in the address and leaves the tabs, the pager and the summary's
  // links as they were (unless a step's flag changed): point them at the build in the address,
  // which is where a link opened in a new tab (or without JavaScript) must lead.
  document.body.addEventListener("htmx:pushedIntoHistory", function () {
    var url = new URL(window.location.href);
    document.querySelectorAll("#tabs a[data-step], #pager a[data-step], #overview a[data-step]").forEach(function (link) {
      url.searchParams.set("step", link.dataset.step);
      link.href = url.pathname + url.search;
    });
  });

  document.body.addEventListener("htmx:afterSettle", upgrade);
  upgrade();
})();
