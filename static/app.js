// wbsetup: copy buttons on <pre class="copyable"> / <code class="copyable">. No inline scripts (CSP).
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
  document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
  document.addEventListener("htmx:afterSwap", function (e) { addCopyButtons(e.target); });
})();
