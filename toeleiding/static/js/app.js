/* Small enhancements only: every page works without JavaScript. */
(function () {
  "use strict";

  // The elfproef as you type: weights 9..2 and -1, sum divisible by 11. The server checks again.
  function elfproef(value) {
    var digits = value.replace(/[\s.]/g, "");
    if (/^\d{8}$/.test(digits)) { digits = "0" + digits; }
    if (!/^\d{9}$/.test(digits)) { return false; }
    var weights = [9, 8, 7, 6, 5, 4, 3, 2, -1], sum = 0;
    for (var i = 0; i < 9; i++) { sum += parseInt(digits[i], 10) * weights[i]; }
    return sum !== 0 && sum % 11 === 0;
  }

  document.querySelectorAll("input[data-elfproef]").forEach(function (input) {
    var live = document.getElementById(input.id + "-live");
    if (!live) { return; }
    function check(final) {
      var raw = input.value.replace(/[\s.]/g, "");
      if (raw.length < 8 && !final) { live.textContent = ""; live.className = "field__live"; return; }
      var ok = elfproef(input.value);
      live.textContent = ok ? input.dataset.msgOk : input.dataset.msgBad;
      live.className = "field__live " + (ok ? "field__live--ok" : "field__live--bad");
      input.setAttribute("aria-invalid", ok ? "false" : "true");
    }
    input.addEventListener("input", function () { check(false); });
    input.addEventListener("blur", function () { if (input.value) { check(true); } });
  });

  // Free text for "Anders": shown only when that choice is made (visible without JavaScript).
  document.querySelectorAll("[data-show-when]").forEach(function (wrapper) {
    var spec = wrapper.dataset.showWhen.split(":"), form = wrapper.closest("form");
    var rule = spec[1].split("="), name = rule[0], wanted = rule[1];
    if (!form) { return; }
    function update() {
      var chosen = form.querySelector("[name='" + name + "']:checked") || form.querySelector("select[name='" + name + "']");
      var hasError = wrapper.classList.contains("field--error");
      var textarea = wrapper.querySelector("textarea");
      var show = hasError || (chosen && chosen.value === wanted) || (textarea && textarea.value);
      wrapper.hidden = !show;
    }
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) { el.addEventListener("change", update); });
    update();
  });

  // A form is sent once: its button is disabled on submit (a double click would send the same
  // step twice), and enabled again when the page comes back from the browser's cache (Back).
  // Disabled after the submit event has run, so that a named button still goes with the form.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var buttons = form.querySelectorAll("button[data-once], input[type=submit][data-once]");
      window.setTimeout(function () {
        buttons.forEach(function (b) { b.disabled = true; b.setAttribute("aria-disabled", "true"); });
      }, 0);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-once]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-disabled"); });
  });

  // The error summary's links: focus the field itself (not only scroll to it), with its label in view.
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var details = target.closest("details");
      if (details) { details.open = true; }
      var wrapper = target.closest(".field") || target;
      wrapper.scrollIntoView();
      target.focus({preventScroll: true});
    });
  });

  // Move focus to where the user has to look: the error summary or notice; else, in an action
  // form that came back with errors, its first invalid field (focusing the field makes a screen
  // reader read its label and, through aria-describedby, its error); else the form's own alert.
  var first = document.querySelector(".error-summary, #notice");
  if (!first) {
    var invalid = document.querySelector(".action[open] [aria-invalid='true']");
    if (invalid && invalid.tagName === "FIELDSET") {
      // Radio buttons and checkboxes: the group carries the error; start at its first option.
      invalid = invalid.querySelector("input:not([type=hidden]), select, textarea") || invalid;
    }
    first = invalid || document.querySelector(".action[open] .alert--error");
  }
  if (first) {
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(first.tagName)) { first.setAttribute("tabindex", "-1"); }
    first.focus();
  }
  // A print button (data-print), e.g. on the bereik-overleg's meeting record; the page prints
  // from the browser's menu just as well.
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
