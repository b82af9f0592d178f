/* The board's colour mode: Bootstrap 5.3's data-bs-theme on <html>, with no inline script
   (the Content-Security-Policy allows only the board's own files). Loaded in <head>, before
   the page paints, so a dark page never flashes light.

   A member's choice comes from the server in <html data-color-mode="auto|light|dark">; the
   footer's switch (includes/color_mode_switch.html) saves it with a POST. A visitor's choice
   stays in this browser (localStorage): visitors' pages are cached alike for everyone.
   "auto" follows the system's setting, also when it changes while the page is open. */
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "board-color-mode";
  var MODES = { auto: true, light: true, dark: true };
  var isMember = root.hasAttribute("data-color-mode");
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null; // storage blocked: follow the system
    }
  }

  function choice() {
    var mode = isMember ? root.getAttribute("data-color-mode") : stored();
    return MODES[mode] ? mode : "auto";
  }

  function buttons() {
    return document.querySelectorAll("[data-color-mode-choice]");
  }

  function apply() {
    var mode = choice();
    var shown = mode === "auto" ? (system && system.matches ? "dark" : "light") : mode;
    root.setAttribute("data-bs-theme", shown);
    var all = buttons();
    for (var i = 0; i < all.length; i++) {
      all[i].setAttribute("aria-pressed", String(all[i].value === mode));
    }
  }

  function choose(event) {
    var mode = event.currentTarget.value;
    if (isMember) {
      root.setAttribute("data-color-mode", mode); // shown at once; the form saves it
    } else {
      try {
        window.localStorage.setItem(KEY, mode);
      } catch (error) {
        /* kept for this page only */
      }
    }
    apply();
  }

  apply();
  if (system && system.addEventListener) {
    system.addEventListener("change", apply);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var all = buttons();
    for (var i = 0; i < all.length; i++) {
      all[i].addEventListener("click", choose);
    }
    var hidden = document.querySelectorAll("[data-color-mode-switch][hidden]");
    for (var j = 0; j < hidden.length; j++) {
      hidden[j].hidden = false; // visitors' switch works only with this script
    }
    apply();
  });
})();
