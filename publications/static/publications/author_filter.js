// The publication list's author filter (BylineAuthorFilter): choosing an author in its search box shows
// their pieces at once, as a click on a filter link would; clearing the box shows every author's again.
"use strict";
// On DOMContentLoaded, once every script of the page ran: the page's media may put this file before
// jquery.init.js, which makes django.jQuery.
document.addEventListener("DOMContentLoaded", () => {
    // select2 reports a choice as a jQuery "change" event, which addEventListener never hears.
    django.jQuery("#author-filter select").on("change", function() {
        // An empty value would be an invalid lookup: posted without it, the list drops the filter.
        this.disabled = !this.value;
        this.form.submit();
    });
});
