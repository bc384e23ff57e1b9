/* The offline layer's page side (docs/offline.md): registers the service worker after the page has
   loaded, marks the page when the phone has no connection, and saves a course's lessons (with their
   images) in the browser's cache when she asks. Without JavaScript nothing changes. */
(function () {
  "use strict";
  var root = document.documentElement;
  function mark() { root.classList.toggle("is-offline", !navigator.onLine); }
  window.addEventListener("online", mark);
  window.addEventListener("offline", mark);
  mark();
  if (!("serviceWorker" in navigator) || !window.caches) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js?lang=" + encodeURIComponent(root.lang || "ru"), { scope: "/" })
      .catch(function () {});
  });

  var number = new Intl.NumberFormat(root.lang || "ru");
  function say(box, done, total, bytes) {
    // The size as the server's Babel writes "1 кБ" in her language, with her number in it.
    var size = box.dataset.kilobyte.replace("1", number.format(Math.max(1, Math.round(bytes / 1024))));
    box.querySelector("[data-status]").textContent = box.dataset.progress
      .replace("{done}", number.format(done)).replace("{total}", number.format(total)).replace("{size}", size);
  }
  function images(html, base) {
    var found = [], pattern = /<img[^>]+src="([^"]+)"/g, match;
    while ((match = pattern.exec(html))) {
      var url = new URL(match[1].replace(/&amp;/g, "&"), base);
      if (url.origin === location.origin) found.push(url.href);
    }
    return found;
  }
  function keep(cache, url, extra) {
    return fetch(url, { credentials: "same-origin", headers: extra || {} }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.clone().blob().then(function (blob) {
        return cache.put(url, response).then(function () { return blob; });
      });
    });
  }
  function saveCourse(box) {
    var links = [].map.call(document.querySelectorAll("a[data-lesson]"), function (a) { return a.href; });
    var done = 0, bytes = 0;
    say(box, 0, links.length, 0);
    return caches.open(box.dataset.cache).then(function (cache) {
      return links.reduce(function (chain, url) {
        return chain.then(function () {
          return keep(cache, url, { "Academy-Offline-Save": "1" }).then(function (page) {
            bytes += page.size;
            return page.text().then(function (html) {
              return Promise.all(images(html, url).map(function (src) {
                return keep(cache, src).then(function (image) { bytes += image.size; });
              }));
            });
          }).then(function () { done += 1; say(box, done, links.length, bytes); });
        });
      }, Promise.resolve());
    });
  }
  function show(box) {
    caches.has(box.dataset.cache).then(function (saved) {
      box.querySelector("[data-action=remove]").hidden = !saved;
      if (!saved) return;
      caches.open(box.dataset.cache).then(function (cache) { return cache.keys(); }).then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return caches.match(key).then(function (r) { return r.blob(); });
        })).then(function (blobs) {
          var lessons = keys.filter(function (key) { return key.url.indexOf("/static/") < 0 && !/\.(png|jpe?g|gif|webp|svg)(\?|$)/.test(key.url); });
          say(box, lessons.length, document.querySelectorAll("a[data-lesson]").length,
              blobs.reduce(function (sum, blob) { return sum + blob.size; }, 0));
        });
      });
    });
  }
  document.querySelectorAll("[data-save-offline]").forEach(function (box) {
    box.hidden = false;
    show(box);
    box.querySelector("[data-action=save]").addEventListener("click", function () {
      saveCourse(box).then(function () { show(box); }, function () {
        box.querySelector("[data-status]").textContent = box.dataset.failed;
      });
    });
    box.querySelector("[data-action=remove]").addEventListener("click", function () {
      caches.delete(box.dataset.cache).then(function () {
        box.querySelector("[data-status]").textContent = "";
        show(box);
      });
    });
  });
})();
