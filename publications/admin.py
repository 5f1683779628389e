from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from adminsortable2.admin import CustomInlineFormSetMixin, SortableAdminBase, SortableTabularInline
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from authors.models import Author
from cissapi.public_site import is_served
from cissapi.revisions import history_entries, new_revision
from cissapi.richtext import EDITOR_HELP_TEXT, editor_widget, page_media
from cissapi.trash import TrashAdminMixin, TrashFilter
from cissapi.uploads import clean_pdf_upload, uploads_not_kept
from media.admin import thumbnail_html
from media.checks import publication_image_problems
from media.pdf import check_pdf
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.preview import preview_token
from publications.querysets import PublicationQuerySet
from publications.readiness import PublicationNotReady, Readiness, publication_readiness
from publications.revisions import (
    changed_fields,
    changed_labels,
    newest_autosave,
    related_snapshot,
    revisions_of,
)
from publications.services import (
    CHANGE_PERMISSION,
    can_publish,
    publication_approve,
    publication_autosave,
    publication_correct,
    publication_create,
    publication_delete,
    publication_publish,
    publication_restore,
    publication_restore_revision,
    publication_restore_withdrawn,
    publication_revoke_previews,
    publication_schedule,
    publication_send_back,
    publication_submit,
    publication_trash,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from publications.workflow import (
    EDIT_ANY_PERMISSION,
    PUBLISH_PERMISSION,
    REVIEW_PERMISSION,
    TRANSITIONS,
    WRITE_PERMISSION,
    Action,
    available_actions,
    editable_by,
    may_edit,
    permission_refusal,
    state_refusal,
    transition_between,
)

# Shown when the byline or cross-posts could not be saved as submitted (someone else changed them meanwhile).
RELATED_CONFLICT = (
    "The authors or cross-posts of this publication were changed by someone else while you were editing, "
    "so nothing was saved. Check them against what you typed and save again."
)


# The constraints of the byline and cross-post rows; an IntegrityError on another (a slug taken meanwhile)
# is not the inlines' conflict.
RELATED_CONSTRAINTS = frozenset(
    {
        "publicationauthor_unique_position",
        "publicationauthor_unique_author",
        "crosspost_one_canonical",
        "crosspost_unique_url",
    }
)

# The delete confirmation counts what goes with a piece as an editor would say it ("4 byline entries"):
# the byline model's own name, "author", reads as if the authors themselves were deleted (they are kept).
DELETED_NAMES: dict[type[Model], tuple[str, str]] = {
    PublicationAuthor: ("byline entry", "byline entries"),
    Publication.topics.through: ("topic filing", "topic filings"),
}


def editor(request: HttpRequest) -> AbstractUser:
    """Who is acting: the admin answers signed-in staff only, never an anonymous request."""
    return cast(AbstractUser, request.user)


class RelatedConflict(Exception):
    """A database constraint refused the inlines as submitted; the form is shown again with an error."""


def edit_version(publication_id: int) -> str:
    """A token of the publication's stored row, private fields included: it changes with any save that
    changes a field, public or not (`updated_at` moves only with public ones)."""
    fields = [field.attname for field in Publication._meta.concrete_fields if field.name != "search_vector"]
    row = Publication.objects.filter(pk=publication_id).values_list(*fields).first()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:32]


def revisions_since(publication: Publication, revision_id: int | None) -> list:
    """The saved revisions newer than `revision_id`, oldest first."""
    newer = revisions_of(publication)
    if revision_id is not None:
        newer = newer.filter(history_id__gt=revision_id)
    return list(reversed(newer[:50]))


def edit_conflict_message(publication: Publication, loaded_revision: int | None) -> str:
    """Who saved the piece after the editor loaded it, when, and what they changed."""
    newer = revisions_since(publication, loaded_revision)
    if not newer:
        return (
            "Someone else saved this publication after you opened it. Copy your changes, "
            "reload the page and apply them again, so neither edit is lost."
        )
    loaded = publication.history.filter(history_id=loaded_revision).first()
    names = sorted({str(revision.history_user or "a script") for revision in newer})
    changed = changed_labels(loaded, newer[-1]) if loaded is not None else []
    when = timezone.localtime(newer[-1].history_date)
    return (
        f"Someone else ({' and '.join(names)}) saved this publication at {when:%Y-%m-%d %H:%M} "
        "after you opened it"
        + (f", changing {', '.join(changed)}" if changed else "")
        + ". Nothing was saved. Their version and yours are side by side below: copy what you need "
        "from theirs into the form, or reload the page to start from theirs."
    )


def typed_related(form: forms.ModelForm, formsets: list) -> dict:
    """The byline (in the order typed), topics and cross-posts as submitted in a change form."""
    rows: dict[type, list] = {PublicationAuthor: [], CrossPost: []}
    for formset in formsets:
        for row_form in formset.forms:
            if not row_form.is_valid() or not row_form.cleaned_data or row_form.cleaned_data.get("DELETE"):
                continue
            rows.setdefault(formset.model, []).append(row_form.instance)
    topics = form.cleaned_data.get("topics") if hasattr(form, "cleaned_data") else None
    if topics is None:
        topics = form.instance.topics.all() if form.instance.pk else []
    return related_snapshot(
        byline=sorted(rows[PublicationAuthor], key=lambda row: row.position),
        topics=list(topics),
        cross_posts=rows[CrossPost],
    )


