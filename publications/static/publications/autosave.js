// Autosave and the unsaved-changes warning of a publication's change form (PublicationAdmin.autosave_view).
// Every 30 s, and when the editor leaves the page, a form that changed since the last save or autosave is
// posted to ../autosave/, which keeps it as the editor's autosave and never touches the live piece.
// Leaving with unsaved changes asks first (the browser's own "Leave site?" dialog).
(function () {
  "use strict";
  var INTERVAL_MS = 30000;
  var match = window.location.pathname.match(/^(.*\/)change\/$/);
  if (!match) {
    return; // the add form: a piece is autosaved once it has been saved
  }
  var url = match[1] + "autosave/";

  function ready(callback) {
    if (document.readyState === "complete") {
      callback();
    } else {
      window.addEventListener("load", callback);
    }
  }

  ready(function () {
    var form = document.getElementById("publication_form");
    if (!form) {
      return;
    }

    function fields() {
      var data = new FormData(form);
      // Files are never autosaved: they are chosen again on save.
      Array.from(form.querySelectorAll("input[type=file]")).forEach(function (input) {
        data.delete(input.name);
      });
      return data;
    }

    function serialized(data) {
      return new URLSearchParams(data).toString();
    }

    // The editor rewrites its textarea once it has started, so the baseline is taken a moment later.
    var saved = null;
    var kept = null;
    var submitting = false;
    window.setTimeout(function () {
      saved = kept = serialized(fields());
    }, 500);

    function dirty(current) {
      return saved !== null && current !== saved;
    }

    function autosave(useBeacon) {
      var data = fields();
      var current = serialized(data);
      if (submitting || !dirty(current) || current === kept) {
        return;
      }
      kept = current;
      if (useBeacon && navigator.sendBeacon) {
        // The form's own csrfmiddlewaretoken travels in the body; the session cookie with the beacon.
        navigator.sendBeacon(url, data);
        return;
      }
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (response.ok) {
            form.dataset.autosavedAt = new Date().toISOString();
            form.dispatchEvent(new CustomEvent("autosaved"));
          } else {
            kept = null;
          }
        })
        .catch(function () {
          kept = null;
        });
    }

    window.setInterval(function () {
      autosave(false);
    }, INTERVAL_MS);
    form.addEventListener("submit", function () {
      submitting = true;
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        autosave(true);
      }
    });
    window.addEventListener("pagehide", function () {
      autosave(true);
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && dirty(serialized(fields()))) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
