// The booking payment's waiting page looks again every few seconds until the payment is
// confirmed (the server answers the confirmation then), for a few minutes at most.
(function () {
  "use strict";
  const waiting = document.getElementById("payment-waiting");
  if (!waiting) return;
  const every = Number(waiting.dataset.refreshSeconds) * 1000;
  const limit = Number(waiting.dataset.refreshForSeconds) * 1000;
  const key = "payment-waiting-" + waiting.dataset.checkout;
  const since = Number(sessionStorage.getItem(key)) || Date.now();
  sessionStorage.setItem(key, String(since));
  if (Date.now() - since > limit) return;
  setTimeout(function () { window.location.reload(); }, every);
})();
