// Views and zoom in the studio (#12 §1): the thumbnails show another view large without a
// page load, and the zoom opens the view shown, drawn at twice the size, in a <dialog> (Esc or
// Close shuts it; focus returns to what opened it). The preview is swapped by htmx after every
// click, so listeners are delegated from the document and nothing holds on to a swapped
// element. Without JavaScript each thumbnail is a link to the studio with ?view=, and "Zoom in"
// opens the enlarged picture.
(function () {
  "use strict";
  var opener = null;

  function figure() { return document.getElementById("preview"); }

  // Show view `thumb` large: its picture, its name marked current, and the form's hidden
  // input set, so the next click's answer draws this view too.
  function show(thumb) {
    var fig = figure();
    var large = document.getElementById("view-large");
    if (!fig || !large || !thumb) { return; }
    large.src = thumb.dataset.src;
    fig.dataset.view = thumb.dataset.view;
    document.querySelectorAll("#view-bar .view-thumb").forEach(function (other) {
      if (other === thumb) { other.setAttribute("aria-current", "true"); } else { other.removeAttribute("aria-current"); }
    });
    var input = document.getElementById("view-input");
    if (input) { input.value = thumb.dataset.view; }
    var zoomLink = document.querySelector("#view-bar a.view-zoom");
    if (zoomLink) { zoomLink.href = thumb.dataset.zoomSrc; }
  }

  // The dialog is no part of a click's answer: it takes the "Zoom in" link's picture (the view
  // shown large, of the build on screen) and the large picture's text each time it opens.
  function openZoom(trigger) {
    var dialog = document.getElementById("zoom");
    var image = document.getElementById("zoom-image");
    var zoomLink = document.querySelector("#view-bar a.view-zoom");
    var large = document.getElementById("view-large");
    if (!dialog || !image || !zoomLink || typeof dialog.showModal !== "function") { return false; }
    if (image.getAttribute("src") !== zoomLink.href) { image.src = zoomLink.href; }
    image.alt = large ? large.alt : "";
    image.classList.remove("zoomed");
    opener = trigger;
    dialog.showModal();
    var close = dialog.querySelector("[data-zoom-close]");
    if (close) { close.focus(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var thumb = target.closest(".view-thumb");
    if (thumb && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      show(thumb);
      return;
    }
    var trigger = target.closest("[data-zoom-open]");
    if (trigger && openZoom(trigger.tagName === "A" ? trigger : document.querySelector("#view-bar a.view-zoom"))) {
      event.preventDefault();
      return;
    }
    if (target.closest("[data-zoom-close]")) {
      document.getElementById("zoom").close();
      return;
    }
    if (target.matches("[data-zoom-toggle]")) {  // a click on the enlarged picture doubles it
      target.classList.toggle("zoomed");
      return;
    }
    if (target.id === "zoom") { target.close(); }  // a click on the backdrop
  });

  // The enlarged picture's frame takes focus (it scrolls): Enter or Space doubles the picture,
  // and the arrow keys scroll it as in any scrolling region.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.classList.contains("zoom-frame")) { return; }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      var image = document.getElementById("zoom-image");
      if (image) { image.classList.toggle("zoomed"); }
    }
  });

  // Esc closes a modal dialog by itself; either way focus goes back to what opened it.
  document.addEventListener("close", function (event) {
    if (event.target && event.target.id === "zoom" && opener && document.contains(opener)) {
      opener.focus();
    }
  }, true);
})();
