/* The offline layer's page side (docs/offline.md): registers the service worker after the page has
   loaded, and marks the page when the phone has no connection. Without JavaScript nothing changes. */
(function () {
  "use strict";
  var root = document.documentElement;
  function mark() { root.classList.toggle("is-offline", !navigator.onLine); }
  window.addEventListener("online", mark);
  window.addEventListener("offline", mark);
  mark();
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    var lang = encodeURIComponent(root.lang || "ru");
    navigator.serviceWorker.register("/sw.js?lang=" + lang, { scope: "/" }).catch(function () {});
  });
})();
