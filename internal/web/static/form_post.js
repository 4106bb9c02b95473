// Submits the authorization response form of the form_post page (OAuth
// 2.0 Form Post Response Mode) once the page is parsed. It is a file, not
// inline script, so the page's Content-Security-Policy can stay
// script-src 'self'; the page's button is the fallback without script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.forms[0];
  if (form) {
    form.submit();
  }
});
