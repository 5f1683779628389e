// The body editor's image picker: hand the chosen library image to the editor window that opened this one
// (django-prose-editor's Figure picker speaks CKEditor's callFunction protocol), then close.
document.addEventListener("click", (event) => {
  const choice = event.target.closest(".media-picker-choice");
  const list = document.querySelector(".media-picker");
  if (!choice || !list || !window.opener) return;
  window.opener.CKEDITOR.tools.callFunction(list.dataset.callback, choice.dataset.url, {
    id: choice.dataset.id,
    alternative_text: choice.dataset.alt,
    caption: choice.dataset.caption,
  });
  window.close();
});
