// Small page behaviours shared by every page. htmx sends the CSRF token from <body hx-headers>.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const message = status === 403 ? "Your role does not allow this action."
    : status >= 500 ? "Something went wrong on our side; nothing was saved. Try again."
    : "The request could not be completed.";
  const alert = document.createElement("div");
  alert.className = "alert alert-danger alert-dismissible fade show";
  alert.setAttribute("role", "alert");
  alert.textContent = message;
  document.getElementById("main").prepend(alert);
});
