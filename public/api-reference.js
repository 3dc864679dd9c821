// Mounts Swagger UI on /api/docs (see app/src/components/api_reference.rs). A file of
// its own, not an inline script, so the page keeps the app's Content-Security-Policy.
// The server-rendered list of operations stays until the interactive reference has
// rendered; if the bundle is missing or fails, the list is still the reference.
(function () {
  'use strict';
  var root = document.documentElement;
  // Swagger UI's dark styles hang off html.dark-mode. The server sets it for a chosen
  // dark theme; "follow the system" (data-theme="system") follows the OS, live.
  if (root.getAttribute('data-theme') === 'system' && window.matchMedia) {
    var dark = window.matchMedia('(prefers-color-scheme: dark)');
    var follow = function () { root.classList.toggle('dark-mode', dark.matches); };
    follow();
    dark.addEventListener('change', follow);
  }

  var mount = document.getElementById('api-reference');
  var list = document.getElementById('api-reference-list');
  if (!mount || typeof window.SwaggerUIBundle !== 'function') return;
  window.SwaggerUIBundle({
    url: mount.getAttribute('data-url'),
    domNode: mount,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // No call to the public validator (the CSP would refuse it anyway), no key kept
    // in localStorage after the tab closes.
    validatorUrl: null,
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    filter: true,
    onComplete: function () {
      if (list) list.hidden = true;
      mount.setAttribute('data-ready', 'true');
    },
  });
})();
