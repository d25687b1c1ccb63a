// The offline card verifier (claims/offline.html). A card's QR code is one line of text,
//   MUT1|<membership number>|<card serial>|<expiry yyyymmdd>|<key id>|<signature>
// (docs/decisions/0005-card-signatures.md): an Ed25519 signature, in base64url without padding,
// over everything before the last "|". This script checks it with the public keys
// (/cards/keys.json) and judges the card with the snapshot of revocations and statuses
// (claims/offline.py), both stored on the device when "Refresh the data" is pressed.
//
// Ed25519 comes from the vendored tweetnacl (old phones have no WebCrypto Ed25519). Every text
// comes translated from the page (#offline-config). A plain script, no build step: the
// Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  var PREFIX = "MUT1";
  var SEP = "|";
  var SIGNATURE_LENGTH = 64;
  var KEY_LENGTH = 32;
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var STATUSES = ["pending", "suspended", "withdrawn", "deceased", "excluded"];
  var DAY_MS = 86400000;

  var config, texts;
  var state = { keys: null, snapshot: null, revoked: {}, mutuals: {} };
  var el = {};

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function format(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, function (whole, name) {
      return params && has(params, name) ? String(params[name]) : whole;
    });
  }

  // --- Encodings ------------------------------------------------------------------------------
  // Base64url without padding, canonical only (unused trailing bits must be zero), as
  // cards.rules.parse requires. null when the text is not that.
  function b64decode(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
    var bytes = [];
    var buffer = 0;
    var bits = 0;
    for (var i = 0; i < text.length; i++) {
      buffer = (buffer << 6) | B64.indexOf(text.charAt(i));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push((buffer >> bits) & 0xff);
        buffer &= (1 << bits) - 1;
      }
    }
    if (buffer !== 0) return null;
    return new Uint8Array(bytes);
  }

  function utf8(text) {
    var binary = unescape(encodeURIComponent(text)); // throws on lone surrogates
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // --- The payload ----------------------------------------------------------------------------
  function fieldOk(value) {
    return !!value && value.indexOf(SEP) === -1 && !/[\x00-\x1f\x7f]/.test(value) &&
      value === value.replace(/^\s+|\s+$/g, "");
  }

  function expiryOk(text) {
    if (!/^\d{8}$/.test(text)) return false;
    var y = +text.slice(0, 4);
    var m = +text.slice(4, 6);
    var d = +text.slice(6, 8);
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    var last = new Date(Date.UTC(2000, m, 0)).getUTCDate(); // days in month (leap year base)
    if (m === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    return d <= last;
  }

  // {claims, message, signature} or null when the text is not a card's payload.
  function parse(payload) {
    var parts = payload.split(SEP);
    if (parts.length !== 6 || parts[0] !== PREFIX) return null;
    var claims = { number: parts[1], serial: parts[2], expiry: parts[3], keyId: parts[4] };
    if (!expiryOk(claims.expiry)) return null;
    if (!fieldOk(claims.number) || !fieldOk(claims.serial) || !fieldOk(claims.keyId)) return null;
    var signature = b64decode(parts[5]);
    if (!signature || signature.length !== SIGNATURE_LENGTH) return null;
    var message;
    try {
      message = utf8(payload.slice(0, payload.lastIndexOf(SEP)));
    } catch (e) {
      return null;
    }
    return { claims: claims, message: message, signature: signature };
  }

  function isoDay(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + two(date.getMonth() + 1) + two(date.getDate());
  }

  function mutualCode(number) {
    var dash = number.lastIndexOf("-");
    return dash > 0 ? number.slice(0, dash).toUpperCase() : "";
  }

  // The outcome code of a payload, with the card's claims when it could be read.
  function judge(payload) {
    var parsed = parse(payload);
    if (!parsed) return { code: "malformed" };
    var claims = parsed.claims;
    if (!has(state.keys, claims.keyId)) return { code: "unknown_key", claims: claims };
    if (!window.nacl.sign.detached.verify(parsed.message, parsed.signature, state.keys[claims.keyId])) {
      return { code: "bad_signature", claims: claims };
    }
    if (has(state.revoked, claims.serial)) return { code: "revoked", claims: claims };
    // A wrong clock on the device must not revive a card: never judge before the data's day.
    var today = isoDay(new Date());
    var dataDay = state.snapshot.on.replace(/-/g, "");
    if (claims.expiry < (today > dataDay ? today : dataDay)) return { code: "expired", claims: claims };
    var statuses = state.snapshot.s;
    if (has(statuses, claims.number)) {
      var status = statuses[claims.number];
      return { code: STATUSES.indexOf(status) !== -1 ? status : "inactive", claims: claims };
    }
    if (!has(state.mutuals, mutualCode(claims.number))) {
      return { code: "unknown_mutual", claims: claims };
    }
    return { code: "valid", claims: claims };
  }

  // --- Dates shown ----------------------------------------------------------------------------
  function showDay(yyyymmdd) {
    var day = new Date(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6) - 1, +yyyymmdd.slice(6, 8));
    try {
      return day.toLocaleDateString(config.lang, { year: "numeric", month: "long", day: "numeric" });
    } catch (e) {
      return yyyymmdd.slice(6, 8) + "/" + yyyymmdd.slice(4, 6) + "/" + yyyymmdd.slice(0, 4);
    }
  }

  function showMoment(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) return iso;
    try {
      return moment.toLocaleString(config.lang, {
        year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit"
      });
    } catch (e) {
      return iso;
    }
  }

  // --- Storage (per user: a shared device keeps each clerk's data apart) ----------------------
  function storageKey(name) {
    return "mutuelle.offline." + config.user + "." + name;
  }

  function load(name) {
    try {
      var text = window.localStorage.getItem(storageKey(name));
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  function save(name, value) {
    window.localStorage.setItem(storageKey(name), JSON.stringify(value));
  }

  function validSnapshot(snapshot) {
    return !!snapshot && snapshot.v === 1 && typeof snapshot.at === "string" &&
      /^\d{4}-\d{2}-\d{2}$/.test(snapshot.on) && snapshot.m instanceof Array &&
      snapshot.r instanceof Array && typeof snapshot.s === "object" && snapshot.s !== null;
  }

  // {key id: base64url public key} from /cards/keys.json.
  function keysFrom(body) {
    var keys = {};
    var list = (body && body.keys) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i] && list[i].algorithm === "Ed25519" && typeof list[i].key_id === "string") {
        keys[list[i].key_id] = list[i].public_key;
      }
    }
    return keys;
  }

  function use(keys, snapshot) {
    var decoded = {};
    for (var id in keys) {
      if (!has(keys, id)) continue;
      var raw = b64decode(String(keys[id]));
      if (raw && raw.length === KEY_LENGTH) decoded[id] = raw;
    }
    var revoked = {};
    for (var i = 0; i < snapshot.r.length; i++) revoked[snapshot.r[i]] = true;
    var mutuals = {};
    for (var j = 0; j < snapshot.m.length; j++) mutuals[snapshot.m[j][0]] = snapshot.m[j][1];
    state = { keys: decoded, snapshot: snapshot, revoked: revoked, mutuals: mutuals };
  }

  // --- Showing --------------------------------------------------------------------------------
  function showData() {
    var snapshot = state.snapshot;
    if (!snapshot) {
      el.dataDate.textContent = texts.no_data;
      el.dataWarning.hidden = true;
      el.mutuals.hidden = true;
      return;
    }
    el.dataDate.textContent = format(texts.data_of, { date: showMoment(snapshot.at) });
    var age = (Date.now() - new Date(snapshot.at).getTime()) / DAY_MS;
    el.dataWarning.textContent = format(texts.stale, { days: config.stale_days });
    el.dataWarning.hidden = !(age > config.stale_days);
    var names = [];
    for (var i = 0; i < snapshot.m.length; i++) names.push(snapshot.m[i][1]);
    el.mutuals.textContent = format(texts.mutuals, { names: names.join(", ") });
    el.mutuals.hidden = names.length === 0;
  }

  function showLink() {
    var offline = navigator.onLine === false;
    el.link.textContent = offline ? texts.offline : "";
    el.link.hidden = !offline;
  }

  var OUTCOME_KIND = { valid: "ok", unknown_mutual: "warn", need_data: "warn", empty: "warn" };
  var FORGED = { malformed: true, unknown_key: true, bad_signature: true };

  function fact(label, value) {
    var dt = document.createElement("dt");
    dt.textContent = label;
    var dd = document.createElement("dd");
    dd.textContent = value;
    el.facts.appendChild(dt);
    el.facts.appendChild(dd);
  }

  function showResult(outcome) {
    var code = outcome.code;
    var claims = outcome.claims;
    var params = {
      date: state.snapshot ? showMoment(state.snapshot.at) : "",
    };
    if (claims && code === "expired") params.date = showDay(claims.expiry);
    el.result.className = "offline-box " + (OUTCOME_KIND[code] || "bad");
    el.result.setAttribute("data-outcome", code);
    el.resultTitle.textContent = texts[code] || code;
    el.resultDetail.textContent = has(texts, code + "_detail") ? format(texts[code + "_detail"], params) : "";
    el.facts.textContent = "";
    // What a forged card claims is not shown: it would read as if it were confirmed.
    if (claims && !FORGED[code]) {
      fact(texts.number, claims.number);
      if (expiryOk(claims.expiry)) fact(texts.expiry, showDay(claims.expiry));
      fact(texts.serial, claims.serial);
      var code2 = mutualCode(claims.number);
      if (has(state.mutuals, code2)) fact(texts.mutual, state.mutuals[code2]);
    }
    if (state.snapshot) fact(texts.checked_with, showMoment(state.snapshot.at));
    el.result.hidden = false;
  }

  function check(event) {
    if (event) event.preventDefault();
    var payload = el.payload.value.replace(/^\s+|\s+$/g, "");
    if (!payload) {
      showResult({ code: "empty" });
    } else if (!state.snapshot || !state.keys) {
      showResult({ code: "need_data" });
    } else {
      showResult(judge(payload));
    }
    el.payload.select(); // the next scan replaces the code
  }

  // --- Refreshing -----------------------------------------------------------------------------
  function getJSON(url) {
    return window.fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("text/html") === 0) throw new Error("login");
      if (!response.ok || type.indexOf("application/json") !== 0) throw new Error("failed");
      var copy = response.headers.get("X-Mutuelle-Offline-Copy") === "1";
      return response.json().then(function (body) {
        return { body: body, copy: copy };
      });
    });
  }

  function say(code, params) {
    el.message.textContent = format(texts[code], params);
    el.message.setAttribute("data-code", code);
  }

  function refresh() {
    var before = state.snapshot;
    el.refresh.disabled = true;
    el.refresh.setAttribute("aria-busy", "true");
    say("refreshing");
    Promise.all([getJSON(config.keys_url), getJSON(config.snapshot_url)]).then(function (answers) {
      var keys = keysFrom(answers[0].body);
      var snapshot = answers[1].body;
      if (!validSnapshot(snapshot)) throw new Error("failed");
      var copy = answers[0].copy || answers[1].copy;
      if (copy && before && new Date(before.at).getTime() >= new Date(snapshot.at).getTime()) {
        // The service worker answered with its copy: the server was not reached.
        say("not_refreshed", { date: showMoment(before.at) });
        return;
      }
      try {
        save("keys", keys);
        save("snapshot", snapshot);
      } catch (e) {
        use(keys, snapshot); // usable until the page is closed
        showData();
        throw new Error("storage");
      }
      use(keys, snapshot);
      showData();
      if (copy) say("not_refreshed", { date: showMoment(snapshot.at) });
      else say("refreshed", { date: showDay(snapshot.on.replace(/-/g, "")) });
    }).catch(function (error) {
      var reason = error && error.message;
      say(reason === "login" ? "login_needed" : reason === "storage" ? "storage_full" : "refresh_failed");
    }).then(function () {
      el.refresh.disabled = false;
      el.refresh.removeAttribute("aria-busy");
      document.documentElement.setAttribute("data-offline-refreshed", String(Date.now()));
    });
  }

  // --- Start ----------------------------------------------------------------------------------
  function start() {
    var node = document.getElementById("offline-config");
    if (!node) return;
    config = JSON.parse(node.textContent);
    texts = config.texts;
    el = {
      link: document.getElementById("offline-link"),
      dataDate: document.getElementById("offline-data-date"),
      dataWarning: document.getElementById("offline-data-warning"),
      mutuals: document.getElementById("offline-mutuals"),
      message: document.getElementById("offline-data-message"),
      refresh: document.getElementById("offline-refresh"),
      form: document.getElementById("offline-check"),
      payload: document.getElementById("offline-payload"),
      result: document.getElementById("offline-result"),
      resultTitle: document.getElementById("offline-result-title"),
      resultDetail: document.getElementById("offline-result-detail"),
      facts: document.getElementById("offline-result-facts"),
    };
    var keys = load("keys");
    var snapshot = load("snapshot");
    if (keys && validSnapshot(snapshot)) use(keys, snapshot);
    showData();
    showLink();
    window.addEventListener("online", showLink);
    window.addEventListener("offline", showLink);
    el.refresh.addEventListener("click", refresh);
    el.form.addEventListener("submit", check);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.worker_url, { scope: config.scope }).catch(function () {});
    }
    document.documentElement.setAttribute("data-offline-verifier", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
