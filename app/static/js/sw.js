/* Civic Space Academy's service worker (docs/offline.md). Small and our own: no library.

   What it keeps on the phone: the offline page in her language and our static files (the stylesheet,
   htmx, this site's icons); the offline page is fetched without cookies. The courses she saves are put
   in caches of their own by offline.js. Pages come from the network as before; when the network fails,
   a saved lesson comes from the phone, and anything else is the offline page in her language. */
"use strict";

var VERSION = "2";
var SHELL = "academy-shell-" + VERSION;
var LANG = new URL(self.location.href).searchParams.get("lang") || "ru";
var OFFLINE = "/offline?lang=" + encodeURIComponent(LANG);

function cacheOfflinePage(cache) {
  return fetch(OFFLINE, { credentials: "omit" }).then(function (response) {
    if (!response.ok) throw new Error("offline page: " + response.status);
    return response.clone().text().then(function (html) {
      var styles = html.match(/\/static\/[^"]+\.css\?v=[0-9a-f]+/g) || [];
      return Promise.all([cache.put(OFFLINE, response), cache.addAll(styles)]);
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(cacheOfflinePage).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("academy-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function staticFile(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) {
          cache.keys().then(function (requests) {  // one version of each file is enough
            var path = new URL(request.url).pathname;
            requests.forEach(function (old) { if (new URL(old.url).pathname === path) cache.delete(old); });
            cache.put(request, copy);
          });
        });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      // A lesson she saved for offline use (any cache holds it), else the offline page.
      return caches.match(request).then(function (saved) {
        return saved || caches.match(OFFLINE).then(function (page) { return page || Response.error(); });
      });
    }));
  } else if (request.method === "GET" && url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    event.respondWith(staticFile(request));
  }
});
