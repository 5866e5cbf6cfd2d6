/* Fairway: small enhancements; every page works without them. */
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  // A form that came back with errors: put the cursor on the first field to fix.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) { invalid.focus(); }
  // A conversation opens at its newest message, with the cursor in the compose box under it.
  var compose = document.querySelector(".thread .compose textarea");
  if (compose && !invalid) { compose.focus(); }
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "thread") {
      var box = event.detail.elt.querySelector(".compose textarea");
      if (box) { box.focus(); }
    }
  });

  // The navigation folds into a menu on narrow screens.
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.querySelector(".nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Escape closes the account menu, then the phone menu, and gives focus back to what opened it.
  var account = document.querySelector("details.account");
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    if (account && account.open) {
      account.open = false;
      account.querySelector("summary").focus();
    } else if (toggle && nav && nav.classList.contains("open")) {
      nav.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
  // A click elsewhere closes the account menu.
  document.addEventListener("click", function (event) {
    if (account && account.open && !account.contains(event.target)) { account.open = false; }
  });

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

  // In-place actions (htmx): an action refused (a 429, an expired form) is not swapped in; its
  // message is shown in the alert above the page instead.
  var actionError = document.getElementById("action-error");
  function showActionError(text) {
    if (!actionError) { return; }
    actionError.textContent = text;
    actionError.hidden = false;
  }
  document.body.addEventListener("htmx:beforeRequest", function () {
    if (actionError) { actionError.hidden = true; }
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var html = event.detail.xhr.responseText || "";
    var page = new DOMParser().parseFromString(html, "text/html");
    var heading = page.querySelector(".error-page h1, main h1");
    showActionError(heading ? heading.textContent.trim() : "That didn't work. Reload the page and try again.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showActionError("Fairway could not be reached. Check your connection and try again.");
  });

  // Asking first: a form with data-confirm opens a <dialog>; only "yes" sends it (htmx or not).
  var dialog = null;
  function askFirst(form) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-question");
      var text = document.createElement("p");
      text.id = "confirm-question";
      var buttons = document.createElement("form");
      buttons.method = "dialog";
      buttons.className = "actions";
      var yes = document.createElement("button");
      yes.value = "yes";
      yes.className = "danger";
      var no = document.createElement("button");
      no.value = "no";
      no.className = "secondary";
      no.textContent = "Keep it";
      buttons.append(yes, no);
      dialog.append(text, buttons);
      document.body.append(dialog);
    }
    dialog.querySelector("p").textContent = form.dataset.confirm;
    dialog.querySelector("button[value=yes]").textContent = form.dataset.confirmLabel || "Yes";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "yes") {
        form.dataset.confirmed = "yes";
        form.requestSubmit();
      }
    };
    dialog.showModal();
    dialog.querySelector("button[value=no]").focus();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm) { return; }
    if (form.dataset.confirmed === "yes") { delete form.dataset.confirmed; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    askFirst(form);
  }, true);

  // Live badges: every 10 s (while the page is visible) ask /api/badges for the unread counts;
  // a 304 (nothing changed since the ETag we hold) costs no body and changes nothing.
  var badgeLinks = document.querySelectorAll("a[data-badge]");
  var etag = null;
  function drawBadge(element, count, label) {
    var badge = element.querySelector(".badge");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        element.append(" ", badge);
      }
      badge.textContent = String(count);
    } else if (badge) {
      badge.remove();
    }
    if (label) {
      if (count > 0) { element.setAttribute("aria-label", label + ", " + count + " unread"); }
      else { element.removeAttribute("aria-label"); }
    }
  }
  function pollBadges() {
    if (document.hidden) { return; }
    var headers = {"Accept": "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch("/api/badges", {headers: headers, cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (response.status !== 200) { return null; }
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (counts) {
      if (!counts) { return; }
      var total = 0;
      badgeLinks.forEach(function (link) {
        var count = counts[link.dataset.badge] || 0;
        total += count;
        drawBadge(link, count, link.dataset.label);
      });
      if (toggle) {
        drawBadge(toggle, total, null);
        var badge = toggle.querySelector(".badge");
        if (badge) { badge.setAttribute("aria-hidden", "true"); }
      }
    }).catch(function () {});
  }
  if (badgeLinks.length) {
    setInterval(pollBadges, 10000);
    document.addEventListener("visibilitychange", pollBadges);
  }
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

// Time zone: while none is chosen, offer the browser's own zone (Intl) when it differs from the
// home zip's; choosing it only fills the select, saving is still the player's click.
document.addEventListener("DOMContentLoaded", function () {
  var offer = document.querySelector("button[data-browser-zone]");
  var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!offer || !zone) { return; }
  var select = document.getElementById(offer.dataset.for);
  if (!select || select.value !== "" || zone === offer.dataset.automatic) { return; }
  var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
  offer.textContent = "Use this device's zone: " + zone;
  offer.hidden = false;
  offer.addEventListener("click", function () {
    if (!known) {
      // /settings lists the common zones; the server checks any other name it is sent.
      select.appendChild(new Option(zone.replace(/_/g, " "), zone));
      known = true;
    }
    select.value = zone;
    select.focus();
  });
});
