/* The message box's BBCode toolbar (includes/bbcode_toolbar.html), with no inline script.
   Each button wraps the selected text in its tag, or puts an empty pair at the cursor; a
   smilie goes in at the cursor. The bar is a row of ordinary buttons (Tab reaches each one,
   Enter or Space presses it) and the cursor goes back into the box after each, so typing
   carries on. Ctrl+B, Ctrl+I and Ctrl+U work in the box itself. */
(function () {
  "use strict";

  function replaceSelection(box, before, after, placeholder) {
    var start = box.selectionStart;
    var end = box.selectionEnd;
    var selected = box.value.slice(start, end) || placeholder || "";
    box.focus();
    box.setRangeText(before + selected + after, start, end, "end");
    // With nothing selected the cursor lands between the tags, ready to type.
    var inner = start + before.length;
    box.setSelectionRange(inner, inner + selected.length);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function wrap(box, tag) {
    if (tag === "list") {
      replaceSelection(box, "[list]\n[*]", "\n[/list]");
    } else {
      replaceSelection(box, "[" + tag + "]", "[/" + tag + "]");
    }
  }

  function insert(box, text) {
    var start = box.selectionStart;
    var spaced = (start > 0 && !/\s/.test(box.value.charAt(start - 1)) ? " " : "") + text + " ";
    box.focus();
    box.setRangeText(spaced, start, box.selectionEnd, "end");
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var SHORTCUTS = { b: "b", i: "i", u: "u" };

  function setUp(bar) {
    var box = document.getElementById(bar.getAttribute("data-bbcode-toolbar"));
    if (!box) {
      return;
    }
    // Right above the box it writes into, wherever the form put its label.
    box.parentNode.insertBefore(bar, box);
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !bar.contains(button)) {
        return;
      }
      if (button.hasAttribute("data-bbcode-tag")) {
        wrap(box, button.getAttribute("data-bbcode-tag"));
      } else if (button.hasAttribute("data-bbcode-insert")) {
        insert(box, button.getAttribute("data-bbcode-insert"));
      }
    });
    box.addEventListener("keydown", function (event) {
      var tag = SHORTCUTS[event.key && event.key.toLowerCase()];
      if (tag && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        wrap(box, tag);
      }
    });
  }

  function start() {
    var bars = document.querySelectorAll("[data-bbcode-toolbar]");
    for (var i = 0; i < bars.length; i++) {
      setUp(bars[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
