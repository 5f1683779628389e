from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from cissapi.public_site import is_served
from cissapi.richtext import EDITOR_HELP_TEXT, editor_widget, page_media
from cissapi.uploads import clean_image_upload, clean_pdf_upload, uploads_not_kept
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.services import (
    can_publish,
    publication_approve,
    publication_correct,
    publication_create,
    publication_delete,
    publication_publish,
    publication_restore_withdrawn,
    publication_schedule,
    publication_send_back,
    publication_submit,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from publications.workflow import (
    EDIT_ANY_PERMISSION,
    PUBLISH_PERMISSION,
    REVIEW_PERMISSION,
    WRITE_PERMISSION,
    Action,
    available_actions,
    may_edit,
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
DELETED_NAMES = {
    PublicationAuthor: ("byline entry", "byline entries"),
    Publication.topics.through: ("topic filing", "topic filings"),
}


class RelatedConflict(Exception):
    """A database constraint refused the inlines as submitted; the form is shown again with an error."""


def edit_version(publication_id: int) -> str:
    """A token of the publication's stored row, private fields included: it changes with any save that
    changes a field, public or not (`updated_at` moves only with public ones)."""
    fields = [field.attname for field in Publication._meta.concrete_fields if field.name != "search_vector"]
    row = Publication.objects.filter(pk=publication_id).values_list(*fields).first()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:32]


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


def waiting_for_q(user: AbstractBaseUser | AnonymousUser) -> Q:
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
        help_texts = {"position": "Lowest first; ties keep the row order; blank puts the author last."}

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
        return {*super()._get_validation_exclusions(), "position"}


class AuthorshipFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        kept = [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

        def byline_order(item: tuple[int, forms.Form]) -> tuple[bool, int, int]:
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


class AuthorshipInline(admin.TabularInline):
    model = PublicationAuthor
    form = AuthorshipForm
    formset = AuthorshipFormSet
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order: lowest position first)"


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

    class Meta:
        model = Publication
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose the fields shown)
        widgets = {"body": editor_widget()}
        help_texts = {"body": EDITOR_HELP_TEXT}

    # Set by PublicationAdmin on a second attempt, after the database refused the first one's inlines.
    related_conflict = False
    # The status the piece has as stored (PublicationAdmin.get_form), to name the transition an edit means.
    stored_status: str | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_version"].initial = edit_version(self.instance.pk)

    def clean_image(self) -> object:
        return clean_image_upload(self.cleaned_data.get("image"))

    def clean_pdf(self) -> object:
        return clean_pdf_upload(self.cleaned_data.get("pdf"))

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.related_conflict:
            raise ValidationError(RELATED_CONFLICT)
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded and edit_version(self.instance.pk) != loaded:
            raise ValidationError(
                "Someone else saved this publication after you opened it. Copy your changes, "
                "reload the page and apply them again, so neither edit is lost."
            )
        if cleaned.get("status") == Publication.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", "Set when it goes live (now or a future time to schedule it).")
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
        return cleaned


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    form = PublicationForm
    inlines = [AuthorshipInline, CrossPostInline]
    list_display = ["title", "type", "state", "published_at", "byline", "series", "updated_at", "public_link"]
    list_filter = [
        WaitingFilter,
        StateFilter,
        "type",
        "topics",
        "series",
        ("authors", admin.RelatedOnlyFieldListFilter),
        "language",
    ]
    list_select_related = ["series"]
    date_hierarchy = "published_at"
    # Words go through the API's full-text search (get_search_results); these are matched as typed.
    search_fields = ["slug", "doi", "report_number"]
    search_help_text = (
        'Words in the title, summary, authors\' names or body, in any form ("astronauts" finds '
        '"astronaut"; "quoted phrase", -excluded, or); or a slug, DOI or report number.'
    )
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "series"]
    readonly_fields = ["uuid", "first_published_at", "created_at", "updated_at", "word_count"]
    actions = ["submit", "approve", "publish", "unpublish"]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["type", "title", "subtitle", "slug", "summary", "body", "language"]}),
        (
            "Publishing",
            {
                "fields": ["status", "published_at", "comments_enabled", "loaded_version"],
                "description": "Draft and In review are never public. Published with a future time is "
                "scheduled: it goes live by itself at that time.",
            },
        ),
        ("Classification", {"fields": ["topics", "series", "volume", "issue"]}),
        (
            "Image",
            {"fields": ["image", "image_caption", "image_credit", "image_alt"], "classes": ["collapse"]},
        ),
        ("Identifiers and files", {"fields": ["doi", "report_number", "pdf"], "classes": ["collapse"]}),
        ("Editors only", {"fields": ["internal_notes"]}),
        (
            "Record",
            {
                "fields": ["uuid", "first_published_at", "created_at", "updated_at", "word_count"],
                "classes": ["collapse"],
            },
        ),
    ]

    class Media:
        # The desk's fixes to Django's admin: one time-zone note per page, narrow-screen layout.
        css = {"all": ["cissapi/admin-desk.css"]}
        js = ["cissapi/admin-desk.js"]

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

    def get_urls(self) -> list[URLPattern]:
        workflow = path(
            "<path:object_id>/workflow/",
            self.admin_site.admin_view(self.workflow_view),
            name="publications_publication_workflow",
        )
        return [workflow, *super().get_urls()]

    def workflow_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One workflow button: the service decides (a crafted POST for a hidden button is refused there)."""
        return require_POST(self._take_workflow_action)(request, object_id)

    def _take_workflow_action(self, request: HttpRequest, object_id: str) -> HttpResponse:
        publication = get_object_or_404(self.get_queryset(request), pk=object_id)
        by, comment = request.user, request.POST.get("comment", "")
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
        form = super().get_form(request, obj, change, **kwargs)
        # get_form builds a new class per request, so the flag never leaks to another request.
        form.related_conflict = getattr(request, "publication_related_conflict", False)
        form.stored_status = obj.status if obj is not None else None
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
            request.publication_related_conflict = True
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Publication, form, change: bool) -> None:
        """Nothing yet: save_related saves the piece with its byline, topics and cross-posts in one service
        call, so the side effects (search vector, change log) run once for the whole submission."""

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
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
                        by=request.user,
                        byline=byline,
                        byline_removed=byline_removed,
                        topics=topics,
                        cross_posts=cross_posts,
                        cross_posts_removed=cross_posts_removed,
                    )
                else:
                    publication_create(
                        publication=form.instance,
                        by=request.user,
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

    def delete_model(self, request: HttpRequest, obj: Publication) -> None:
        publication_delete(publication=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        for publication in queryset:
            publication_delete(publication=publication)

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
        if warning := uploads_not_kept(request):
            self.message_user(request, warning, messages.WARNING)
        # A live piece's change page links to its API JSON, unless "View on site" already goes there.
        if obj is not None and obj.is_live and self.view_on_site(obj) != self.api_url(obj):
            context["api_url"] = self.api_url(obj)
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
        # Like Django's bulk delete: the first submit only shows what would happen, so nothing goes live
        # by a slip of the action menu.
        if request.POST.get("post") != "yes":
            return self._publish_confirmation(request, queryset)
        done = 0
        for publication in queryset:
            try:
                publication_publish(publication=publication, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{publication}: {'; '.join(error.messages)}", messages.ERROR)
        self.message_user(request, f"Published or scheduled {done} publication(s).", messages.SUCCESS)
        return None

    def _publish_confirmation(
        self, request: HttpRequest, queryset: QuerySet[Publication]
    ) -> TemplateResponse:
        now = timezone.now()
        live_now, scheduled, already_live = [], [], []
        for publication in queryset.order_by("title"):
            if publication.is_live:
                already_live.append(publication)
            elif publication.published_at is not None and publication.published_at > now:
                scheduled.append(publication)
            else:
                live_now.append(publication)
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish the selected publications?",
            "opts": self.opts,
            "queryset": queryset,
            "live_now": live_now,
            "scheduled": scheduled,
            "already_live": already_live,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/publications/publication/publish_confirmation.html", context)

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
                service(publication=publication, by=request.user)
                count += 1
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{publication}: {reason}", messages.ERROR)
        self.message_user(request, f"{done} {count} publication(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected (back to draft)", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        count = 0
        for publication in queryset.filter(status=Publication.Status.PUBLISHED):
            publication_unpublish(publication=publication, by=request.user)
            count += 1
        self.message_user(request, f"Unpublished {count} publication(s).", messages.SUCCESS)


def _parse_local(text: str) -> datetime:
    """A datetime-local input's value, in the site's time zone."""
    moment = parse_datetime(text)
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


# The index opens with what waits for the person's role (publications/templatetags/workflow.py).
admin.site.index_template = "admin/publications/index_with_waiting.html"
