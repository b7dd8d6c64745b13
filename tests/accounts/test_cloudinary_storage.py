"""Profile pictures on Cloudinary, against a local stand-in for Cloudinary's API.

The real `cloudinary` client does the work (signing, multipart upload, the admin API);
only its `upload_prefix` points at an HTTP server on 127.0.0.1, so no test reaches the
internet and what the app stores is what that server answered.
"""

import email
import email.policy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

import cloudinary
import pytest
from django.core.files.base import ContentFile
from django.template import Context, Template
from django.urls import reverse

from accounts.storage import CloudinaryStorage
from tests.accounts.pictures import image_bytes, picture_upload

CLOUD = "riverside-test"
PROFILE = reverse("accounts:profile")


class FakeCloudinary(BaseHTTPRequestHandler):
    """Answers the three calls the storage makes, the way Cloudinary's API does."""

    def log_message(self, *args):
        pass

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _form(self):
        length = int(self.headers["Content-Length"])
        raw = self.rfile.read(length)
        content_type = self.headers["Content-Type"]
        if content_type.startswith("multipart/form-data"):
            message = email.message_from_bytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + raw,
                policy=email.policy.HTTP,
            )
            form = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                form[name] = part.get_payload(decode=True)
            return form
        return {k: v[0].encode() for k, v in parse_qs(raw.decode()).items()}

    def do_POST(self):
        server = self.server
        match = re.fullmatch(rf"/v1_1/{CLOUD}/image/(upload|destroy)", self.path)
        if not match:
            return self._reply(404, {"error": {"message": "Not found"}})
        form = self._form()
        server.requests.append((match[1], form))
        public_id = form["public_id"].decode()
        if match[1] == "destroy":
            existed = server.resources.pop(public_id, None) is not None
            return self._reply(200, {"result": "ok" if existed else "not found"})
        server.version += 1
        fmt = "png"
        url = f"https://res.cloudinary.com/{CLOUD}/image/upload/v{server.version}/{public_id}.{fmt}"
        server.resources[public_id] = form["file"]
        return self._reply(
            200,
            {
                "public_id": public_id,
                "version": server.version,
                "format": fmt,
                "resource_type": "image",
                "bytes": len(form["file"]),
                "url": url.replace("https://", "http://"),
                "secure_url": url,
            },
        )

    def do_GET(self):
        match = re.fullmatch(rf"/v1_1/{CLOUD}/resources/image/upload/(.+?)(\?.*)?", self.path)
        public_id = unquote(match[1]) if match else None
        self.server.requests.append(("resource", public_id))
        if public_id in self.server.resources:
            size = len(self.server.resources[public_id])
            return self._reply(200, {"public_id": public_id, "bytes": size})
        return self._reply(404, {"error": {"message": f"Resource not found - {public_id}"}})


@pytest.fixture
def fake_cloudinary(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCloudinary)
    server.requests, server.resources, server.version = [], {}, 1_700_000_000
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    saved = dict(cloudinary.config().__dict__)
    cloudinary.config(
        cloud_name=CLOUD,
        api_key="123456789",
        api_secret="not-a-real-secret",
        upload_prefix=f"http://127.0.0.1:{server.server_port}",
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "accounts.storage.CloudinaryStorage"},
    }
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        cloudinary.config().__dict__.clear()
        cloudinary.config(**saved)


def post_picture(client, user, upload):
    return client.post(
        PROFILE,
        {"first_name": user.first_name, "last_name": user.last_name, "picture": upload},
    )


def test_uploaded_picture_is_stored_at_the_url_cloudinary_returned(
    fake_cloudinary, now, patient, patient_client
):
    response = post_picture(patient_client, patient.user, picture_upload("PNG"))

    assert response.status_code == 302
    patient.user.refresh_from_db()
    ((_, form),) = [r for r in fake_cloudinary.requests if r[0] == "upload"]
    public_id = form["public_id"].decode()
    assert public_id.startswith("profile-pictures/")
    assert form["file"] == image_bytes("PNG")
    assert form["api_key"] == b"123456789"
    assert form["signature"]  # the real client signed the request
    expected = f"https://res.cloudinary.com/{CLOUD}/image/upload/v1700000001/{public_id}.png"
    assert patient.user.picture.name == expected
    assert patient.user.picture.url == expected
    assert f'src="{expected}"' in patient_client.get(PROFILE).text


def test_replacing_the_picture_deletes_the_old_one_on_cloudinary(
    fake_cloudinary, now, patient, patient_client, django_capture_on_commit_callbacks
):
    post_picture(patient_client, patient.user, picture_upload("PNG"))
    patient.user.refresh_from_db()
    first = patient.user.picture.name
    first_id = re.search(r"/v\d+/(.+)\.png$", first)[1]

    with django_capture_on_commit_callbacks(execute=True):
        post_picture(patient_client, patient.user, picture_upload("JPEG"))

    patient.user.refresh_from_db()
    assert patient.user.picture.name != first
    destroyed = [
        form["public_id"].decode() for a, form in fake_cloudinary.requests if a == "destroy"
    ]
    assert destroyed == [first_id]
    assert first_id not in fake_cloudinary.resources
    assert len(fake_cloudinary.resources) == 1


def test_removing_the_picture_deletes_it_on_cloudinary(
    fake_cloudinary, now, patient, patient_client, django_capture_on_commit_callbacks
):
    post_picture(patient_client, patient.user, picture_upload("PNG"))

    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(
            PROFILE,
            {
                "first_name": patient.user.first_name,
                "last_name": patient.user.last_name,
                "remove_picture": "on",
            },
        )

    patient.user.refresh_from_db()
    assert patient.user.picture.name == ""
    assert fake_cloudinary.resources == {}


def test_exists_asks_cloudinarys_admin_api(fake_cloudinary):
    storage = CloudinaryStorage()
    assert not storage.exists("profile-pictures/abc.png")

    name = storage.save("profile-pictures/abc.png", ContentFile(image_bytes("PNG")))

    assert storage.exists(name)
    assert storage.exists("profile-pictures/abc.png")
    assert storage.size(name) == len(image_bytes("PNG"))


def test_lists_get_a_thumbnail_transformation_url(fake_cloudinary):
    storage = CloudinaryStorage()
    name = storage.save("profile-pictures/abc.png", ContentFile(image_bytes("PNG")))

    assert storage.thumbnail_url(name) == (
        f"https://res.cloudinary.com/{CLOUD}/image/upload/c_thumb,g_face,h_96,w_96/"
        "v1700000001/profile-pictures/abc.png"
    )


def test_thumbnail_filter_uses_the_transformation_and_falls_back_locally(
    fake_cloudinary, now, patient, patient_client
):
    post_picture(patient_client, patient.user, picture_upload("PNG"))
    patient.user.refresh_from_db()
    template = Template("{% load profile_pictures %}{{ user.picture|thumbnail_url }}")

    rendered = template.render(Context({"user": patient.user}))

    assert "/image/upload/c_thumb,g_face,h_96,w_96/v1700000001/profile-pictures/" in rendered


def test_local_files_are_used_without_cloudinary_url(settings):
    if settings.CLOUDINARY_URL:
        pytest.skip("CLOUDINARY_URL is set in this environment")
    assert settings.STORAGES["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )
