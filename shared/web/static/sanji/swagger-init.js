// Start Swagger UI at /api/v1/docs with the config the page carries as JSON data
// (a file, not an inline script, so the Content-Security-Policy stays strict).
"use strict";
window.addEventListener("load", function () {
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  window.ui = SwaggerUIBundle(config);
});
