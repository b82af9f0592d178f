/* A search box above the profile's time-zone menu (accounts.forms.ProfileForm), with no
   inline script: typing "paris", "new york" or "utc+2" leaves in the menu only the zones that
   match and selects the first of them when none (or one filtered out) was chosen. Without this
   script the menu still works, grouped by region. The box's label is the menu's
   data-zone-search text, so it comes from the server like every other word on the page. */
(function () {
  "use strict";

  function searchText(option) {
    var text = (option.value + " " + option.text).toLowerCase().replace(/_/g, " ");
    // "UTC+02:00" is also found as "utc+2", "UTC+05:30" as "utc+5:30".
    var short = option.text.replace(/UTC([+-])0?(\d+):(\d\d)/, function (all, sign, hours, minutes) {
      return "utc" + sign + hours + (minutes === "00" ? "" : ":" + minutes);
    });
    return text + " " + short.toLowerCase();
  }

  function setUp(select) {
    var id = select.id + "_search";
    var label = document.createElement("label");
    label.className = "form-label small mb-1 d-block";
    label.htmlFor = id;
    label.textContent = select.getAttribute("data-zone-search");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control form-control-sm mb-1";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select);

    var options = Array.prototype.slice.call(select.options);
    var keys = options.map(searchText);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().replace(/_/g, " ").split(/\s+/).filter(Boolean);
      var shown = 0;
      var first = null;
      options.forEach(function (option, i) {
        var matches = option.value === "" || words.every(function (w) { return keys[i].indexOf(w) !== -1; });
        option.hidden = !matches;
        if (matches && option.value !== "") {
          shown += 1;
          first = first || option;
        }
      });
      var groups = select.querySelectorAll("optgroup");
      for (var g = 0; g < groups.length; g++) {
        groups[g].hidden = !groups[g].querySelector("option:not([hidden])");
      }
      var chosen = select.selectedOptions[0];
      if (first && (!chosen || chosen.hidden || chosen.value === "")) {
        first.selected = true;
      }
      status.textContent = words.length ? shown + " / " + (options.length - 1) : "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // choosing, not sending the form
        select.focus();
      }
    });
  }

  function start() {
    var selects = document.querySelectorAll("select[data-zone-search]");
    for (var i = 0; i < selects.length; i++) {
      setUp(selects[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
