/* Civic Space Academy's service worker (docs/offline.md). Small and our own: no library.

   What it keeps on the phone: the offline page in her language and our static files; the lessons she
   opens online (the last RECENT_PAGES, at most RECENT_BYTES, unless she said "do not keep lessons on
   this phone"). The courses she saves are put in caches of their own by offline.js, whose queue this
   worker shares (importScripts). Pages come from the network as before; when the network fails, a saved
   lesson comes from the phone, and anything else is the offline page in her language. A lesson's form
   (mark as complete, a quiz, a reflection) that cannot reach the server is kept in the queue and sent
   when the connection returns. */
"use strict";
// The queue's file at the version the page loaded (its registration says which): the browser has it in
// its cache already, so installing the worker does not download it again.
var PARAMS = new URL(self.location.href).searchParams;
importScripts("/static/js/offline.js" + (PARAMS.get("v") ? "?v=" + encodeURIComponent(PARAMS.get("v")) : ""));

var VERSION = "3";
var SHELL = "academy-shell-" + VERSION;
var RECENT = "academy-recent";
var RECENT_PAGES = 30;
var RECENT_BYTES = 1024 * 1024;
var LANG = PARAMS.get("lang") || "ru";
var OFFLINE = "/offline?lang=" + encodeURIComponent(LANG);
var LESSON = /^\/courses\/[^/]+\/[^/]+$/;
var ACTION = /^\/courses\/([^/]+)\/([^/]+)\/(complete|quiz|note)$/;
var queue = self.academyQueue;

function cacheOfflinePage(cache) {
  return fetch(OFFLINE, { credentials: "omit" }).then(function (response) {
    if (!response.ok) throw new Error("offline page: " + response.status);
    return response.clone().text().then(function (html) {
      var files = html.match(/\/static\/[^"]+\?v=[0-9a-f]+/g) || [];
      return Promise.all([cache.put(OFFLINE, response), cache.addAll(files)]);
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(cacheOfflinePage).then(function () {
    // The first worker takes over at once. A new one (a new version, her new language) waits until no
    // page uses the old one: a worker replaced while it answers a page's request can leave that page
    // loading for ever in Chromium (docs/offline.md).
    if (!self.registration.active) return self.skipWaiting();
  }));
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

// A lesson she opened online, kept for when the connection goes: the oldest go first.
function keepRecent(request, response) {
  return queue.get("keep").then(function (keep) {
    if (keep === "no") return;
    return caches.open(RECENT).then(function (cache) {
      return cache.delete(request).then(function () { return cache.put(request, response); })
        .then(function () { return cache.keys(); })
        .then(function (keys) {
          return Promise.all(keys.map(function (key) {
            return cache.match(key).then(function (hit) { return hit.blob(); });
          })).then(function (blobs) {
            var bytes = blobs.reduce(function (sum, blob) { return sum + blob.size; }, 0), drop = [];
            for (var i = 0; i < keys.length - 1 && (keys.length - drop.length > RECENT_PAGES || bytes > RECENT_BYTES); i++) {
              drop.push(cache.delete(keys[i]));
              bytes -= blobs[i].size;
            }
            return Promise.all(drop);
          });
        });
    });
  });
}

// A page from the phone, marked so that offline.js says so (and counts a first view).
function fromPhone(request) {
  return caches.match(request, { ignoreSearch: false }).then(function (saved) {
    if (!saved) return caches.match(OFFLINE).then(function (page) { return page || Response.error(); });
    return saved.text().then(function (html) {
      return new Response(html.replace("<html ", "<html data-saved-copy "), {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      });
    });
  });
}

// A lesson's form that could not reach the server: kept in the queue, sent when she is back online.
function keepForLater(request, match) {
  return request.formData().then(function (form) {
    var page = "/courses/" + match[1] + "/" + match[2];
    var event = { id: form.get("event_id") || queue.newId(), lesson: match[1] + "/" + match[2], at: new Date().toISOString() };
    if (match[3] === "complete") {
      event.type = "completed";
    } else if (match[3] === "quiz") {
      event.type = "quiz_submitted";
      event.attempt = parseInt(form.get("attempt"), 10) || 0;
      event.answers = {};
      form.forEach(function (value, name) {
        if (name.indexOf("q-") === 0) (event.answers[name.slice(2)] = event.answers[name.slice(2)] || []).push(value);
      });
    } else {
      event.type = "reflection_saved";
      event.note = (form.get("note") || "").trim();
      if (!event.note) return caches.match(OFFLINE);
    }
    return queue.put({ id: event.id, event: event, url: page, state: "waiting" })
      .then(function () { return form.get("csrf_token") && queue.set("csrf", form.get("csrf_token")); })
      .then(function () { return self.registration.sync && self.registration.sync.register("academy-progress"); })
      .catch(function () {})
      .then(function () {
        var there = new URL(page + "#offline-queue", self.location.href).href;
        // htmx: the page stays, and offline.js shows the queue (the event named in HX-Trigger).
        if (request.headers.get("HX-Request")) return new Response("", { headers: { "HX-Reswap": "none", "HX-Trigger": "academy-queued" } });
        return Response.redirect(there, 303);
      });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  var match = ACTION.exec(url.pathname);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && match) {
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () { return keepForLater(copy, match); }));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (request.method === "GET" && LESSON.test(url.pathname) && response.ok && !response.redirected) {
        event.waitUntil(keepRecent(request, response.clone()).catch(function () {}));
      }
      return response;
    }, function () {
      return request.method === "GET" ? fromPhone(request) : caches.match(OFFLINE);
    }));
  } else if (request.method === "GET" && url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    event.respondWith(staticFile(request));
  }
});

// Background Sync, where the browser has it: the queue is sent even if she has closed the page.
self.addEventListener("sync", function (event) {
  if (event.tag !== "academy-progress") return;
  event.waitUntil(queue.get("csrf").then(function (token) {
    if (token) return queue.send(token);
  }));
});
