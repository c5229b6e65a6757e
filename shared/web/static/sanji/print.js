// Buttons marked data-print print the page (receipts, certificates): a listener in a
// file instead of onclick="window.print()", which the Content-Security-Policy blocks.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
