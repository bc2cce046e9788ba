// wbsetup: copy buttons on <pre class="copyable"> / <code class="copyable">; the checks panel's fallback
// from Server-Sent Events to polling. No inline scripts (CSP).
(function () {
  function label(name, fallback) {  // the page's language: <body data-copy-label="…" …>
    return (document.body && document.body.dataset[name]) || fallback;
  }
  function addCopyButtons(root) {
    root.querySelectorAll("pre.copyable:not([data-copy])").forEach(function (pre) {
      pre.setAttribute("data-copy", "1");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "copy-btn secondary";
      var copy = label("copyLabel", "Copy");
      btn.textContent = copy;
      btn.setAttribute("aria-label", label("copyAria", "Copy to clipboard"));
      btn.addEventListener("click", function () {
        navigator.clipboard.writeText(pre.querySelector("code") ? pre.querySelector("code").innerText : pre.innerText)
          .then(function () {
            btn.textContent = label("copiedLabel", "Copied");
            setTimeout(function () { btn.textContent = copy; }, 1500);
          });
      });
      pre.parentNode.insertBefore(btn, pre);
    });
  }
  // A running checks panel listens to the run's event stream (htmx SSE extension). The server says
  // "hello" at once; when nothing arrives within FALLBACK_MS (a proxy that buffers responses holds
  // every event back), the panel switches to polling: the server renders it with hx-trigger "every".
  var FALLBACK_MS = 2000;
  function watchStream(root) {
    var panels = root.matches && root.matches("[sse-connect][data-poll]") ? [root] : [];
    if (root.querySelectorAll) {
      panels = panels.concat(Array.prototype.slice.call(root.querySelectorAll("[sse-connect][data-poll]")));
    }
    panels.forEach(function (panel) {
      var heard = false;
      panel.addEventListener("htmx:sseMessage", function () { heard = true; });
      setTimeout(function () {
        if (heard || !document.body.contains(panel)) { return; }
        htmx.ajax("GET", panel.getAttribute("data-poll"), { target: panel, swap: "outerHTML" });
      }, FALLBACK_MS);
    });
  }
  document.addEventListener("htmx:load", function (e) { watchStream(e.target); });
  document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
  document.addEventListener("htmx:afterSwap", function (e) { addCopyButtons(e.target); });
})();
