// Offline check-in and reports (issue 19). Plain JavaScript, no library.
//
// With no signal, a tap on any form marked data-offline="checkin|undo|walkup|noshow|report" is
// kept in this phone's IndexedDB (one database per signed-in person) with a fresh nonce and the
// time the rep acted; the page shows the state it will have and "N changes waiting to send".
// When the connection returns (Background Sync, the `online` event, or the next page load) the
// queue goes to POST /rep/sync/ in order; the server applies each change once (strikes/services/
// sync.py) and the page says "All sent" or what could not be applied and why. Signing out
// clears the queue and the saved pages. Without JavaScript the forms post as usual.
"use strict";

(() => {
  const body = document.body;
  const user = body && body.dataset.user;
  const SYNC_URL = "/rep/sync/";
  const STATUS_ID = "offline-status";

  // --- The store: one IndexedDB database per person ----------------------------------------
  const dbName = (id) => `picketline-${id}`;
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const open = indexedDB.open(dbName(user), 1);
        open.onupgradeneeded = () => open.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
    }
    return dbPromise;
  }
  async function tx(mode, work) {
    const conn = await db();
    return new Promise((resolve, reject) => {
      const t = conn.transaction("queue", mode);
      const result = work(t.objectStore("queue"));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  const queueAll = () => tx("readonly", (store) => store.getAll());
  const queueAdd = (entry) => tx("readwrite", (store) => store.add(entry));
  const queueDelete = (seqs) => tx("readwrite", (store) => seqs.forEach((seq) => store.delete(seq)));

  function newNonce() {
    if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- What the page says ------------------------------------------------------------------
  function statusBox() {
    let box = document.getElementById(STATUS_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = STATUS_ID;
      box.className = "message offline-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      const main = document.getElementById("main") || document.querySelector("main") || body;
      main.prepend(box);
    }
    return box;
  }
  function say(text, problems, signIn) {
    const box = statusBox();
    box.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    (problems || []).forEach((problem) => {
      const item = document.createElement("p");
      item.className = "badge bad";
      item.textContent = problem;
      box.append(item);
    });
    if (signIn) {
      const link = document.createElement("a");
      link.className = "button";
      link.href = `${signIn}?next=${encodeURIComponent(location.pathname)}`;
      link.textContent = "Sign in to send them";
      box.append(link);
    }
    box.hidden = false;
  }
  const plural = (n) => (n === 1 ? "1 change" : `${n} changes`);
  async function showWaiting() {
    const queue = await queueAll();
    if (queue.length) say(`${plural(queue.length)} waiting to send.${navigator.onLine ? "" : " No signal: they are kept on this phone."}`);
    return queue;
  }

  // --- Showing a queued change on the page -------------------------------------------------
  function presence(shiftId, hereDelta, walkUpDelta) {
    const el = document.getElementById(`presence-${shiftId}`);
    if (!el) return;
    const m = el.textContent.match(/(\d+) of (\d+) here(?: \(\+(\d+) walk-ups?\))?/);
    if (!m) return;
    const here = Math.max(Number(m[1]) + hereDelta, 0);
    const walkUps = Math.max(Number(m[3] || 0) + walkUpDelta, 0);
    const strong = document.createElement("strong");
    strong.textContent = `${here} of ${m[2]} here`;
    el.replaceChildren(strong);
    if (walkUps) el.append(` (+${walkUps} walk-up${walkUps === 1 ? "" : "s"})`);
  }
  const shiftOf = (row) => row && row.closest("section.shift") && row.closest("section.shift").id.replace("shift-", "");

  function setRow(row, here, entry) {
    const form = row.querySelector("form[data-offline]");
    const state = row.querySelector(".state");
    row.classList.toggle("state-here", here);
    row.classList.toggle("state-expected", !here);
    row.classList.add("queued");
    if (state) {
      state.className = `state ${here ? "here" : "expected"}`;
      state.textContent = here ? "Here" : "Expected";
    }
    if (form) {
      form.dataset.offline = here ? "undo" : "checkin";
      form.querySelector("[name=action]").value = here ? "undo" : "arrived";
      const button = form.querySelector("button");
      const name = row.querySelector(".name") ? row.querySelector(".name").firstChild.textContent.trim() : "";
      button.className = here ? "secondary undo" : "check";
      button.textContent = here ? "Undo" : "Check in";
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = here ? ` the check-in of ${name}` : ` ${name}`;
      button.append(hidden);
      if (entry && entry.walk_up) form.dataset.walkUp = entry.walk_up;
    }
  }

  function showEntry(entry) {
    const f = entry.fields || {};
    if (entry.kind === "checkin" || entry.kind === "undo") {
      const row = entry.walk_up
        ? document.querySelector(`[data-walk-up-row="${entry.walk_up}"]`)
        : document.getElementById(`signup-${f.signup}`);
      if (!row) return;
      const shiftId = shiftOf(row);
      if (entry.kind === "undo" && entry.walk_up) {
        row.remove();
        presence(shiftId, 0, -1);
        return;
      }
      const wasHere = row.classList.contains("state-here");
      const here = entry.kind === "checkin";
      if (wasHere === here) return;
      setRow(row, here, entry);
      presence(shiftId, here ? 1 : -1, 0);
    } else if (entry.kind === "walkup") {
      const list = document.getElementById(`people-${f.shift}`);
      const form = document.getElementById(`walk-up-${f.shift}`);
      if (!list || !form) return;
      const row = document.createElement("li");
      row.className = "person state-here queued";
      row.dataset.walkUpRow = entry.nonce;
      const name = document.createElement("span");
      name.className = "name";
      name.append(`${f.name} `);
      const note = document.createElement("span");
      note.className = "muted";
      note.textContent = f.is_supporter ? "(walk-up supporter)" : "(walk-up)";
      name.append(note);
      const state = document.createElement("span");
      state.className = "state here";
      state.textContent = "Here";
      const undo = document.createElement("form");
      undo.method = "post";
      undo.action = form.action;
      undo.className = "inline";
      undo.dataset.offline = "undo";
      undo.dataset.walkUp = entry.nonce;
      undo.innerHTML = '<input type="hidden" name="action" value="undo"><button type="submit" class="secondary undo">Undo</button>';
      row.append(name, state, undo);
      list.append(row);
      presence(f.shift, 0, 1);
    } else if (entry.kind === "report") {
      const timeline = document.getElementById("timeline");
      if (!timeline) return;
      const item = document.createElement("p");
      item.className = "card queued-report";
      const at = new Date(entry.at).toTimeString().slice(0, 5);
      item.textContent = `${at} · ${f.school_status || "report"} · ${f.pickets || 0} pickets — saved on this phone, waiting to send.`;
      timeline.prepend(item);
    }
  }

  // --- Queueing a tap ------------------------------------------------------------------------
  function entryFrom(form) {
    const line = (form.getAttribute("action") || location.pathname).match(/\/line\/(\d+)\//);
    const fields = {};
    new FormData(form).forEach((value, key) => {
      if (key !== "csrfmiddlewaretoken" && key !== "nonce") fields[key] = value;
    });
    const entry = { nonce: newNonce(), kind: form.dataset.offline, line: line ? Number(line[1]) : null, at: Date.now(), fields };
    if (form.dataset.walkUp) entry.walk_up = form.dataset.walkUp;
    return entry;
  }

  async function queueForm(form) {
    const entry = entryFrom(form);
    if (!entry.line) return;
    if (entry.kind === "walkup" && !(entry.fields.name || "").trim()) return;
    await queueAdd(entry);
    showEntry(entry);
    if (entry.kind === "walkup") form.reset();
    await showWaiting();
    if (navigator.onLine) sync();
    else askForBackgroundSync();
  }

  async function askForBackgroundSync() {
    try {
      const reg = await navigator.serviceWorker.ready;
      if (reg.sync) await reg.sync.register("picketline-queue");
    } catch (error) {
      /* no Background Sync: the online event and the next page load send the queue */
    }
  }

  // Capture phase: before htmx sees the submit. Offline, or with changes still waiting (so the
  // order holds), the tap joins the queue instead of going to the network.
  let waiting = 0;
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!user || !(form instanceof HTMLFormElement) || !form.dataset.offline) return;
      if (navigator.onLine && waiting === 0 && !form.dataset.walkUp) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      waiting += 1;
      queueForm(form);
    },
    true,
  );
  // Online, but the tap never reached the server: keep it rather than lose it.
  document.addEventListener("htmx:sendError", (event) => {
    const form = event.target.closest && event.target.closest("form[data-offline]");
    if (form && user) {
      waiting += 1;
      queueForm(form);
    }
  });

  // --- Sending -------------------------------------------------------------------------------
  let sending = false;
  function csrfToken() {
    const headers = body.getAttribute("hx-headers");
    try {
      return JSON.parse(headers)["X-CSRFToken"];
    } catch (error) {
      const input = document.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }
  }
  async function sync() {
    if (sending || !user || !navigator.onLine) return;
    const queue = await queueAll();
    waiting = queue.length;
    if (!queue.length) return;
    sending = true;
    say(`Sending ${plural(queue.length)}…`);
    try {
      const response = await fetch(SYNC_URL, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ actions: queue.map(({ seq, ...entry }) => entry) }),
      });
      const json = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
      if (response.status === 401 || response.status === 403 || !json) {
        // An expired session (or a token from before it): keep everything, ask to sign in.
        say(`${plural(queue.length)} waiting to send. Your session has ended.`, [], (json && json.sign_in) || "/accounts/login/");
        return;
      }
      if (!response.ok) {
        say(`${plural(queue.length)} waiting to send. ${json.message || "The server did not take them; try again shortly."}`);
        return;
      }
      const byNonce = new Map(json.results.map((r) => [r.nonce, r]));
      const done = queue.filter((entry) => byNonce.has(entry.nonce));
      await queueDelete(done.map((entry) => entry.seq));
      const problems = json.results.filter((r) => r.status === "refused").map((r) => `Not applied: ${r.message}`);
      const left = (await queueAll()).length;
      waiting = left;
      if (left) say(`${plural(left)} waiting to send.`, problems);
      else {
        say(problems.length ? "Sent, except:" : "All sent.", problems);
        document.querySelectorAll(".queued").forEach((el) => el.classList.remove("queued"));
        document.querySelectorAll(".queued-report").forEach((el) => {
          el.textContent = el.textContent.replace("saved on this phone, waiting to send.", "sent.");
        });
      }
    } catch (error) {
      say(`${plural(queue.length)} waiting to send. No connection yet.`);
    } finally {
      sending = false;
    }
  }

  // --- Sign-out clears this person's store ---------------------------------------------------
  async function clearAll() {
    try {
      if (dbPromise) (await dbPromise).close();
      await new Promise((resolve) => {
        const del = indexedDB.deleteDatabase(dbName(user));
        del.onsuccess = del.onerror = del.onblocked = () => resolve();
      });
      // The worker goes too, so the pages that follow (signed out) are not kept either.
      const registrations = await navigator.serviceWorker.getRegistrations();
      await Promise.all(registrations.map((registration) => registration.unregister()));
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("picketline-")).map((n) => caches.delete(n)));
    } catch (error) {
      /* nothing stored */
    }
    localStorage.removeItem("picketline-owner");
  }
  document.addEventListener(
    "submit",
    async (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !/\/accounts\/logout\//.test(form.action)) return;
      if (form.dataset.cleared) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (user && waiting > 0 && !window.confirm(`${plural(waiting)} not sent yet. Signing out deletes them from this phone. Sign out anyway?`)) return;
      if (user) await clearAll();
      form.dataset.cleared = "1";
      form.submit();
    },
    true,
  );

  // --- Start ---------------------------------------------------------------------------------
  async function start() {
    if (!user || !("indexedDB" in window)) return;
    // Another person signed in on this phone: the saved pages were not theirs.
    const owner = localStorage.getItem("picketline-owner");
    if (owner && owner !== user && "caches" in window) {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("picketline-")).map((n) => caches.delete(n)));
    }
    localStorage.setItem("picketline-owner", user);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.type === "sync") sync();
      });
    }
    const queue = await queueAll();
    waiting = queue.length;
    queue.forEach(showEntry);
    if (queue.length) {
      await showWaiting();
      sync();
    }
  }
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", () => showWaiting());
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