class StateFilter(admin.SimpleListFilter):
    """The states an editor thinks in; "published" alone hides whether a piece is live or only scheduled."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        Status = Publication.Status
        steps = [Status.DRAFT, Status.RETURNED, Status.IN_REVIEW, Status.APPROVED]
        return [
            *((status.value, status.label) for status in steps),
            ("scheduled", "Scheduled"),
            ("live", "Live"),
            (Status.WITHDRAWN.value, Status.WITHDRAWN.label),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        # The changelist starts from Publication.objects, whose querysets know the published rule.
        queryset = cast(PublicationQuerySet, queryset)
        match self.value():
            case "draft" | "returned" | "in_review" | "approved" | "withdrawn":
                return queryset.filter(status=self.value())
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
        return queryset


class WaitingFilter(admin.SimpleListFilter):
    """ "Waiting for me": what the person's role has to act on next (the admin index links here)."""

    title = "waiting"
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("me", "Waiting for me")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        if self.value() != "me":
            return queryset
        return queryset.filter(waiting_for_q(request.user))


class BylineAuthorFilter(admin.RelatedFieldListFilter):
    """The pieces with one author on their byline, the author chosen in a search box (the byline picker's
    autocomplete, django.contrib.admin's select2) rather than from a link per author.

    A link per author drew 2,000 links in the sidebar at the bench catalogue's size (most of the page's time,
    and no one scrolls them); the box asks for authors as they are typed. Beside it, "All" and "-" (pieces
    with no author) stay links, as Django's filter gives them; the author chosen shows in the box."""

    template = "admin/publications/publication/author_filter.html"
    # The parameters the box itself does not post, kept as they are when an author is chosen.
    dropped_parameters = frozenset({"p", "e"})

    def __init__(
        self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str
    ) -> None:
        self.admin_site = model_admin.admin_site
        super().__init__(field, request, params, model, model_admin, field_path)
        dropped = {*self.dropped_parameters, self.lookup_kwarg, self.lookup_kwarg_isnull}
        self.kept_parameters = [
            (name, value) for name, values in request.GET.lists() if name not in dropped for value in values
        ]

    # The stubs' choices are (str, str or lazy str).
    def field_choices(  # type: ignore[override]
        self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[Any, str]]:
        """None as links: the box shows the chosen author."""
        return []

    def has_output(self) -> bool:
        return True

    def search_box(self) -> str:
        """The autocomplete of authors, showing the chosen one (one query, only when one is chosen)."""
        widget = AutocompleteSelect(self.field, self.admin_site, attrs={"data-width": "100%"})
        chosen = [value for value in self.lookup_val or [] if value.isdigit()][:1]
        box = forms.ModelChoiceField(queryset=Author.objects.all(), widget=widget, required=False)
        return box.widget.render(
            self.lookup_kwarg, chosen[0] if chosen else None, {"id": "author-filter-box"}
        )

    @property
    def media(self) -> forms.Media:
        return AutocompleteSelect(self.field, self.admin_site).media + forms.Media(
            js=["publications/author_filter.js"]
        )


def waiting_for_q(user: AbstractUser | AnonymousUser) -> Q:
    """The pieces waiting for `user`: publishers the approved, editors those in review, contributors their
    own pieces sent back. Someone with several roles gets each role's pieces."""
    waiting = Q(pk__in=[])
    if user.has_perm(PUBLISH_PERMISSION):
        waiting |= Q(status=Publication.Status.APPROVED)
    if user.has_perm(REVIEW_PERMISSION):
        waiting |= Q(status=Publication.Status.IN_REVIEW)
    if user.has_perm(WRITE_PERMISSION):
        waiting |= Q(status=Publication.Status.RETURNED, created_by=user.pk)
    return waiting


