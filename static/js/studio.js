// Keyboard focus across htmx swaps in the configurator: a repair offer takes focus (so a
// keyboard user lands on Apply), and after Apply or Cancel focus returns to the option clicked.
(function () {
  "use strict";
  var lastOption = null;
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (id && id.indexOf("o:") === 0) { lastOption = id; }
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
