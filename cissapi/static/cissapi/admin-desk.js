'use strict';
// Small fixes to Django's admin for the editors' desk (loaded by the publication and author admins).
{
    // Django adds a "You are N hours behind server time" note under every date and time field, so a form
    // with dated inline rows repeats it on each row. The first on the page says it; the others are hidden.
    function keepFirstTimezoneWarning() {
        const warnings = document.querySelectorAll('.timezonewarning');
        // The inline's template row (.empty-form) is never shown; a copy of it may be, once added.
        const shown = [...warnings].filter((warning) => !warning.closest('.empty-form'));
        shown.forEach((warning, index) => warning.classList.toggle('repeated-timezonewarning', index > 0));
    }

    // A table wider than the screen scrolls inside its box (Django's CSS); say so above the box, since
    // nothing else shows that columns are hidden to the right.
    const scrollers = '#changelist-form .results, .inline-group[data-inline-type="tabular"]';

    function showScrollHints() {
        for (const box of document.querySelectorAll(scrollers)) {
            let hint = box.previousElementSibling;
            if (!hint || !hint.classList.contains('scroll-hint')) {
                hint = document.createElement('p');
                hint.className = 'scroll-hint help';
                hint.textContent = 'Scroll sideways for more columns →';
                box.before(hint);
            }
            hint.hidden = box.scrollWidth <= box.clientWidth;
        }
    }

    // On a phone the filters come first, folded to their titles, so they are one tap away.
    function foldFiltersOnNarrowScreens() {
        if (window.matchMedia('(max-width: 767px)').matches) {
            document.querySelectorAll('#changelist-filter details').forEach((section) => { section.open = false; });
        }
    }

    // DateTimeShortcuts adds its notes in its own load handler and again for each added inline row;
    // a zero timeout runs after it either way.
    window.addEventListener('load', () => setTimeout(() => {
        keepFirstTimezoneWarning();
        showScrollHints();
        foldFiltersOnNarrowScreens();
    }));
    window.addEventListener('resize', showScrollHints);
    document.addEventListener('formset:added', () => setTimeout(() => {
        keepFirstTimezoneWarning();
        showScrollHints();
    }));
}