class AuthorshipForm(forms.ModelForm):
    class Meta:
        model = PublicationAuthor
        fields = ["author", "role", "position"]
        help_texts = {
            "role": "Independent of the order: the first author need not be the main author. "
            "Drag rows by their handle to reorder the byline."
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if self.instance._state.adding:
            # A new row starts blank rather than at the model's 0, which would put it first.
            self.initial["position"] = None

    @property
    def changed_data(self) -> list[str]:
        changed = super().changed_data
        # The formset renumbers the whole byline; a row whose number moved is saved even if the editor
        # did not touch it, or it would keep its old number and clash with the row that took it.
        renumbered = not self.instance._state.adding and self.instance.position != self.initial.get(
            "position"
        )
        return [*changed, "position"] if renumbered and "position" not in changed else changed

    def _get_validation_exclusions(self) -> set[str]:
        # Positions are renumbered by the formset and checked by a deferred constraint at commit,
        # so two authors may swap places in one save.
        # Django's private hook for which fields validate_unique() skips; not in the stubs.
        return {*super()._get_validation_exclusions(), "position"}  # type: ignore[misc]


class AuthorshipFormSet(CustomInlineFormSetMixin, forms.BaseInlineFormSet):
    """The byline's rows, ordered by dragging (django-admin-sortable2 fills the hidden `position` with
    1, 2, 3... in the dragged order; a new row's is blank), renumbered whole in `clean`."""

    def clean(self) -> None:
        kept = [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

        def byline_order(item: tuple[int, forms.ModelForm]) -> tuple[bool, int, int]:
            index, form = item
            position = form.cleaned_data.get("position")
            # Numbered rows by number, ties in row order; rows left blank after them, in row order.
            return (position is None, position or 0, index)

        # The byline order is what the editor chose; the numbers become 0, 1, 2... without gaps or ties,
        # and every row whose number changes is saved (see AuthorshipForm.changed_data).
        for rank, (_, form) in enumerate(sorted(kept, key=byline_order)):
            form.cleaned_data["position"] = rank
            form.instance.position = rank
        super().clean()

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> PublicationAuthor:
        # Positions are final after clean; sortable2's own save_new would move a new row numbered 0 (the
        # first of a new byline) behind the stored rows, clashing with the second new row.
        return forms.BaseInlineFormSet.save_new(self, form, commit)


class AuthorshipInline(SortableTabularInline):
    model = PublicationAuthor
    form = AuthorshipForm
    formset = AuthorshipFormSet
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "byline (drag a saved row by its handle to reorder; new authors go last)"


class CrossPostFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        canonical = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_canonical")
        ]
        if len(canonical) > 1:
            raise ValidationError("Only one cross-post can be the canonical source.")


class CrossPostInline(admin.TabularInline):
    model = CrossPost
    formset = CrossPostFormSet
    autocomplete_fields = ["outlet"]
    fields = ["outlet", "url", "relation", "published_on", "is_canonical"]
    extra = 0


class PublicationForm(forms.ModelForm):
    # The version of the row the editor's form was loaded with: a save over someone else's newer edit is
    # refused instead of silently overwriting it.
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The newest revision when the form was loaded: a refused save says what was changed since.
    loaded_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The new slug of a live piece the editor has been warned about: the save after the warning goes through.
    confirmed_slug = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Publication
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose the fields shown)
        widgets = {"body": editor_widget()}
        help_texts = {"body": EDITOR_HELP_TEXT}

    # Set by PublicationAdmin on a second attempt, after the database refused the first one's inlines,
    # or the publish service refused the piece as not ready to go live (its blocking problems).
    related_conflict = False
    not_ready: tuple[str, ...] = ()
    # Set by clean() when someone else saved the piece after the form was loaded.
    conflict = False
    # The status the piece has as stored (PublicationAdmin.get_form), to name the transition an edit means,
    # and who is editing, whose permission that transition needs.
    stored_status: str | None = None
    acting_user: AbstractUser | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_version"].initial = edit_version(self.instance.pk)
            self.fields["loaded_revision"].initial = (
                revisions_of(self.instance).values_list("history_id", flat=True).first()
            )

    def clean_pdf(self) -> object:
        upload = clean_pdf_upload(self.cleaned_data.get("pdf"))
        if isinstance(upload, UploadedFile):
            check_pdf(upload)
        return upload

    def clean(self) -> dict:
        # A ModelForm's clean() returns its cleaned_data; the stubs allow None, which subclasses may return.
        cleaned = cast(dict[str, Any], super().clean())
        if self.related_conflict:
            raise ValidationError(RELATED_CONFLICT)
        if self.not_ready:
            raise ValidationError(
                [
                    "It cannot go live yet, so nothing was saved:",
                    *self.not_ready,
                    "Fix these, or save it as a draft.",
                ]
            )
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded and edit_version(self.instance.pk) != loaded:
            self.conflict = True
            raise ValidationError(edit_conflict_message(self.instance, cleaned.get("loaded_revision")))
        self._confirm_live_slug_change(cleaned.get("slug"))
        if cleaned.get("status") == Publication.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", "Set when it goes live (now or a future time to schedule it).")
        going_live = cleaned.get("status") == Publication.Status.PUBLISHED and (
            self.instance.pk is None or "status" in self.changed_data
        )
        if going_live:
            shown = SimpleNamespace(lead_image=cleaned.get("lead_image"), body=cleaned.get("body", ""))
            for problem in publication_image_problems(shown):
                self.add_error("status", problem)
        status, source = cleaned.get("status"), self.stored_status or Publication.Status.DRAFT
        if status and status != source:
            at = cleaned.get("published_at")
            transition = transition_between(source, status, scheduled=bool(at and at > timezone.now()))
            if transition is None or transition.needs_comment:
                self.add_error(
                    "status",
                    f"A piece cannot go from {Publication.Status(source).label} to "
                    f"{Publication.Status(status).label} here; use the workflow buttons.",
                )
            elif refusal := permission_refusal(
                transition, user=self.acting_user, owner_id=self.instance.created_by_id, status=source
            ):
                # As the service would refuse it, but next to the field with the typing kept, not a 403 page.
                self.add_error("status", refusal)
        return cleaned

    def _confirm_live_slug_change(self, slug: str | None) -> None:
        """A live piece's new slug is refused once with a warning; saving again confirms it."""
        stored = Publication.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        if stored is None or not stored.is_live or not slug or slug == stored.slug:
            return
        if self.cleaned_data.get("confirmed_slug") == slug:
            return
        # The next submit carries the confirmation (a bound form renders its data).
        # A bound form's data is the request's QueryDict, which the stubs type as a read-only Mapping.
        self.data = cast(QueryDict, self.data).copy()
        self.data[self.add_prefix("confirmed_slug")] = slug
        self.add_error(
            "slug",
            f"This publication is live at “{stored.slug}”. Links to that address will redirect to “{slug}” "
            "(the API answers the old slug with a 301), but shared links and search results show the old "
            "one for a while. Save again to change the slug.",
        )


