from __future__ import annotations

from typing import cast

from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from authors.models import Author, AuthorLink, Education, Position, Work
from authors.revisions import changed_fields, revisions_of
from authors.services import (
    author_delete,
    author_restore,
    author_restore_revision,
    author_revision_record,
    author_trash,
    author_update,
)
from cissapi.public_site import public_or_api
from cissapi.revisions import FieldChange, Revision, history_entries
from cissapi.richtext import EDITOR_HELP_TEXT, editor_widget, page_media
from cissapi.trash import TrashAdminMixin, TrashFilter
from cissapi.uploads import uploads_not_kept
from media.admin import thumbnail_html

# An author's email is private: only those who may change authors (editors and up) see it or search by it;
# contributors see bios for their bylines, never the address.
CHANGE_PERMISSION = "authors.change_author"
PRIVATE_FIELDS = frozenset({"email"})


def editor(request: HttpRequest) -> AbstractUser:
    """Who is acting: the admin answers signed-in staff only, never an anonymous request."""
    return cast(AbstractUser, request.user)


def may_see_private(request: HttpRequest) -> bool:
    """Whether the person may see an author's private fields (the email): whoever may change authors."""
    return request.user.has_perm(CHANGE_PERMISSION)


# The bio's rows are ordered by dragging (django-admin-sortable2 over each model's `position`, hidden);
# a new row is numbered after the stored ones when saved, so it goes last.
DRAG_HINT = " (drag a saved row by its handle to reorder; new rows go last)"


class PositionInline(SortableTabularInline):
    model = Position
    fields = ["title", "organization", "start_year", "end_year", "is_current", "position"]
    extra = 0
    verbose_name_plural = f"positions{DRAG_HINT}"


class EducationInline(SortableTabularInline):
    model = Education
    fields = ["degree", "field", "institution", "status", "year", "position"]
    extra = 0
    verbose_name_plural = f"education{DRAG_HINT}"


class WorkInline(SortableStackedInline):
    model = Work
    fields = [("kind", "title"), ("publisher", "year"), ("isbn", "url"), "position"]
    extra = 0
    verbose_name_plural = f"books and outside works{DRAG_HINT}"


class AuthorLinkInline(SortableTabularInline):
    model = AuthorLink
    fields = ["kind", "url", "handle", "position"]
    extra = 0
    verbose_name_plural = f"links{DRAG_HINT}"


class AuthorForm(forms.ModelForm):
    # The newest revision when the form was loaded ("0": none yet). Every save that changes the bio or its
    # rows keeps one, so a save over someone else's newer one is refused instead of silently undoing it.
    loaded_revision = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Author
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose the fields shown)
        widgets = {"bio": editor_widget()}
        help_texts = {"bio": EDITOR_HELP_TEXT}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_revision"].initial = newest_revision_id(self.instance)

    def clean(self) -> dict:
        # A ModelForm's clean() returns its cleaned_data; the stubs allow None, which subclasses may return.
        cleaned = cast(dict, super().clean())
        loaded = cleaned.get("loaded_revision")
        if self.instance.pk and loaded and loaded != newest_revision_id(self.instance):
            raise ValidationError(stale_save_message(self.instance))
        return cleaned


def stale_save_message(author: Author) -> str:
    """Who saved the author after the editor loaded the form, and when."""
    newest = revisions_of(author).first()
    saved = "Someone else saved this author"
    if newest is not None:
        when = timezone.localtime(newest.history_date)
        saved = (
            f"Someone else ({newest.history_user or 'a script'}) saved this author at {when:%Y-%m-%d %H:%M}"
        )
    return (
        f"{saved} after you opened it, so nothing was saved. Copy your changes, reload the page and apply "
        "them again, so neither edit is lost."
    )


def newest_revision_id(author: Author) -> str:
    """The author's newest revision as the form carries it ("0" when there is none)."""
    return str(revisions_of(author).values_list("history_id", flat=True).first() or 0)


