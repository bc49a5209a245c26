// The lead page's status change: the "Why was it lost?" box shows only while "Lost" is
// chosen. Without this script the box is always there.
document.querySelectorAll("select[data-lost-toggle]").forEach((select) => {
  const box = select.form && select.form.querySelector("[data-lost-reason]");
  if (!box) return;
  const sync = () => { box.hidden = select.value !== select.dataset.lostToggle; };
  select.addEventListener("change", sync);
  sync();
});
