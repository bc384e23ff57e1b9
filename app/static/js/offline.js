/* The offline layer (docs/offline.md). Two parts in one file, so that a page needs one request:

   1. The queue (self.academyQueue), shared with the service worker (sw.js imports this file): what she
      did offline, kept in IndexedDB as progress events with her own id and the time she did it, and
      sent to POST /api/v1/progress with her session and its CSRF token. The server counts each id once,
      so sending twice is harmless; a rejected event stays in the queue, marked, until she has read why.
   2. On a page: registers the service worker after the page has loaded, marks the page when it comes
      from the phone or the phone has no connection, sends the queue (on load and on `online`), shows
      what waits and what was refused, saves a course when she asks, and clears the phone at sign-out.
   Without JavaScript nothing changes. */
(function () {
  "use strict";
  var STORES = ["queue", "meta"];
  function open() {
    return new Promise(function (ok, fail) {
      var request = indexedDB.open("academy-offline", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("queue", { keyPath: "id" });
        request.result.createObjectStore("meta");
      };
      request.onsuccess = function () { ok(request.result); };
      request.onerror = function () { fail(request.error); };
    });
  }
  function transact(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (ok, fail) {
        var tx = db.transaction(store, mode), asked = work(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); ok(asked ? asked.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); fail(tx.error); };
      });
    });
  }
  var sending = null;
  var queue = self.academyQueue = {
    newId: function () {
      return self.crypto.randomUUID ? self.crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);
    },
    put: function (item) { return transact("queue", "readwrite", function (s) { s.put(item); }); },
    all: function () { return transact("queue", "readonly", function (s) { return s.getAll(); }); },
    drop: function (id) { return transact("queue", "readwrite", function (s) { s.delete(id); }); },
    get: function (key) { return transact("meta", "readonly", function (s) { return s.get(key); }); },
    set: function (key, value) { return transact("meta", "readwrite", function (s) { s.put(value, key); }); },
    clear: function () {
      return Promise.all(STORES.map(function (name) {
        return transact(name, "readwrite", function (s) { s.clear(); });
      }));
    },
    // The whole database gone (sign-out); a delete that another tab holds up goes on when it closes.
    destroy: function () {
      return new Promise(function (done) {
        var request = indexedDB.deleteDatabase("academy-offline");
        request.onsuccess = request.onerror = request.onblocked = function () { done(); };
      });
    },
    // Send what waits (at most 500 at a time, as the API takes them); answers the server's results.
    // Accepted and duplicate events leave the queue; rejected ones stay, marked, with the reason.
    send: function (token) {
      if (sending) return sending;
      sending = queue.all().then(function (items) {
        var waiting = items.filter(function (item) { return item.state === "waiting"; }).slice(0, 500);
        if (!waiting.length) return [];
        return fetch("/api/v1/progress", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
          body: JSON.stringify({ events: waiting.map(function (item) { return item.event; }) })
        }).then(function (response) {
          if (response.status === 422) {  // a body the server cannot take: say so, never retry forever
            return response.json().then(function (body) {
              var why = body.detail && body.detail[0] && body.detail[0].msg || String(response.status);
              return waiting.map(function (item) { return { id: item.id, status: "rejected", reason: why }; });
            });
          }
          if (!response.ok) throw new Error("progress: " + response.status);
          return response.json().then(function (body) { return body.results; });
        }).then(function (results) {
          return Promise.all(results.map(function (result) {
            var item = waiting.filter(function (one) { return one.id === result.id; })[0];
            if (result.status !== "rejected") return queue.drop(result.id);
            item.state = "rejected";
            item.reason = result.reason;
            return queue.put(item);
          })).then(function () { return results; });
        });
      });
      var done = function () { sending = null; };
      sending.then(done, done);
      return sending;
    }
  };
  if (!self.document) return;  // in the service worker: the queue is all it needs

  var root = document.documentElement, fromPhone = root.hasAttribute("data-saved-copy");
  // This file's version: the service worker imports this very file, which the browser already holds.
  var version = document.currentScript ? new URL(document.currentScript.src).searchParams.get("v") : null;
  function mark() { root.classList.toggle("is-offline", fromPhone || !navigator.onLine); }
  window.addEventListener("offline", mark);
  mark();
  var number = new Intl.NumberFormat(root.lang || "ru");
  var headers = document.body && document.body.getAttribute("hx-headers");
  var token = headers ? JSON.parse(headers)["X-CSRF-Token"] : "";
  function each(selector, work) { [].forEach.call(document.querySelectorAll(selector), work); }
  function shown(element, yes) { if (element) element.hidden = !yes; }

  // What waits on this phone, and what the server refused, in the box of the learning pages.
  var box = document.getElementById("offline-queue");
  var sentHere = false;
  function titleOf(item) { return queue.get("title:" + item.url).then(function (title) { return title || item.url; }); }
  function line(item, title) {
    var li = document.createElement("li"), link = document.createElement("a");
    link.href = item.url;
    link.textContent = title;
    li.appendChild(link);
    li.appendChild(document.createTextNode(" · " + box.querySelector("[data-kind=" + item.event.type + "]").textContent +
      (item.reason ? " · " + item.reason : "")));
    return li;
  }
  function render() {
    if (!box || !self.indexedDB) return Promise.resolve();
    return queue.all().then(function (items) {
      return Promise.all(items.map(titleOf)).then(function (titles) {
        ["waiting", "rejected"].forEach(function (state) {
          var part = box.querySelector("[data-" + state + "]"), list = part.querySelector("ul");
          list.textContent = "";
          items.forEach(function (item, i) { if (item.state === state) list.appendChild(line(item, titles[i])); });
          shown(part, list.children.length);
        });
        var waiting = items.some(function (item) { return item.state === "waiting"; });
        shown(box.querySelector("[data-sent]"), sentHere && !waiting);
        shown(box, items.length || sentHere);
      });
    });
  }
  function send() {
    if (!token || !navigator.onLine || !self.indexedDB) return render();
    return queue.send(token).then(function (results) {
      if (results.length) sentHere = true;
    }, function () {}).then(render);
  }
  window.addEventListener("online", function () { mark(); send(); });
  function showQueue() { render().then(function () { if (!box.hidden) box.focus(); }); }
  if (box) {
    document.addEventListener("academy-queued", showQueue);  // sw.js kept an htmx form for later
    box.querySelector("[data-sent] a").href = location.pathname;
    box.querySelector("[data-action=dismiss]").addEventListener("click", function () {
      queue.all().then(function (items) {
        return Promise.all(items.filter(function (item) { return item.state === "rejected"; })
          .map(function (item) { return queue.drop(item.id); }));
      }).then(render);
    });
  }

  // A lesson: its title kept for the box; from the phone, fresh ids for its forms and her first view.
  var lesson = document.querySelector("[data-lesson-id]");
  var ready = Promise.resolve();
  if (self.indexedDB && token) {
    ready = queue.set("csrf", token);
    if (lesson) {
      ready = ready.then(function () { return queue.set("title:" + location.pathname, document.querySelector("h1").textContent); });
      if (fromPhone) {
        each("input[name=event_id]", function (input) { input.value = queue.newId(); });
        if (lesson.dataset.viewEvent) {
          ready = ready.then(function () { return queue.all(); }).then(function (items) {
            if (items.some(function (item) { return item.id === lesson.dataset.viewEvent; })) return;
            return queue.put({ id: lesson.dataset.viewEvent, state: "waiting", url: location.pathname,
              event: { id: lesson.dataset.viewEvent, lesson: lesson.dataset.lessonId, type: "viewed", at: new Date().toISOString() } });
          });
        }
      }
    }
  }
  ready.then(send, function () {}).then(function () {
    if (box && location.hash === "#offline-queue" && !box.hidden) box.focus();  // sw.js kept a form for later
  });

  if (!("serviceWorker" in navigator) || !self.caches) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js?lang=" + encodeURIComponent(root.lang || "ru")
      + (version ? "&v=" + encodeURIComponent(version) : ""), { scope: "/" })
      .catch(function () {});
  });

  // Saved courses: each lesson page of the course, with its images, in a cache of its own.
  function size(template, kilobyte, done, total, bytes) {
    // The size as the server's Babel writes "1 кБ" in her language, with her number in it.
    var amount = kilobyte.replace("1", number.format(Math.max(1, Math.round(bytes / 1024))));
    return template.replace("{done}", number.format(done)).replace("{total}", number.format(total)).replace("{size}", amount);
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
      if (!response.ok || response.redirected) throw new Error(url + ": " + response.status);
      return response.clone().blob().then(function (blob) {
        return cache.put(url, response).then(function () { return blob; });
      });
    });
  }
  // What a saved course holds: its lesson pages and its bytes.
  function measure(name) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return cache.match(key).then(function (hit) { return hit.blob(); });
        })).then(function (blobs) {
          return {
            lessons: blobs.filter(function (blob) { return /html/.test(blob.type); }).length,
            bytes: blobs.reduce(function (sum, blob) { return sum + blob.size; }, 0)
          };
        });
      });
    });
  }
  function saveCourse(box, say) {
    var links = [].map.call(document.querySelectorAll("a[data-lesson]"), function (a) { return a.href; });
    var done = 0, bytes = 0;
    say(0, links.length, 0);
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
          }).then(function () { done += 1; say(done, links.length, bytes); });
        });
      }, Promise.resolve());
    });
  }
  // Only a signed-in page reads the phone's choice (a visitor's page opens no database).
  (token && self.indexedDB ? queue.get("keep").catch(function () {}) : Promise.resolve()).then(function (keepLessons) {
    each("[data-save-offline]", function (box) {
      var status = box.querySelector("[data-status]"), remove = box.querySelector("[data-action=remove]");
      var total = document.querySelectorAll("a[data-lesson]").length;
      function say(done, all, bytes) { status.textContent = size(box.dataset.progress, box.dataset.kilobyte, done, all, bytes); }
      function show() {
        return caches.has(box.dataset.cache).then(function (saved) {
          remove.hidden = !saved;
          if (saved) return measure(box.dataset.cache).then(function (held) { say(held.lessons, total, held.bytes); });
        });
      }
      box.hidden = keepLessons === "no";
      show();
      box.querySelector("[data-action=save]").addEventListener("click", function () {
        saveCourse(box, say).then(show, function () { status.textContent = box.dataset.failed; });
      });
      remove.addEventListener("click", function () {
        caches.delete(box.dataset.cache).then(function () { status.textContent = ""; show(); });
      });
    });
    // My learning: which courses are on this phone, and how much they take.
    each("[data-offline-course]", function (line) {
      caches.has(line.dataset.offlineCourse).then(function (saved) {
        if (!saved) return;
        measure(line.dataset.offlineCourse).then(function (held) {
          line.textContent = size(line.dataset.progress, line.dataset.kilobyte, held.lessons, +line.dataset.total, held.bytes);
          line.hidden = false;
        });
      });
    });
    // The account page: "do not keep lessons on this phone".
    each("[data-keep-lessons]", function (control) {
      var box = control.querySelector("input"), status = control.querySelector("[data-status]");
      control.hidden = false;
      box.checked = keepLessons === "no";
      box.addEventListener("change", function () {
        queue.set("keep", box.checked ? "no" : "yes").then(function () {
          if (!box.checked) return (status.textContent = "");
          return forget().then(function () { status.textContent = control.dataset.removed; });
        });
      });
    });
  });
  function forget() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("academy-course-") === 0 || name === "academy-recent";
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  // The offline page: what this phone has saved, to read without a connection.
  each("[data-saved-list]", function (list) {
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("academy-course-") === 0 || name === "academy-recent";
      }).map(function (name) {
        return caches.open(name).then(function (cache) { return cache.keys(); });
      }));
    }).then(function (groups) {
      var seen = {};
      return Promise.all([].concat.apply([], groups).filter(function (request) {
        var path = new URL(request.url).pathname, fresh = !seen[path] && /^\/courses\/[^/]+\/[^/]+$/.test(path);
        seen[path] = true;
        return fresh;
      }).map(function (request) {
        return caches.match(request).then(function (hit) { return hit.text(); }).then(function (html) {
          var title = /<title>([^<]*)<\/title>/.exec(html);
          var text = document.createElement("textarea");
          text.innerHTML = title ? title[1] : request.url;
          var li = document.createElement("li"), link = document.createElement("a");
          link.href = request.url;
          link.textContent = text.value.split(" · ").slice(0, 2).join(" · ");
          li.appendChild(link);
          list.querySelector("ul").appendChild(li);
        });
      }));
    }).then(function () { shown(list, list.querySelector("li")); });
  });

  // Signing out on a shared phone: what waits is sent first, or she is asked; then nothing stays.
  each("form[data-sign-out]", function (form) {
    var warning = form.querySelector("[data-unsent]"), anyway = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var leave = function () {
        forget().then(function () { return queue.clear(); }).then(queue.destroy).then(function () {
          return navigator.serviceWorker.getRegistrations();
        }).then(function (registrations) {
          return Promise.all(registrations.map(function (one) { return one.unregister(); }));
        }).catch(function () {}).then(function () { form.submit(); });
      };
      if (anyway) return leave();
      send().then(function () { return queue.all(); }).then(function (items) {
        var waiting = items.filter(function (item) { return item.state === "waiting"; }).length;
        if (!waiting) return leave();
        anyway = true;
        warning.hidden = false;
        warning.focus();
      }, leave);
    });
  });
})();
