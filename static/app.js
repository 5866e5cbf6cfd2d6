/* Fairway: small enhancements; every page works without them. */
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  // A form that came back with errors: put the cursor on the first field to fix.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) { invalid.focus(); }

  // The navigation folds into a menu on narrow screens.
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.querySelector(".nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Copy buttons: <button data-copy="text" data-copied="Copied!">; the feedback is announced.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var text = button.dataset.copy;
      function done() {
        button.textContent = button.dataset.copied || "Copied!";
        setTimeout(function () { button.textContent = label; }, 4000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
      function fallback() {
        var source = document.getElementById(button.getAttribute("aria-controls") || "");
        if (source && source.select) { source.select(); document.execCommand("copy"); }
        done();
      }
    });
  });
});

// Share buttons: <button data-share="url" data-share-title="…" hidden>. Shown with JavaScript;
// the browser's share sheet (Web Share API) where there is one, else the link is copied.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-share]").forEach(function (button) {
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var url = button.dataset.share;
      function copied() {
        button.textContent = button.dataset.copied || "Copied!";
        setTimeout(function () { button.textContent = label; }, 4000);
      }
      function copy() {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(copied, selectSource);
        } else {
          selectSource();
        }
      }
      function selectSource() {
        var source = document.getElementById(button.getAttribute("aria-controls") || "");
        if (source && source.select) { source.select(); document.execCommand("copy"); }
        copied();
      }
      if (navigator.share) {
        navigator.share({ title: button.dataset.shareTitle || document.title, url: url }).catch(function (error) {
          if (!error || error.name !== "AbortError") { copy(); }
        });
      } else {
        copy();
      }
    });
  });
});
