// The passkeys page: once the browser has made a new passkey and the server has kept it,
// reload so it shows in the list, ready to be named. (django-otp-webauthn's own script
// runs the ceremony; this file is the clinic's, served from its origin under the CSP.)
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