@admin.register(Author)
class AuthorAdmin(TrashAdminMixin, SortableAdminBase, admin.ModelAdmin):
    form = AuthorForm
    inlines = [PositionInline, EducationInline, WorkInline, AuthorLinkInline]
    list_display_links = ["display_name"]
    # The model's own order, said again: get_queryset's count of pieces groups the query, and Django drops a
    # model's default ordering from grouped queries, so the pickers' autocomplete paged unordered authors
    # (each page of 20 could repeat or skip some). The admin's ordering is applied as an explicit order_by.
    ordering = ["sort_name", "name"]
    list_display = [
        "photo_thumbnail",
        "display_name",
        "headline",
        "kind",
        "affiliation",
        "publication_count",
        "updated_at",
    ]
    list_filter = [TrashFilter, "kind", "affiliation", "interests"]
    actions = ["restore", "empty_trash"]
    # Names go through the API's typo-tolerant search (get_search_results); these are matched as typed.
    search_fields = ["slug", "headline", "email"]
    search_help_text = 'Name (typos and accents forgiven: "Zubair" finds "Zubayr"), slug, headline or email.'
    search_help_text_public = 'Name (typos and accents forgiven: "Zubair" finds "Zubayr"), slug or headline.'
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["interests", "outlets", "photo"]
    readonly_fields = ["created_at", "updated_at", "photo_preview"]
    save_on_top = True
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "honorific",
                    "name",
                    "slug",
                    "sort_name",
                    "headline",
                    "kind",
                    "affiliation",
                    "loaded_revision",
                ]
            },
        ),
        ("Bio", {"fields": ["short_bio", "bio", "photo", "photo_preview", "interests", "outlets"]}),
        ("Private", {"fields": ["email"], "description": "Never shown publicly."}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    class Media:
        # The desk's fixes to Django's admin: one time-zone note per page, narrow-screen layout.
        css = {"all": ["cissapi/admin-desk.css"]}
        js = ["cissapi/admin-desk.js"]

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/revisions/", wrap(self.revisions_view), name="authors_author_revisions"),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_view),
                name="authors_author_restore",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Author | None = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if may_see_private(request):
            return list(fieldsets)
        # The view page and its form are built from these, so the email is neither shown nor posted.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in PRIVATE_FIELDS]})
            for name, options in fieldsets
            if set(options["fields"]) - PRIVATE_FIELDS
        ]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Matching an address someone typed would tell them whose it is (the list, the byline's autocomplete).
        fields = list(super().get_search_fields(request))
        return fields if may_see_private(request) else [f for f in fields if f not in PRIVATE_FIELDS]

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        if not may_see_private(request):
            changelist.search_help_text = self.search_help_text_public
        return changelist

    def revisions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The author's revisions, newest first, with what each changed (old | new); each restorable."""
        author = self.get_object(request, object_id)
        if author is None or not self.has_view_or_change_permission(request, author):
            raise Http404("No such author.")
        saved = list(revisions_of(author)[:51])
        private_shown = may_see_private(request)

        def changes(old: Revision | None, new: Revision) -> list[FieldChange]:
            return [c for c in changed_fields(old, new) if private_shown or c.name not in PRIVATE_FIELDS]

        entries = history_entries(saved, changes)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": author,
            "title": f"Revisions of “{author}”",
            "entries": entries,
            "can_restore": self.has_change_permission(request, author),
        }
        return TemplateResponse(request, "admin/authors/author/revisions.html", context)

    def restore_view(self, request: HttpRequest, object_id: str, revision_id: int) -> HttpResponse:
        """Restore one revision of the author (POST); the restore is itself a revision."""
        author = self.get_object(request, object_id)
        if author is None or not self.has_view_or_change_permission(request, author):
            raise Http404("No such author.")
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:authors_author_revisions", args=[author.pk]))
        if not self.has_change_permission(request, author):
            raise PermissionDenied
        revision = author.history.filter(history_id=revision_id).first()
        if revision is None:
            raise Http404("No such revision of this author.")
        author_restore_revision(author=author, revision=revision, by=editor(request))
        self.log_change(request, author, f"Restored the revision of {revision.history_date:%Y-%m-%d %H:%M}.")
        self.message_user(request, "Restored that version.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:authors_author_change", args=[author.pk]))

    @admin.display(description="Photo")
    def photo_thumbnail(self, author: Author) -> str:
        return thumbnail_html(author.photo, size=48)

    @admin.display(description="Photo preview")
    def photo_preview(self, author: Author) -> str:
        return thumbnail_html(author.photo, size=120)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Author | None = None,
    ) -> HttpResponse:
        context["media"] = page_media(context["media"], request)
        if obj is not None:
            context["revisions_url"] = reverse("admin:authors_author_revisions", args=[obj.pk])
        if warning := uploads_not_kept(request):
            self.message_user(request, warning, messages.WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Author], search_term: str
    ) -> tuple[QuerySet[Author], bool]:
        if not search_term.strip():
            return queryset, False
        # The same trigram name search as the API's author ?q=, or a slug, headline or email as typed.
        # Matched in subqueries of the bare table, so the list's own joins and counts stay out of them.
        as_typed, _ = super().get_search_results(request, Author.objects.all(), search_term)
        names = Author.objects.search_names(search_term)
        return queryset.filter(Q(pk__in=names.values("pk")) | Q(pk__in=as_typed.values("pk"))), False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return (
            super()
            .get_queryset(request)
            .select_related("photo")
            .annotate(publication_total=Count("authorships"))
        )

    @admin.display(description="publications (any state)", ordering="publication_total")
    def publication_count(self, obj: Author) -> str:
        # The publication list filtered to this author's pieces (its "authors" filter, by id); by URL
        # name, since authors must not import publications.
        changelist = reverse("admin:publications_publication_changelist")
        return format_html(
            '<a href="{}?authors__id__exact={}">{}</a>', changelist, obj.pk, obj.publication_total
        )

    def view_on_site(self, obj: Author) -> str:
        # Until a public site answers at SITE_URL, the API's author detail (every author has one).
        return public_or_api(obj.public_url, reverse("v1:author-detail", kwargs={"slug": obj.slug}))

    def save_model(self, request: HttpRequest, obj: Author, form, change: bool) -> None:
        # The bio's rows (positions, education, works, links) are plain rows, saved by the inlines; the
        # revision waits for them (save_related), so one save is one revision.
        author_update(author=obj, by=editor(request), revision=False)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        author_revision_record(author=form.instance, by=editor(request))

    def trash_one(self, request: HttpRequest, obj: Author) -> None:
        author_trash(author=obj, by=editor(request))

    def restore_one(self, request: HttpRequest, obj: Author) -> None:
        author_restore(author=obj, by=editor(request))

    def delete_for_good(self, request: HttpRequest, obj: Author) -> None:
        author_delete(author=obj, by=editor(request))

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple[list, dict, set, list]:
        # A delete only moves authors to the trash: their bylines and bio are kept, so nothing protects them
        # and nothing else goes. (Bylines still protect an author from "Delete for good".)
        names = [str(author) for author in objs]
        return names, {self.opts.verbose_name_plural: len(names)}, set(), []
