/* Scan a membership card's QR code with the camera, then fill a field and submit its form.
 *
 * Markup (labels come from the server, translated):
 *   <div data-card-scan data-target="#id_number"
 *        data-method-target="#id_method"           (optional: set to "camera" on success)
 *        data-label-scan="Scan the card" data-label-stop="Stop the camera"
 *        data-label-error="The camera could not be opened."
 *        data-jsqr-src="/static/vendor/jsqr/jsQR.js">   (optional)
 *
 * The button appears only where the browser offers a camera (navigator.mediaDevices exists
 * only on HTTPS pages and on localhost). Frames are decoded with the browser's own
 * BarcodeDetector when it has one, else with jsQR (vendored; loaded on first use unless the
 * page already has it). Nothing leaves the device: the payload goes into the field and the
 * form is submitted as if the clerk had typed it. No dependencies, no build step.
 */
(function () {
  "use strict";

  var SCAN_EVERY_MS = 150; // a frame every 150 ms is plenty and spares old phones' batteries
  // Frames wider than this are scaled down before decoding. Not less: jsQR misses a card that
  // fills half of a 1280-pixel frame once the frame is scaled to 800 (tests/cards/test_reading).
  var MAX_WIDTH = 1280;

  function defaultJsqrSrc() {
    var script = document.currentScript;
    if (!script || !script.src) return "/static/vendor/jsqr/jsQR.js";
    // js/card-scan.js (or a hashed js/card-scan.<hash>.js) -> vendor/jsqr/jsQR.js
    return script.src.replace(/js\/card-scan(\.[0-9a-f]+)?\.js(\?.*)?$/, "vendor/jsqr/jsQR.js");
  }
  var JSQR_SRC = defaultJsqrSrc();
  var jsqrLoading = null;

  function loadJsqr(src) {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!jsqrLoading) {
      jsqrLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = src;
        tag.onload = function () {
          if (window.jsQR) resolve(window.jsQR);
          else reject(new Error("jsQR missing"));
        };
        tag.onerror = function () {
          jsqrLoading = null;
          reject(new Error("jsQR not loaded"));
        };
        document.head.appendChild(tag);
      });
    }
    return jsqrLoading;
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      return null;
    }
  }

  function setValue(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function submit(form) {
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  function setUp(box) {
    var target = document.querySelector(box.getAttribute("data-target") || "");
    if (!target) return;
    var labels = {
      scan: box.getAttribute("data-label-scan") || "Scan the card",
      stop: box.getAttribute("data-label-stop") || "Stop the camera",
      error: box.getAttribute("data-label-error") || "The camera could not be opened.",
    };
    var methodSelector = box.getAttribute("data-method-target");
    var jsqrSrc = box.getAttribute("data-jsqr-src") || JSQR_SRC;

    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary card-scan-button";
    button.textContent = labels.scan;
    var message = document.createElement("p");
    message.className = "card-scan-message";
    message.setAttribute("role", "alert");
    message.hidden = true;
    var video = document.createElement("video");
    video.className = "card-scan-video";
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-hidden", "true");
    video.muted = true;
    video.hidden = true;
    video.style.width = "100%";
    video.style.maxWidth = "480px";
    video.style.display = "block";
    box.appendChild(button);
    box.appendChild(video);
    box.appendChild(message);

    var stream = null;
    var timer = null;
    var canvas = null;
    var busy = false;

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      stream = null;
      video.pause();
      video.srcObject = null;
      video.hidden = true;
      button.textContent = labels.scan;
      button.setAttribute("aria-pressed", "false");
    }

    function found(text) {
      stop();
      setValue(target, text);
      if (methodSelector) {
        var method = document.querySelector(methodSelector);
        if (method) method.value = "camera";
      }
      submit(target.form);
    }

    function fail() {
      stop();
      message.textContent = labels.error;
      message.hidden = false;
    }

    function frame(detector, jsQR) {
      if (!stream) return Promise.resolve(null);
      if (!video.videoWidth) return Promise.resolve(null);
      if (detector) {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      }
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      canvas = canvas || document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      var pixels = context.getImageData(0, 0, width, height);
      var code = jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
      return Promise.resolve(code ? code.data : null);
    }

    function loop(detector, jsQR) {
      timer = window.setTimeout(function () {
        if (!stream) return;
        if (busy) return loop(detector, jsQR);
        busy = true;
        frame(detector, jsQR)
          .then(function (text) {
            busy = false;
            if (text && stream) found(text.trim());
            else if (stream) loop(detector, jsQR);
          })
          .catch(function () {
            busy = false;
            // The native detector may refuse some frames or cameras: fall back to jsQR.
            if (detector && stream) {
              loadJsqr(jsqrSrc).then(function (lib) {
                loop(null, lib);
              }, fail);
            } else if (stream) {
              loop(detector, jsQR);
            }
          });
      }, SCAN_EVERY_MS);
    }

    function start() {
      message.hidden = true;
      var detector = nativeDetector();
      var decoder = detector ? Promise.resolve(null) : loadJsqr(jsqrSrc);
      var camera = navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 } },
      });
      Promise.all([camera, decoder]).then(
        function (results) {
          stream = results[0];
          video.srcObject = stream;
          video.hidden = false;
          button.textContent = labels.stop;
          button.setAttribute("aria-pressed", "true");
          var playing = video.play();
          if (playing && playing.catch) playing.catch(function () {});
          loop(detector, results[1]);
        },
        function () {
          camera.then(function (s) {
            s.getTracks().forEach(function (track) {
              track.stop();
            });
          }, function () {});
          fail();
        }
      );
    }

    button.addEventListener("click", function () {
      if (stream) stop();
      else start();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && stream) stop();
    });
    window.addEventListener("pagehide", function () {
      if (stream) stop();
    });
  }

  function init() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    var boxes = document.querySelectorAll("[data-card-scan]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-card-scan-ready")) continue;
      boxes[i].setAttribute("data-card-scan-ready", "1");
      setUp(boxes[i]);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