@admin.register(Publication)
class PublicationAdmin(TrashAdminMixin, SortableAdminBase, admin.ModelAdmin):
    form = PublicationForm
    inlines = [AuthorshipInline, CrossPostInline]
    list_display = [
        "lead_image_thumbnail", "title", "type", "state", "published_at", "byline", "series", "updated_at",
        "public_link",
    ]  # fmt: skip
    list_display_links = ["title"]
    list_filter = [
        TrashFilter,
        WaitingFilter,
        StateFilter,
        "type",
        "topics",
        "series",
        ("authors", BylineAuthorFilter),
        "language",
    ]
    list_select_related = ["series", "lead_image"]
    date_hierarchy = "published_at"
    # Words go through the API's full-text search (get_search_results); these are matched as typed.
    search_fields = ["slug", "doi", "report_number"]
    search_help_text = (
        'Words in the title, summary, authors\' names or body, in any form ("astronauts" finds '
        '"astronaut"; "quoted phrase", -excluded, or); or a slug, DOI or report number.'
    )
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "series", "lead_image"]
    readonly_fields = [
        "uuid", "first_published_at", "created_at", "updated_at", "word_count", "lead_image_preview",
        "pdf_size", "pdf_pages", "old_addresses",
    ]  # fmt: skip
    actions = ["submit", "approve", "publish", "unpublish", "revoke_previews", "restore", "empty_trash"]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        # The byline follows this first fieldset (change_form.html), before the body.
        (None, {"fields": ["type", "title", "subtitle", "slug", "summary"]}),
        ("Text", {"fields": ["body", "language"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "comments_enabled",
                    "loaded_version",
                    "loaded_revision",
                    "confirmed_slug",
                ],
                "description": "Draft and In review are never public. Published with a future time is "
                "scheduled: it goes live by itself at that time.",
            },
        ),
        ("Classification", {"fields": ["topics", "series", "volume", "issue"]}),
        (
            "Image",
            {
                "fields": ["lead_image", "lead_image_preview"],
                "description": "Chosen from the media library (type to search its alt text, caption or "
                "credit); upload new images there.",
            },
        ),
        (
            "Identifiers and files",
            {"fields": ["doi", "report_number", "pdf", "pdf_size", "pdf_pages"], "classes": ["collapse"]},
        ),
        ("Editors only", {"fields": ["internal_notes"]}),
        (
            "Record",
            {
                "fields": [
                    "uuid",
                    "first_published_at",
                    "created_at",
                    "updated_at",
                    "word_count",
                    "old_addresses",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    class Media:
        # The desk's fixes to Django's admin: one time-zone note per page, narrow-screen layout.
        css = {"all": ["cissapi/admin-desk.css", "cissapi/revisions.css"]}
        # autosave.js: autosaves a change form every 30 s and on leaving; warns before unsaved changes go.
        js = ["cissapi/admin-desk.js", "publications/autosave.js"]

    @admin.display(description="Image")
    def lead_image_thumbnail(self, publication: Publication) -> str:
        return thumbnail_html(publication.lead_image, size=48)

    @admin.display(description="Preview")
    def lead_image_preview(self, publication: Publication) -> str:
        return thumbnail_html(publication.lead_image, size=160)

    @admin.display(description="Old addresses")
    def old_addresses(self, publication: Publication) -> str:
        """The addresses the piece had on the site it was imported from (each redirects here while live).
        Read-only beside the form, like the workflow history: an inline's formset every POST would carry."""
        paths = [(legacy.path,) for legacy in publication.legacy_paths.all()] if publication.pk else []
        return format_html_join(mark_safe("<br>"), "{}", paths) or "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Publication | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # Publishing is its own permission: without it the state and time are shown but not in the form,
        # so a crafted POST cannot set them either.
        return fields if can_publish(request.user) else [*fields, "status", "published_at"]

    def has_publish_permission(self, request: HttpRequest) -> bool:
        """Whether the user may publish, schedule and unpublish (the actions ask for "publish")."""
        return can_publish(request.user)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(WRITE_PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj: Publication | None = None) -> bool:
        # Contributors change their own pieces while draft or sent back (publications.workflow.may_edit).
        if super().has_change_permission(request, obj):
            return True
        if not request.user.has_perm(WRITE_PERMISSION):
            return False
        return obj is None or may_edit(request.user, status=obj.status, owner_id=obj.created_by_id)

    def workflow_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One workflow button: the service decides (a crafted POST for a hidden button is refused there)."""
        return require_POST(self._take_workflow_action)(request, object_id)

    def _take_workflow_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        publication = get_object_or_404(self.get_queryset(request), pk=object_id)
        by, comment = editor(request), request.POST.get("comment", "")
        services = {
            Action.SUBMIT: lambda: publication_submit(publication=publication, by=by),
            Action.SEND_BACK: lambda: publication_send_back(publication=publication, by=by, comment=comment),
            Action.APPROVE: lambda: publication_approve(publication=publication, by=by, comment=comment),
            Action.PUBLISH: lambda: publication_publish(publication=publication, by=by, at=timezone.now()),
            Action.SCHEDULE: lambda: publication_schedule(
                publication=publication, by=by, at=_parse_local(request.POST.get("at", ""))
            ),
            Action.UNPUBLISH: lambda: publication_unpublish(publication=publication, by=by),
            Action.WITHDRAW: lambda: publication_withdraw(publication=publication, by=by, notice=comment),
            Action.RESTORE: lambda: publication_restore_withdrawn(publication=publication, by=by),
            "correct": lambda: publication_correct(publication=publication, by=by, text=comment),
        }
        take = services.get(request.POST.get("action", ""))
        if take is None:
            self.message_user(request, "Unknown workflow action.", messages.ERROR)
        else:
            try:
                take()
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"“{publication}”: {_done_message(publication)}.", messages.SUCCESS
                )
        return HttpResponseRedirect(reverse("admin:publications_publication_change", args=[publication.pk]))

    def get_form(self, request: HttpRequest, obj: Publication | None = None, change: bool = False, **kwargs):
        # A subclass of self.form, PublicationForm.
        form = cast(type[PublicationForm], super().get_form(request, obj, change, **kwargs))
        # get_form builds a new class per request, so the flag never leaks to another request.
        form.related_conflict = getattr(request, "publication_related_conflict", False)
        form.not_ready = getattr(request, "publication_not_ready", ())
        form.stored_status = obj.status if obj is not None else None
        form.acting_user = editor(request)
        return form

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RelatedConflict:
            # The first attempt was rolled back whole; the same POST is shown again, as typed, with an
            # error, instead of a 500 that loses the edit.
            # A flag on this request only, read back by get_form() on the second attempt.
            request.publication_related_conflict = True  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PublicationNotReady as error:
            # Going live from the form (status Published) with blocking problems: rolled back likewise,
            # and shown again with the problems.
            # A flag on this request only, read back by get_form() on the second attempt.
            request.publication_not_ready = tuple(error.messages)  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Publication, form, change: bool) -> None:
        """Nothing yet: save_related saves the piece with its byline, topics and cross-posts in one service
        call, so the side effects (search vector, change log) run once for the whole submission."""

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The newest revision before this save: construct_change_message compares the save's against it.
        # An attribute of this request only, read back with getattr (HttpRequest declares no such attribute).
        request.revision_before = revisions_of(form.instance).values_list("history_id", flat=True).first()  # type: ignore[attr-defined]
        rows = {}
        for formset in formsets:
            # commit=False: the service saves them; the formset still records what changed for the history.
            rows[formset.model] = (formset.save(commit=False), formset.deleted_objects)
        byline, byline_removed = rows.get(PublicationAuthor, ([], []))
        cross_posts, cross_posts_removed = rows.get(CrossPost, ([], []))
        topics = form.cleaned_data.get("topics")
        try:
            with transaction.atomic():
                if change:
                    publication_update(
                        publication=form.instance,
                        by=editor(request),
                        byline=byline,
                        byline_removed=byline_removed,
                        topics=topics,
                        cross_posts=cross_posts,
                        cross_posts_removed=cross_posts_removed,
                    )
                else:
                    publication_create(
                        publication=form.instance,
                        by=editor(request),
                        byline=byline,
                        topics=topics or (),
                        cross_posts=cross_posts,
                    )
        except IntegrityError as error:
            if (
                getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
                in RELATED_CONSTRAINTS
            ):
                raise RelatedConflict from error
            raise

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, dict[str, list[str]]]]:
        """What the save really changed, from its revision: Django's own message compares the form with
        its initial values, so a re-rendered body or the hidden version token read as changes."""
        if add:
            return super().construct_change_message(request, form, formsets, add)
        newest = list(revisions_of(form.instance)[:2])
        if not newest or newest[0].history_id == getattr(request, "revision_before", None):
            return []  # shown as "No fields changed."
        return [{"changed": {"fields": changed_labels(newest[1] if len(newest) > 1 else None, newest[0])}}]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/workflow/",
                wrap(self.workflow_view),
                name="publications_publication_workflow",
            ),
            path(
                "<path:object_id>/revoke-previews/",
                wrap(self.revoke_previews_view),
                name="publications_publication_revoke_previews",
            ),
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name="publications_publication_revisions",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_view),
                name="publications_publication_restore",
            ),
            path(
                "<path:object_id>/autosave/",
                wrap(self.autosave_view),
                name="publications_publication_autosave",
            ),
            *super().get_urls(),
        ]

    def _publication_or_404(self, request: HttpRequest, object_id: str) -> Publication:
        publication = self.get_object(request, object_id)
        if publication is None or not self.has_view_or_change_permission(request, publication):
            raise Http404("No such publication.")
        return publication

    def revisions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The piece's revisions, newest first, each with what it changed (old | new per field), the
        unsaved autosaves above them; any can be restored."""
        publication = self._publication_or_404(request, object_id)
        saved = list(revisions_of(publication)[:51])
        entries = history_entries(saved, changed_fields)
        autosaves = publication.history.filter(is_autosave=True).select_related("history_user")
        if saved:
            autosaves = autosaves.filter(history_id__gt=saved[0].history_id)
        drafts = [
            {"revision": autosave, "changes": changed_fields(saved[0] if saved else None, autosave)}
            for autosave in autosaves.order_by("-history_id")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": publication,
            "title": f"Revisions of “{publication}”",
            "entries": entries,
            "autosaves": drafts,
            "can_restore": self.has_change_permission(request, publication),
        }
        return TemplateResponse(request, "admin/publications/publication/revisions.html", context)

    def restore_view(self, request: HttpRequest, object_id: str, revision_id: int) -> HttpResponse:
        """Restore one revision (POST): a new revision with its values, byline order, topics, cross-posts."""
        publication = self._publication_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:publications_publication_revisions", args=[publication.pk])
            )
        if not self.has_change_permission(request, publication):
            raise PermissionDenied
        revision = publication.history.filter(history_id=revision_id).first()
        if revision is None:
            raise Http404("No such revision of this publication.")
        before = revisions_of(publication).first()
        publication_restore_revision(publication=publication, revision=revision, by=editor(request))
        after = revisions_of(publication).first()
        changed = changed_labels(before, after) if after != before else []
        self.log_change(request, publication, [{"changed": {"fields": changed}}] if changed else [])
        when = timezone.localtime(revision.history_date)
        self.message_user(request, f"Restored the version of {when:%Y-%m-%d %H:%M}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:publications_publication_change", args=[publication.pk]))

    def autosave_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Keep the change form as posted (by autosave.js) as the editor's autosave; never the live row."""
        if request.method != "POST":
            return JsonResponse({"detail": "POST the change form here."}, status=405)
        publication = self._publication_or_404(request, object_id)
        if not self.has_change_permission(request, publication):
            raise PermissionDenied
        form = self.get_form(request, publication, change=True)(request.POST, instance=publication)
        # Validating applies every valid field to the instance in memory (the rest keep their stored
        # values); nothing is saved but the autosave.
        form.is_valid()
        formsets, _ = self._create_formsets(request, form.instance, change=True)
        revision = publication_autosave(
            publication=form.instance, by=editor(request), related=typed_related(form, formsets)
        )
        return JsonResponse({"autosaved_at": revision.history_date.isoformat()})

    def trash_one(self, request: HttpRequest, obj: Publication) -> None:
        publication_trash(publication=obj, by=editor(request))

    def restore_one(self, request: HttpRequest, obj: Publication) -> None:
        publication_restore(publication=obj, by=editor(request))

    def delete_for_good(self, request: HttpRequest, obj: Publication) -> None:
        publication_delete(publication=obj, by=editor(request))

    def preview_url(self, request: HttpRequest, obj: Publication) -> str:
        """A new preview link of `obj`: the frontend's preview page, or the API's JSON when none is set."""
        token = preview_token(obj)
        if settings.FRONTEND_PREVIEW_URL:
            return settings.FRONTEND_PREVIEW_URL.replace("{token}", token)
        return request.build_absolute_uri(reverse("v1:preview", kwargs={"token": token}))

    def revoke_previews_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change page's one-click "Revoke preview links" (a POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        publication = self.get_object(request, object_id)
        if publication is None:
            raise Http404
        if not self.has_change_permission(request, publication):
            raise PermissionDenied
        publication_revoke_previews(publication=publication, by=editor(request))
        self.message_user(request, "Every preview link of this publication given so far stops working.")
        return HttpResponseRedirect(reverse("admin:publications_publication_change", args=[publication.pk]))

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Revoking preview links is for editors (the change permission itself, not a contributor's own-draft
        editing), as the service requires."""
        return request.user.has_perm(CHANGE_PERMISSION)

    @admin.action(description="Revoke the preview links of selected", permissions=["revoke"])
    def revoke_previews(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        for publication in queryset:
            publication_revoke_previews(publication=publication, by=editor(request))
        self.message_user(request, f"Revoked the preview links of {queryset.count()} publication(s).")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        # The author filter's search box needs select2 on the list page (Media merges what the page has).
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context and "media" in context:
            for spec in context["cl"].filter_specs:
                if isinstance(spec, BylineAuthorFilter):
                    context["media"] += spec.media
        return response

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Publication], search_term: str
    ) -> tuple[QuerySet[Publication], bool]:
        if not search_term.strip():
            return queryset, False
        # The same search as the API's ?q= (stemmed, accent-folded, body included), or an identifier.
        # Matched in subqueries of the bare table, so the list's own joins and counts stay out of them.
        as_typed, _ = super().get_search_results(request, Publication.objects.all(), search_term)
        words = Publication.objects.search(search_term)
        return queryset.filter(Q(pk__in=words.values("pk")) | Q(pk__in=as_typed.values("pk"))), False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        publications = (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("authorships", queryset=PublicationAuthor.objects.select_related("author"))
            )
        )
        # Contributors see only their own pieces; everyone who may edit anything sees everything.
        if not request.user.has_perm(EDIT_ANY_PERMISSION):
            publications = publications.filter(created_by=request.user.pk)
        return publications

    @admin.display(description="state", ordering="status")
    def state(self, obj: Publication) -> str:
        if obj.is_scheduled:
            return f"Scheduled for {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"
        if obj.is_live:
            return "Live"
        return obj.get_status_display()

    @admin.display(description="authors")
    def byline(self, obj: Publication) -> str:
        return ", ".join(a.author.display_name for a in obj.authorships.all())

    @admin.display(description="public page")
    def public_link(self, obj: Publication) -> str:
        # Only live pieces have a public page; linking a draft would invite sharing a 404.
        if not obj.is_live:
            return "-"
        label = "view" if is_served(obj.public_url) else "API JSON"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', self.view_on_site(obj), label
        )

    def view_on_site(self, obj: Publication) -> str | None:
        if not obj.is_live:
            return None
        # Until a public site answers at SITE_URL, the API's detail is the piece's page.
        return obj.public_url if is_served(obj.public_url) else self.api_url(obj)

    @staticmethod
    def _conflict_changes(form: PublicationForm, context: dict) -> list:
        """Their version (the newest saved revision) and yours (as typed), where they differ."""
        theirs = revisions_of(form.instance).first()
        formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
        yours = new_revision(form.instance, by=None, related=typed_related(form, formsets))
        return changed_fields(theirs, yours)

    @staticmethod
    def api_url(obj: Publication) -> str:
        """The piece's detail in the API (answers only while it is live)."""
        return reverse("v1:publication-detail", kwargs={"slug": obj.slug})

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Publication | None = None,
    ) -> HttpResponse:
        context["media"] = page_media(context["media"], request)
        if obj is not None:
            context["revisions_url"] = reverse("admin:publications_publication_revisions", args=[obj.pk])
            if (
                getattr(context.get("adminform"), "form", None) is not None
                and context["adminform"].form.conflict
            ):
                context["conflict_changes"] = self._conflict_changes(context["adminform"].form, context)
            elif request.method == "GET" and (autosave := newest_autosave(obj, editor(request))) is not None:
                when = timezone.localtime(autosave.history_date)
                self.message_user(
                    request,
                    format_html(
                        'You have unsaved changes from {} (autosaved). <a href="{}#autosave-{}">Compare and '
                        "restore them</a>, or keep editing this saved version.",
                        f"{when:%Y-%m-%d %H:%M}",
                        context["revisions_url"],
                        autosave.history_id,
                    ),
                    messages.WARNING,
                )
        if warning := uploads_not_kept(request):
            self.message_user(request, warning, messages.WARNING)
        # A live piece's change page links to its API JSON, unless "View on site" already goes there.
        if obj is not None and obj.is_live and self.view_on_site(obj) != self.api_url(obj):
            context["api_url"] = self.api_url(obj)
        if obj is not None and obj.is_trashed:
            self.message_user(
                request,
                "This publication is in the trash: it is on no public surface. Restore it from the list's "
                "Trash view.",
                messages.WARNING,
            )
        elif obj is not None and not obj.is_live:
            context["preview_url"] = self.preview_url(request, obj)
            context["revoke_previews_url"] = reverse(
                "admin:publications_publication_revoke_previews", args=[obj.pk]
            )
        if obj is not None:
            context["workflow_url"] = reverse("admin:publications_publication_workflow", args=[obj.pk])
            context["workflow_actions"] = available_actions(
                request.user,
                status=obj.status,
                owner_id=obj.created_by_id,
                published_at=obj.published_at,
                now=timezone.now(),
            )
            context["can_correct"] = obj.is_live and can_publish(request.user)
            # Shown read-only beside the form (not inlines, whose formsets every POST would have to carry).
            context["workflow_history"] = obj.transitions.select_related("by")
            context["corrections"] = obj.corrections.all()
            if obj.status == Publication.Status.RETURNED:
                context["last_send_back"] = obj.transitions.filter(action=Action.SEND_BACK).last()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple[list, dict, set, list]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        names = {
            model._meta.verbose_name_plural: (model._meta.verbose_name, model._meta.verbose_name_plural)
            for model in apps.get_models(include_auto_created=True)
        }
        # After the generic names: PublicationAuthor's "authors" is also the Author model's plural.
        names.update({model._meta.verbose_name_plural: pair for model, pair in DELETED_NAMES.items()})
        # Keys become whole phrases; the publication templates print them as they are.
        counts = {
            f"{count} {names.get(plural, (plural, plural))[count != 1]}": count
            for plural, count in counts.items()
        }
        return _renamed_entries(deleted, _deleted_entry_names(objs)), counts, perms_needed, protected

    @admin.action(description="Publish selected (now, or at their scheduled time)", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Publication]) -> TemplateResponse | None:
        # Like Django's bulk delete: the first submit only shows what would happen and what each piece
        # lacks (the pre-publish check), so nothing goes live by a slip of the action menu.
        if request.POST.get("post") != "yes":
            return self._publish_confirmation(request, queryset)
        # A piece with warnings goes live only if its own "publish anyway" box was ticked.
        anyway = set(request.POST.getlist("publish_anyway"))
        done = 0
        for publication in queryset.order_by("title"):
            if publication.is_live:
                continue
            readiness = publication_readiness(publication)
            if not readiness.blocking and readiness.warnings and str(publication.pk) not in anyway:
                self.message_user(
                    request,
                    f"{publication}: not published; tick “publish anyway” to publish it without "
                    f"{'; '.join(readiness.warnings)}",
                    messages.WARNING,
                )
                continue
            try:
                publication_publish(publication=publication, by=editor(request))
                done += 1
            except ValidationError as error:
                # Blocking problems: the service refuses them, whatever was posted.
                self.message_user(request, f"{publication}: {' '.join(error.messages)}", messages.ERROR)
            except PermissionDenied as error:
                # Not this person's to publish (another's unreviewed draft): the others still go.
                self.message_user(request, f"{publication}: {error}", messages.ERROR)
        self.message_user(request, f"Published or scheduled {done} publication(s).", messages.SUCCESS)
        return None

    def _publish_confirmation(
        self, request: HttpRequest, queryset: QuerySet[Publication]
    ) -> TemplateResponse:
        now = timezone.now()
        live_now: list[tuple[Publication, Readiness]] = []
        scheduled: list[tuple[Publication, Readiness]] = []
        blocked: list[tuple[Publication, Readiness]] = []
        already_live: list[Publication] = []
        for publication in queryset.order_by("title"):
            if publication.is_live:
                already_live.append(publication)
                continue
            # Each piece with its check, as the template lists them; a piece the person may not publish
            # (another's unreviewed draft, one in review) is held back with the reason the service gives.
            checked = (publication, publication_readiness(publication))
            publish = TRANSITIONS[Action.PUBLISH]
            status, owner_id = publication.status, publication.created_by_id
            if refusal := permission_refusal(
                publish, user=request.user, owner_id=owner_id, status=status
            ) or state_refusal(publish, status=status, published_at=publication.published_at, now=now):
                checked[1].blocking.insert(0, refusal)
            if checked[1].blocking:
                blocked.append(checked)
            elif publication.published_at is not None and publication.published_at > now:
                scheduled.append(checked)
            else:
                live_now.append(checked)
        return self._confirmation(
            request,
            queryset,
            "publish_confirmation.html",
            title="Publish the selected publications?",
            live_now=live_now,
            scheduled=scheduled,
            already_live=already_live,
            blocked=blocked,
            can_publish_some=bool(live_now or scheduled),
        )

    @admin.action(description="Submit selected for review", permissions=["submit"])
    def submit(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        self._each(request, queryset, publication_submit, "Submitted")

    @admin.action(description="Approve selected (in review)", permissions=["review"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        self._each(request, queryset, publication_approve, "Approved")

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Publication], service: Callable[..., object], done: str
    ) -> None:
        count = 0
        for publication in queryset:
            try:
                service(publication=publication, by=editor(request))
                count += 1
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{publication}: {reason}", messages.ERROR)
        self.message_user(request, f"{done} {count} publication(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected (back to draft)", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Publication]) -> TemplateResponse | None:
        # Asks first, as publish does: taking a piece down breaks every link to it.
        if request.POST.get("post") != "yes":
            published = queryset.filter(status=Publication.Status.PUBLISHED).order_by("title")
            return self._confirmation(
                request,
                queryset,
                "unpublish_confirmation.html",
                title="Unpublish the selected publications?",
                live=[publication for publication in published if publication.is_live],
                scheduled=[publication for publication in published if publication.is_scheduled],
                drafts=queryset.exclude(status=Publication.Status.PUBLISHED).order_by("title"),
            )
        count = 0
        for publication in queryset.filter(status=Publication.Status.PUBLISHED):
            publication_unpublish(publication=publication, by=editor(request))
            count += 1
        self.message_user(request, f"Unpublished {count} publication(s).", messages.SUCCESS)
        return None

    def _confirmation(
        self, request: HttpRequest, queryset: QuerySet[Publication], template: str, *, title: str, **context
    ) -> TemplateResponse:
        """The confirmation step of a bulk action, modelled on Django's delete_selected_confirmation."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"admin/publications/publication/{template}", context)


def _parse_local(text: str) -> datetime:
    """A datetime-local input's value, in the site's time zone."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        # Well formed but no such time (February 30th), typed where the browser has no date picker.
        moment = None
    if moment is None:
        raise ValidationError("Give the time it goes live.")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _done_message(publication: Publication) -> str:
    if publication.is_scheduled:
        return f"scheduled for {timezone.localtime(publication.published_at):%Y-%m-%d %H:%M}"
    return "live" if publication.is_live else publication.get_status_display().lower()


