"""The media library in the admin: thumbnails, search, and the chooser of lead images and photos."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cissapi.uploads import clean_image_upload, uploads_not_kept
from media.models import Image
from media.originals import ACCEPTED, ACCEPTED_CONTENT_TYPES, read_original
from media.services import image_delete, image_update

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def thumbnail_html(image: Image | None, size: int = 80) -> SafeString | str:
    """An image's thumbnail as the admin shows it everywhere: the focal-point crop once the worker made it,
    until then the original scaled down and cropped around the focal point by the browser."""
    if image is None or not image.file:
        return "—"
    source = image.file.storage.url(image.thumbnail) if image.thumbnail else image.file.url
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" class="media-thumbnail" loading="lazy" '
        'style="object-fit: cover; object-position: {}% {}%">',
        source,
        image.alt,
        size,
        size,
        round(image.focal_x * 100),
        round(image.focal_y * 100),
    )


# Images the picker lists at once (the newest, or the best matches of a search).
PICKER_SIZE = 60


class ImageForm(forms.ModelForm):
    # A plain file field: the checks are the library's own (media.originals, as the image service runs
    # them), whose errors name what is wrong and the formats accepted, not Django's "not an image".
    file = forms.FileField(
        # The formats listed (not image/*): iOS Safari converts a HEIC photo to JPEG for such a field.
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_CONTENT_TYPES)}),
        help_text=f"{ACCEPTED}. Location and camera details are removed from the file when it is stored.",
    )

    class Meta:
        model = Image
        fields = ["file", "alt", "caption", "credit", "focal_x", "focal_y"]
        help_texts = {
            "focal_x": "Where the subject is, from 0 (left edge) to 1 (right edge); crops keep it in view.",
            "focal_y": "From 0 (top) to 1 (bottom).",
        }

    def clean_file(self) -> object:
        upload = clean_image_upload(self.cleaned_data.get("file"))
        if isinstance(upload, UploadedFile):
            read_original(upload)  # refused here as a form error; the service stores what it keeps
        return upload


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail_image", "__str__", "dimensions", "has_alt", "rendition_count", "uploaded_at"]
    list_display_links = ["thumbnail_image", "__str__"]
    search_fields = ["alt", "caption", "credit", "file"]
    search_help_text = "Alt text, caption, credit or file name."
    readonly_fields = ["preview", "dimensions", "rendition_list", "uploaded_at", "uploaded_by"]
    fieldsets = [
        (None, {"fields": ["preview", "file", "alt", "caption", "credit"]}),
        ("Focal point", {"fields": [("focal_x", "focal_y")]}),
        ("Renditions", {"fields": ["dimensions", "rendition_list", "uploaded_at", "uploaded_by"]}),
    ]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Image]:
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description="Thumbnail")
    def thumbnail_image(self, image: Image) -> SafeString | str:
        return thumbnail_html(image)

    @admin.display(description="Preview")
    def preview(self, image: Image) -> SafeString | str:
        return thumbnail_html(image, size=240)

    @admin.display(description="Size")
    def dimensions(self, image: Image) -> str:
        return f"{image.width} x {image.height}" if image.width else "—"

    @admin.display(description="Alt text", boolean=True)
    def has_alt(self, image: Image) -> bool:
        return bool(image.alt)

    @admin.display(description="Renditions")
    def rendition_count(self, image: Image) -> str:
        if image.rendition_error:
            return "failed"
        return str(len(image.renditions)) if image.renditions or image.thumbnail else "in progress"

    @admin.display(description="Renditions")
    def rendition_list(self, image: Image) -> str:
        if image.rendition_error:
            return (
                f"Could not be made ({image.rendition_error}). Pages show the original instead. Upload the "
                "file again (exported anew) to try again."
            )
        if not image.renditions:
            if image.thumbnail:
                return "None: the original is shown at every width (it is narrow, or animated)."
            return "Being made by the worker; reload in a moment."
        return ", ".join(f"{r['width']}x{r['height']} {r['format']}" for r in image.renditions)

    def get_urls(self) -> list[URLPattern]:
        picker = path("picker/", self.admin_site.admin_view(self.picker_view), name="media_image_picker")
        return [picker, *super().get_urls()]

    def picker_view(self, request: HttpRequest) -> HttpResponse:
        """The body editor's "Browse..." window: search the library, click an image to insert it with its
        alt text and caption (django-prose-editor's Figure picker protocol, CKEditor's callFunction)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "")
        # The changelist's search form refuses a NUL (Postgres text cannot hold one); this search has no form.
        if "\x00" in query:
            raise BadRequest("The search holds a NUL character (%00).")
        images, _ = self.get_search_results(request, self.get_queryset(request), query)
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose an image",
            "images": [(image, thumbnail_html(image, size=120)) for image in images[:PICKER_SIZE]],
            "query": query,
            "callback": request.GET.get("CKEditorFuncNum", ""),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/media/image/picker.html", context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Image | None = None,
    ) -> HttpResponse:
        if warning := uploads_not_kept(request):
            self.message_user(request, warning, messages.WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Image, form: forms.ModelForm, change: bool) -> None:
        if not change:
            # The admin answers signed-in staff only: the user is an instance of AUTH_USER_MODEL.
            obj.uploaded_by = cast("User", request.user)
        image_update(image=obj)

    def delete_model(self, request: HttpRequest, obj: Image) -> None:
        image_delete(image=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        for image in queryset:
            image_delete(image=image)
