// wbsetup: copy buttons on <pre class="copyable"> / <code class="copyable">. No inline scripts (CSP).
(function () {
  function addCopyButtons(root) {
    root.querySelectorAll("pre.copyable:not([data-copy])").forEach(function (pre) {
      pre.setAttribute("data-copy", "1");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "copy-btn secondary";
      btn.textContent = "Copy";
      btn.setAttribute("aria-label", "Copy to clipboard");
      btn.addEventListener("click", function () {
        var text = pre.innerText.replace(/\nCopy(ied)?$/, "");
        navigator.clipboard.writeText(pre.querySelector("code") ? pre.querySelector("code").innerText : text)
          .then(function () { btn.textContent = "Copied"; setTimeout(function () { btn.textContent = "Copy"; }, 1500); });
      });
      pre.parentNode.insertBefore(btn, pre);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
  document.addEventListener("htmx:afterSwap", function (e) { addCopyButtons(e.target); });
})();