def _deleted_entry_names(publications) -> dict[str, str]:
    """Django's text for each byline entry and topic filing a delete takes -> what an editor calls it."""
    names = {}
    authorships = PublicationAuthor.objects.filter(publication__in=publications)
    for authorship in authorships.select_related("author", "publication"):
        names[f"{capfirst(PublicationAuthor._meta.verbose_name)}: {authorship}"] = (
            f"Byline entry: {authorship} (the author is kept)"
        )
    Filing = Publication.topics.through
    for filing in Filing.objects.filter(publication__in=publications).select_related("topic", "publication"):
        names[f"{capfirst(Filing._meta.verbose_name)}: {filing}"] = (
            f"Topic filing: {filing.publication} under {filing.topic} (the topic is kept)"
        )
    return names


def _renamed_entries(entries: list, names: dict[str, str]) -> list:
    """Django's nested list of what a delete takes, with entries renamed by `names` (exact text)."""
    # Renamed entries are plain text (these rows have no admin page), escaped by the template as before.
    return [
        _renamed_entries(entry, names) if isinstance(entry, list) else names.get(entry, entry)
        for entry in entries
    ]


@admin.register(CrossPost)
class CrossPostAdmin(admin.ModelAdmin):
    list_display = ["publication", "outlet", "relation", "is_canonical", "published_on"]
    list_filter = ["relation", "is_canonical", "outlet"]
    list_select_related = ["publication", "outlet"]
    search_fields = ["publication__title", "url", "outlet__name"]
    autocomplete_fields = ["publication", "outlet"]

    # The rows carry their piece's rules: contributors hold the row permissions for the inlines of their own
    # drafts, which must not open every piece's cross-posts (another's draft, a live piece) here.
    def get_queryset(self, request: HttpRequest) -> QuerySet[CrossPost]:
        pieces = publication_admin().get_queryset(request).order_by().values("pk")
        return super().get_queryset(request).filter(publication__in=pieces)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "publication":
            kwargs["queryset"] = Publication.objects.filter(editable_by(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: CrossPost | None = None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or publication_admin().has_change_permission(request, obj.publication)
        )

    def has_delete_permission(self, request: HttpRequest, obj: CrossPost | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or publication_admin().has_change_permission(request, obj.publication)
        )


def publication_admin() -> PublicationAdmin:
    """The registered PublicationAdmin, whose rules (which pieces a person sees and may change) the cross-post
    rows follow."""
    return cast(PublicationAdmin, admin.site._registry[Publication])


# The index opens with what waits for the person's role (publications/templatetags/workflow.py).
admin.site.index_template = "admin/publications/index_with_waiting.html"
