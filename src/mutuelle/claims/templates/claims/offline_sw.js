{% autoescape off %}// The offline card verifier's service worker (claims.views.offline; its scope is the page's
// folder). It keeps the page, its scripts and styles, the public keys and the last snapshot,
// so that a provider with a poor link can still open the page and check cards.
//   - the page: from the network, else (no link, a server error, or no answer within a few
//     seconds) the copy kept the last time it loaded;
//   - the keys and the snapshot: from the network, else the last copy kept;
//   - static files: from the cache (their names change with their content), else the network.
// The configuration below is rendered by the server: a new static file name or address makes
// a new script, and the browser installs it.
"use strict";

var CONFIG = {{ config }};
var STATIC_CACHE = "mutuelle-offline-static-" + CONFIG.version;
var DATA_CACHE = "mutuelle-offline-data";
var PAGE_TIMEOUT_MS = 6000;

function keepable(response) {
  // Never keep a redirect (to the login page) or an error in place of the real thing.
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function fetchAndKeep(cacheName, key, request) {
  return fetch(request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      return caches.open(cacheName).then(function (cache) {
        return cache.put(key, copy);
      }).then(function () { return response; }, function () { return response; });
    }
    return response;
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      // One by one: a file that cannot be fetched must not stop the others.
      return Promise.all(CONFIG.assets.map(function (url) {
        return cache.add(new Request(url, { credentials: "same-origin" })).catch(function () {});
      }));
    }).then(function () {
      var page = new Request(CONFIG.page, { credentials: "same-origin" });
      return fetchAndKeep(DATA_CACHE, CONFIG.page, page).catch(function () {});
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("mutuelle-offline-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function fromPage(event) {
  return caches.open(DATA_CACHE).then(function (cache) {
    return cache.match(CONFIG.page);
  }).then(function (kept) {
    var network = fetchAndKeep(DATA_CACHE, CONFIG.page, event.request);
    if (!kept) return network;
    event.waitUntil(network.catch(function () {}));
    var late = new Promise(function (resolve) {
      setTimeout(function () { resolve(kept); }, PAGE_TIMEOUT_MS);
    });
    var answered = network.then(function (response) {
      return response.status >= 500 ? kept : response;
    }, function () { return kept; });
    return Promise.race([answered, late]);
  });
}

// The copy kept, marked so that the page can tell the server was not reached.
function keptCopy(kept) {
  return kept.blob().then(function (body) {
    var headers = new Headers(kept.headers);
    headers.set("X-Mutuelle-Offline-Copy", "1");
    return new Response(body, { status: kept.status, statusText: kept.statusText, headers: headers });
  });
}

function fromData(event, path) {
  return fetchAndKeep(DATA_CACHE, path, event.request).catch(function () {
    return caches.open(DATA_CACHE).then(function (cache) {
      return cache.match(path);
    }).then(function (kept) {
      return kept ? keptCopy(kept) : Response.error();
    });
  });
}

function fromStatic(event) {
  return caches.match(event.request).then(function (kept) {
    return kept || fetchAndKeep(STATIC_CACHE, event.request, event.request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === CONFIG.page) {
    event.respondWith(fromPage(event));
  } else if (CONFIG.data.indexOf(url.pathname) !== -1) {
    event.respondWith(fromData(event, url.pathname));
  } else if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(fromStatic(event));
  }
});
{% endautoescape %}
