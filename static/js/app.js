// Loaded on every page (deferred). The page works without it: the Menu link opens the
// navigation through #site-nav, and the error summary's links still jump to the fields.
(() => {
  const button = document.querySelector("button.menu-toggle");
  const nav = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && nav) {
    const setOpen = (open) => {
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    };
    document.querySelectorAll("a.menu-toggle").forEach((link) => { link.hidden = true; });
    button.hidden = false;
    button.addEventListener("click", () => {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // After a failed submit: focus the summary; its links move focus to their field.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[href^='#']").forEach((link) => {
      link.addEventListener("click", (event) => {
        const target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        target.closest("details")?.setAttribute("open", "");
        target.focus();
        target.scrollIntoView({ block: "center" });
      });
    });
  }
})();
