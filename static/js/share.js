// Copy link and the Web Share API on the share page. Without JavaScript the network links work.
(function () {
  "use strict";
  var status = document.querySelector(".copied");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        if (status) { status.textContent = button.dataset.copiedText || "✓"; }
      });
    });
  });
  if (navigator.share) {
    document.querySelectorAll("[data-share-url]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl }).catch(function () {});
      });
    });
  }
})();
