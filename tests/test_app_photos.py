"""AppTest: a comment posted with a photo shows its thumbnail; a refused file is explained in
the user's language; the moderator approves it for export (audited) or deletes it."""

from __future__ import annotations

import io
import zipfile

import pytest
from app_flow import session
from PIL import Image
from streamlit.testing.v1 import AppTest
from util import APP_PASSWORD

from geo.participation.store import open_store
from tests.test_photos import assert_no_metadata, phone_photo

TOWN = "102012400"  # 粕川町稲里
PASSWORD = APP_PASSWORD
pytestmark = pytest.mark.usefixtures("fresh_store")  # tests/conftest.py



def post(at: AppTest, text: str, photo: tuple[str, bytes, str] | None) -> None:
    at.selectbox(key="c_town").select(TOWN).run()
    at.selectbox(key="c_factor").select("mobility").run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value("concern")
    at.text_area(key=f"c_text_{n}").input(text)
    if photo is not None:
        at.file_uploader(key=f"c_photo_{n}").set_value(photo)
    at.checkbox(key=f"c_consent_{n}").check()
    at.button[[b.label for b in at.button].index("投稿")].click().run()
    assert not at.exception, [e.value for e in at.exception]


def images(at: AppTest) -> list[str]:
    """The alt texts of the images on the page."""
    return [img.alt for element in at.get("image") for img in element.proto.imgs]


def test_post_with_photo_shows_the_thumbnail():
    at = session("pages/comments.py")
    assert images(at) == []
    post(at, "歩道の段差が危ないです", ("IMG_0042.JPG", phone_photo(), "image/jpeg"))
    assert not at.error, [e.value for e in at.error]
    cid = at.session_state["c_last"]["id"]
    assert images(at) == [f"投稿 #{cid} の写真"]  # the thumbnail under the new comment
    [element] = at.get("image")
    assert element.proto.imgs[0].url.endswith(".jpg")  # served as a file, not embedded
    store = open_store()
    photo = store.photo(cid)
    assert photo is not None and max(photo.width, photo.height) == 1600
    assert_no_metadata(photo.data)
    # the form is fresh for the next comment: no photo carried over
    fresh = at.file_uploader(key=f"c_photo_{at.session_state['c_form_n']}")
    assert fresh.label.startswith("写真") and fresh.value is None


@pytest.mark.parametrize(("name", "content", "words"), [
    ("report.jpg", b"%PDF-1.7 this is not a photo" * 20, "写真として読み込めません"),
    ("anim.png", None, "GIF"),
])
def test_a_refused_photo_is_explained_and_nothing_is_posted(name, content, words):
    if content is None:  # a GIF renamed .png
        out = io.BytesIO()
        Image.new("RGB", (20, 20)).save(out, "GIF")
        content = out.getvalue()
    at = session("pages/comments.py")
    post(at, "写真つきの声", (name, content, "image/png"))
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert open_store().list_comments(city="maebashi") == []
    assert "c_last" not in at.session_state
    n = at.session_state["c_form_n"]
    assert at.text_area(key=f"c_text_{n}").value == "写真つきの声"  # what was written is kept


def test_refusal_in_english_for_an_english_session():
    at = session("pages/comments.py")
    at.session_state["lang"] = "en"
    at.run()
    at.selectbox(key="c_town").select(TOWN).run()
    at.selectbox(key="c_factor").select("mobility").run()
    n = at.session_state["c_form_n"]
    at.radio(key=f"c_kind_{n}").set_value("concern")
    at.text_area(key=f"c_text_{n}").input("photo")
    at.file_uploader(key=f"c_photo_{n}").set_value(("x.jpg", b"not an image at all", "image/jpeg"))
    at.checkbox(key=f"c_consent_{n}").check()
    at.button[[b.label for b in at.button].index("Post")].click().run()
    assert any("cannot be read as a photo" in e.value for e in at.error), at.error


def test_moderator_approves_a_photo_for_export_and_it_is_audited():
    at = session("pages/comments.py")
    post(at, "バス停の屋根が壊れています", ("roof.jpg", phone_photo((800, 600)), "image/jpeg"))
    cid = at.session_state["c_last"]["id"]
    store = open_store()
    assert zipfile.ZipFile(io.BytesIO(store.export_photos(city="maebashi"))).namelist() == []

    mod = session("pages/moderation.py")
    mod.text_input[0].input("佐藤")
    mod.text_input[1].input(PASSWORD)
    mod.button[0].click().run()
    assert any("書き出し承認" in s.value for s in mod.subheader), [s.value for s in mod.subheader]
    assert images(mod)  # the photo waiting for approval is shown, with its comment's text
    assert "バス停の屋根が壊れています" in [x.value for x in mod.text], [x.value for x in mod.text]
    mod.text_input(key=f"mpreason_{cid}").input("人もナンバーも写っていない").run()
    mod.button(key=f"mp_approve_{cid}").click().run()
    assert not mod.exception, [e.value for e in mod.exception]
    names = zipfile.ZipFile(io.BytesIO(store.export_photos(city="maebashi"))).namelist()
    assert names == [f"comment_{cid}.jpg"]
    [entry] = store.audit_log(comment_id=cid)
    assert (entry.action, entry.actor) == ("photo_approve", "佐藤")
    assert any("写真の書き出しを承認" in str(df.value.to_numpy()) for df in mod.dataframe)
