// The office console's one script: keep the live grid from refreshing under a person
// who is typing in a filter or using the pager, and say when the server is unreachable.
document.addEventListener("htmx:beforeRequest", function (event) {
  var grid = document.getElementById("grid");
  if (grid && event.detail.elt === grid && grid.closest("main").querySelector(".filters:focus-within")) {
    event.preventDefault();
  }
});
document.addEventListener("htmx:sendError", function () {
  var count = document.querySelector(".count");
  if (count) { count.textContent = "The server cannot be reached; the list will refresh when it is back."; }
});
