// The public reporting page: before the form is sent, find a nonce whose
// SHA-256 with the server's challenge starts with the asked-for zero bits
// (about a second here; costly for anyone sending thousands of reports).
// Uses the browser's own SHA-256 (Web Crypto), so nothing is vendored.
// Without Web Crypto (plain HTTP beyond localhost) the form goes as it would
// without this script, and the server counts it within its small allowance
// for forms sent without the work.
"use strict";

(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  const nonce = document.getElementById("nonce");
  const status = document.getElementById("pow-status");
  const challenge = form.elements.challenge.value;
  const bits = parseInt(challenge.split(".")[2], 10) || 0;
  const encoder = new TextEncoder();

  function zeroBits(bytes) {
    let n = 0;
    for (const b of bytes) {
      if (b === 0) { n += 8; continue; }
      return n + Math.clz32(b) - 24;
    }
    return n;
  }

  async function solve() {
    for (let i = 0; ; i++) {
      const digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + i));
      if (zeroBits(new Uint8Array(digest)) >= bits) return String(i);
    }
  }

  let sending = false;
  form.addEventListener("submit", async function (e) {
    if (nonce.value || !(window.crypto && crypto.subtle)) return;
    e.preventDefault();
    if (sending) return;
    sending = true;
    status.textContent = form.dataset.working || "";
    nonce.value = await solve();
    status.textContent = "";
    form.submit();
  });

  // The error summary takes focus so that a screen reader hears it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
