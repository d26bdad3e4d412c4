// The share page: copy the link or the embed code, the Web Share API for the link and, where the
// browser can share files (navigator.canShare({files})), for the pictures. Without JavaScript the
// network links and the picture downloads work.
(function () {
  "use strict";

  function say(element, text) {
    var section = element.closest("section");
    var status = section && section.querySelector(".copied");
    if (status) { status.textContent = text; }
  }

  function copy(button, text) {
    navigator.clipboard.writeText(text).then(function () { say(button, button.dataset.copiedText || "✓"); });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () { copy(button, button.dataset.copy); });
  });
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copyFrom);
      if (source) { copy(button, source.value); }
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

  function canShareFiles() {
    try {
      var probe = new File(["x"], "probe.jpg", { type: "image/jpeg" });
      return Boolean(navigator.canShare && navigator.share && navigator.canShare({ files: [probe] }));
    } catch (error) {
      return false;
    }
  }

  if (!canShareFiles()) { return; }
  var files = {};  // picture address -> File, fetched on the first press

  function shareFile(button, file) {
    var data = { files: [file], title: button.dataset.shareTitle, text: button.dataset.shareTitle + " " + button.dataset.shareLink };
    if (!navigator.canShare(data)) { data = { files: [file] }; }
    return navigator.share(data).catch(function (error) {
      // Fetching the picture may outlast the press that allows sharing: the next press shares it.
      if (error && error.name === "NotAllowedError") { say(button, button.dataset.shareRetry); }
    });
  }

  document.querySelectorAll("[data-share-file]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = button.dataset.shareFile;
      if (files[url]) { shareFile(button, files[url]); return; }
      button.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.blob();
      }).then(function (blob) {
        files[url] = new File([blob], button.dataset.shareFilename, { type: button.dataset.shareType });
        return shareFile(button, files[url]);
      }).catch(function () {}).then(function () { button.removeAttribute("aria-busy"); });
    });
  });
})();
