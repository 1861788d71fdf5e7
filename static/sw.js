// Picketline's service worker: keeps the rep's strike-morning pages and "My shifts" for use
// with no signal. Only the pages listed in OFFLINE_PAGES (and the static files they load) are
// ever stored; every other request goes to the network untouched. Served at /sw.js
// (config/views.py) so it may control /line/... and /my-shifts/; cleared at sign-out
// (static/js/offline.js).
"use strict";

const CACHE = "picketline-offline-v1";
const OFFLINE_PAGES = [
  /^\/line\/\d+\/check-in\/$/,
  /^\/line\/\d+\/report\/$/,
  /^\/rep-home\/$/,
  /^\/my-shifts\/$/,
];

const kept = (url) =>
  url.origin === self.location.origin &&
  (url.pathname.startsWith("/static/") || OFFLINE_PAGES.some((page) => page.test(url.pathname)));

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only a page the person could see: no redirect to sign in, no error page.
    if (response.ok && !response.redirected && response.type === "basic") {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const saved = await cache.match(request);
    if (saved) return saved;
    if (request.mode === "navigate") {
      return new Response(
        "<!doctype html><meta name=viewport content='width=device-width'><title>Offline</title>" +
          "<p>No signal, and this page was not saved on this phone. Open it once with signal " +
          "to use it offline.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
      );
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!kept(url) || request.headers.get("HX-Request")) return;
  event.respondWith(networkFirst(request));
});

// Background Sync: the open page sends its queue (it holds the person's session and token).
self.addEventListener("sync", (event) => {
  if (event.tag !== "picketline-queue") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      clients.forEach((client) => client.postMessage({ type: "sync" }));
    }),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear") {
    event.waitUntil(caches.delete(CACHE));
  }
});
