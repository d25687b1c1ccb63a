"""Reading a card: QR codes from phone photos (zxing-cpp), typed or scanned text, and the camera
script (card-scan.js) without a browser.

The photos are made from a real card: issued, rendered to PDF by cards.pdf, rasterised like the
card tests do, then photographed in software (scaled, turned, blurred, noisy, dim, small on a
desk, saved as JPEG). Each must give back the exact payload, which must verify with the public
keys as the endpoint publishes them."""

import io
import json
import random
import shutil
import struct
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import segno
from PIL import Image, ImageEnhance, ImageFilter

from mutuelle.cards import actions, pdf, reading, rules
from tests.cards.test_cards import household_of_five, memberships_of, published_keys

pytestmark = pytest.mark.django_db  # only the first test to need a card writes one

ON = date(2026, 11, 24)
STATIC = Path(__file__).resolve().parents[2] / "src" / "mutuelle" / "static"

_CARD: dict = {}  # rendered once per test process: the payload, the keys, the card at 300 dpi


@pytest.fixture
def card(request):
    """(payload, public keys, the card as a 300-dpi picture)."""
    if not _CARD:
        world = request.getfixturevalue("world")
        client = request.getfixturevalue("client")
        issued = actions.issue_cards(
            world.enrolment, memberships_of(household_of_five(world))[:1], on=ON
        )
        document = pypdfium2.PdfDocument(pdf.render(issued, pdf.CR80, language="fr"))
        try:
            picture = document[0].render(scale=300 / 72).to_pil().convert("RGB")
        finally:
            document.close()
        client.force_login(world.enrolment)
        _CARD.update(payload=issued[0].payload, keys=published_keys(client), picture=picture)
    return _CARD["payload"], _CARD["keys"], _CARD["picture"]


# --- Photos -----------------------------------------------------------------------------------
def desk(size, seed):
    """A wooden desk with some texture."""
    rng = random.Random(seed)
    base = Image.new("RGB", size, (140 + rng.randint(0, 40), 110 + rng.randint(0, 20), 80))
    grain = grey_noise((max(1, size[0] // 8), max(1, size[1] // 8)), rng)
    return Image.blend(base, grain.resize(size).convert("RGB"), 0.15)


def grey_noise(size, rng):
    """Uniform grey noise, the same for the same generator (Image.effect_noise is not)."""
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def photograph(
    card_picture,
    *,
    width,
    canvas,
    angle=0.0,
    at=(0.5, 0.5),
    blur=0.0,
    noise=0.0,
    dim=1.0,
    turn=None,
    exif_orientation=None,
    quality=80,
    seed=1,
    fmt="JPEG",
):
    """A phone's photo of the card: the card `width` pixels wide, turned by `angle` degrees, on a
    desk `canvas` pixels large, blurred, noisy, dim; `turn` rotates the saved pixels, while
    `exif_orientation` stores them sideways with the EXIF tag that says how to turn them back."""
    shot = card_picture.resize(
        (width, round(card_picture.height * width / card_picture.width)), Image.Resampling.LANCZOS
    )
    # Blur, grain and dim light are applied to the card's surroundings only (cheaper than on a
    # whole 27-megapixel frame, and the same to the decoder).
    if blur:
        shot = shot.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        grain = grey_noise(shot.size, random.Random(seed))
        shot = Image.blend(shot, Image.merge("RGB", [grain] * 3), noise / 150)
    if dim != 1.0:
        shot = ImageEnhance.Contrast(ImageEnhance.Brightness(shot).enhance(dim)).enhance(0.7)
    if angle:
        shot = shot.convert("RGBA").rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    image = desk(canvas, seed)
    position = (int((canvas[0] - shot.width) * at[0]), int((canvas[1] - shot.height) * at[1]))
    image.paste(shot, position, shot if shot.mode == "RGBA" else None)
    if turn is not None:
        image = image.transpose(turn)
    extra = {}
    if exif_orientation is not None:
        # Orientation 6: the camera held upright, the sensor's pixels stored turned 90° left.
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        extra["exif"] = exif
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality, **extra)
    else:
        image.save(out, fmt)
    return out.getvalue()


PHOTOS = {
    # A 12-megapixel phone photo: the card small on a desk, a little turned, blurred and noisy.
    "desk_12mp": dict(width=1400, canvas=(4000, 3000), angle=7, blur=1.5, noise=30, quality=75),
    # Held far from the lens: the code is read only at the photo's full resolution.
    "far_away": dict(width=420, canvas=(4000, 3000), angle=-5, blur=0.8, noise=15, quality=85),
    # The card in a corner of the frame, turned 12°.
    "corner": dict(width=900, canvas=(4000, 3000), at=(0.95, 0.05), angle=12, blur=2),
    # A 27-megapixel photo, close up, blurred: scaled down before decoding.
    "huge_27mp": dict(width=2500, canvas=(6000, 4500), angle=-4, blur=3, noise=25, quality=70),
    # The phone held sideways: pixels turned 90° ...
    "turned_90": dict(width=1000, canvas=(3000, 2250), turn=Image.Transpose.ROTATE_90, blur=1),
    "turned_270": dict(width=1000, canvas=(3000, 2250), turn=Image.Transpose.ROTATE_270),
    # ... or upright with an EXIF orientation tag, as most phones save.
    "exif_rotated": dict(width=1000, canvas=(3000, 2250), exif_orientation=6, blur=1),
    "tilted_30": dict(width=1200, canvas=(3000, 2250), angle=30, blur=1),
    "tilted_upside_down": dict(width=1200, canvas=(3000, 2250), angle=183),
    # Blurred enough that only a sharpened variant reads it.
    "blurred": dict(width=1200, canvas=(3000, 2250), blur=3.2, noise=20),
    "dim_room": dict(width=1200, canvas=(3000, 2250), dim=0.45, noise=30, blur=2),
    # An old phone: a small photo, the card small in it.
    "small_photo": dict(width=480, canvas=(1280, 960), angle=3, blur=0.8, noise=20),
    "tiny_photo": dict(width=330, canvas=(800, 600)),
    # A screenshot or a scan sent as PNG.
    "png_scan": dict(width=1012, canvas=(1100, 700), fmt="PNG"),
    "webp": dict(width=900, canvas=(1600, 1200), blur=1, fmt="WEBP"),
}


@pytest.mark.parametrize("name", PHOTOS)
def test_it_reads_the_exact_payload_from_a_photo_of_the_card(card, name):
    payload, keys, picture = card
    data = photograph(picture, **PHOTOS[name])
    result = reading.read_photo(data)
    assert result == reading.PhotoReading(payload, None)
    assert rules.verify(result.payload, keys, today=ON).ok
    text, error = result  # views unpack it
    assert text == payload and error is None


def qr_picture(text, scale):
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def test_it_prefers_the_card_to_another_qr_code_in_the_picture(card):
    payload, _keys, picture = card
    poster = qr_picture("https://example.org/vaccination", scale=12)
    image = desk((2400, 1400), 3)
    image.paste(poster, (60, 60))
    image.paste(picture, (1300, 300))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    assert reading.read_photo(out.getvalue()) == (payload, None)


def test_another_qr_code_alone_is_returned_for_identify_to_judge():
    out = io.BytesIO()
    qr_picture("https://example.org/", scale=10).save(out, "PNG")
    text, error = reading.read_photo(out.getvalue())
    assert (text, error) == ("https://example.org/", None)
    assert reading.identify(text).error == "number.malformed"


def png_header(width, height):
    """A PNG that claims to be `width` × `height` (1 bit, grey) without the pixels to match."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def blank_png():
    out = io.BytesIO()
    desk((1200, 900), 5).save(out, "PNG")
    return out.getvalue()


def a_pdf():
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", reading.NOT_AN_IMAGE),
        (random.Random(1).randbytes(50_000), reading.NOT_AN_IMAGE),
        ("Carte d'adhérent".encode("cp1252"), reading.NOT_AN_IMAGE),
        (a_pdf(), reading.NOT_AN_IMAGE),
        (b"\xff\xd8\xff\xe0" + b"\0" * 200, reading.NOT_AN_IMAGE),  # a JPEG's start, then nothing
        (b"\0" * (reading.MAX_BYTES + 1), reading.TOO_LARGE),
        (png_header(20_000, 20_000), reading.TOO_LARGE),  # 400 megapixels: a decompression bomb
        (png_header(7_000, 7_000), reading.TOO_LARGE),  # 49 megapixels of PNG, decoded whole
        (blank_png(), reading.NO_CODE),
    ],
)
def test_it_refuses_what_it_cannot_read_with_an_error_code(data, error):
    assert reading.read_photo(data) == reading.PhotoReading(None, error)


def test_a_truncated_photo_gives_an_error_code_not_an_exception(card):
    _payload, _keys, picture = card
    data = photograph(picture, width=1000, canvas=(2000, 1500))
    for size in (10, 300, len(data) // 3):
        result = reading.read_photo(data[:size])
        assert result.payload is None and result.error in (reading.NOT_AN_IMAGE, reading.NO_CODE)


def test_an_other_image_format_is_not_accepted():
    out = io.BytesIO()
    desk((200, 100), 2).save(out, "TIFF")
    assert reading.read_photo(out.getvalue()) == (None, reading.NOT_AN_IMAGE)


# --- What is typed ----------------------------------------------------------------------------
PAYLOAD = (
    "MUT1|MA-0000023|0BHXNC7RT2|20271123|MA.1|"
    "GI2hkze-SxKV5apbem5sLpjzsc0JvE8hwrnas3TYGKrz7b6xQS6KTeUlqOtLbkaenEClvS1gjCMve4hjr2dFAw"
)
CLAIMS = rules.Claims("MA-0000023", "0BHXNC7RT2", date(2027, 11, 23), "MA.1")

# What a USB scanner set up as an American keyboard types into a French (AZERTY) computer.
QWERTY_TO_AZERTY = str.maketrans(
    {
        **dict(zip("1234567890-=", "&é\"'(-è_çà)=", strict=True)),
        **dict(zip("!@#$%^&*()_+", "1234567890°+", strict=True)),
        **dict(zip("qwazQWAZ", "azqwAZQW", strict=True)),
        **dict(zip(";:'\"\\|", "mMù%*µ", strict=True)),
        **dict(zip("mM,<.>/?", ",?;.:/!§", strict=True)),
    }
)


@pytest.mark.parametrize(
    ("typed", "number", "error"),
    [
        ("MA-0000023", "MA-0000023", ""),
        ("ma-0000023", "MA-0000023", ""),
        ("ma 0000023", "MA-0000023", ""),
        ("MA0000023", "MA-0000023", ""),
        (" MA - 000 0023 \r\n", "MA-0000023", ""),
        ("MA-000-0023", "MA-0000023", ""),
        ("MA–0000023", "MA-0000023", ""),  # an en dash from a word processor
        ("ma_0000023", "MA-0000023", ""),
        ("m20000023", "M2-0000023", ""),  # a mutual code ending in a digit, typed without dash
        ("MA-2 0000023", "MA-2-0000023", ""),  # a mutual code with a dash
        ("MA-0000024", "MA-0000024", "number.bad_check_digit"),  # a typo stays as typed
        ("MA0000032", "MA-0000032", "number.bad_check_digit"),  # neighbours swapped
        ("MA-12345678", "MA-12345678", "number.bad_check_digit"),
        ("0000023", "0000023", "number.malformed"),
        ("bonjour", "BONJOUR", "number.malformed"),
    ],
)
def test_identify_normalizes_membership_numbers(typed, number, error):
    found = reading.identify(typed)
    assert found == reading.Identified(reading.NUMBER, number, error=error)


def test_identify_uses_the_mutual_codes_to_split_a_number_typed_without_dash():
    assert reading.identify("MA20000023").number == "MA2-0000023"
    found = reading.identify("MA20000023", mutual_codes={"MA", "MB"})
    assert found.number == "MA-20000023" and found.error == "number.bad_check_digit"
    assert reading.identify("MC-0000023", {"MA"}).error == "number.unknown_mutual"


@pytest.mark.parametrize("typed", ["", "   ", "\r\n", None])
def test_identify_says_when_nothing_was_typed(typed):
    assert reading.identify(typed) == reading.Identified(reading.EMPTY)


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        (PAYLOAD, ""),
        (f"  {PAYLOAD}\r\n", ""),  # scanners end with Enter
        (f"\t{PAYLOAD}\t", ""),
        (PAYLOAD.swapcase(), reading.CAPS_LOCK),
        (PAYLOAD.translate(QWERTY_TO_AZERTY), reading.KEYBOARD_LAYOUT),
    ],
)
def test_identify_reads_a_scanned_payload(typed, repaired):
    found = reading.identify(typed)
    assert found == reading.Identified(reading.PAYLOAD, "MA-0000023", PAYLOAD, CLAIMS, "", repaired)


def test_a_garbled_scanner_is_recognised_for_numbers_too():
    typed = "MA-0000023".translate(QWERTY_TO_AZERTY)
    assert typed == '?Q)àààààé"'
    found = reading.identify(typed)
    assert (found.kind, found.number, found.repaired) == (
        reading.NUMBER,
        "MA-0000023",
        reading.KEYBOARD_LAYOUT,
    )


@pytest.mark.parametrize(
    "typed",
    [
        "MUT1|",
        "mut1|nonsense",
        PAYLOAD + "|extra",
        PAYLOAD.replace("20271123", "2027-11-23"),
        PAYLOAD[:-10],
    ],
)
def test_a_broken_payload_is_a_malformed_payload_not_a_number(typed):
    found = reading.identify(typed)
    assert (found.kind, found.claims, found.error) == (reading.PAYLOAD, None, rules.MALFORMED)


def test_a_broken_payload_from_a_garbled_scanner_is_still_a_payload():
    typed = PAYLOAD[:-10].translate(QWERTY_TO_AZERTY)
    assert typed.startswith("?UT&µ")
    found = reading.identify(typed)
    assert (found.kind, found.error, found.repaired) == (
        reading.PAYLOAD,
        rules.MALFORMED,
        reading.KEYBOARD_LAYOUT,
    )
    assert found.payload == PAYLOAD[:-10]


def test_identify_leaves_the_signature_to_verify(card):
    payload, keys, _picture = card
    found = reading.identify(payload)
    assert found.kind == reading.PAYLOAD and rules.verify(found.payload, keys).ok
    forged = payload.replace("|MA-", "|MA-9", 1)
    found = reading.identify(forged)
    assert found.kind == reading.PAYLOAD and found.claims is not None  # parsed, not verified
    assert rules.verify(found.payload, keys).reasons == (rules.BAD_SIGNATURE,)


# --- The camera script ------------------------------------------------------------------------
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const [script, payload, withCamera] = process.argv.slice(2);

function element(tag) {
  const el = {
    tagName: tag, children: [], attrs: {}, style: {}, hidden: false, listeners: {},
    setAttribute(k, v) { this.attrs[k] = String(v); },
    getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; },
    appendChild(c) { this.children.push(c); return c; },
    addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); },
    dispatchEvent(e) { (this.listeners[e.type] || []).forEach((f) => f(e)); return true; },
  };
  if (tag === "video") {
    Object.assign(el, { videoWidth: 1280, videoHeight: 720, srcObject: null,
      play() { return Promise.resolve(); }, pause() {} });
  }
  if (tag === "canvas") {
    el.getContext = () => ({ drawImage() {},
      getImageData: (x, y, w, h) => ({ data: new Uint8ClampedArray(w * h * 4) }) });
  }
  return el;
}

const form = { submitted: 0, requestSubmit() { this.submitted += 1; } };
const input = element("input"); input.value = ""; input.form = form;
const method = element("input"); method.value = "";
const box = element("div");
box.attrs = { "data-card-scan": "", "data-target": "#id_number",
  "data-method-target": "#id_method", "data-label-scan": "Scanner la carte",
  "data-label-stop": "Arrêter la caméra" };
const track = { stopped: false, stop() { this.stopped = true; } };
let frames = 0;
const win = {
  setTimeout, clearTimeout, addEventListener() {},
  jsQR: (data, w, h) => (++frames >= 3 ? { data: payload } : null),
};
const documentListeners = {};
const doc = {
  readyState: "complete", currentScript: null, hidden: false, head: element("head"),
  createElement: element,
  querySelector: (s) => ({ "#id_number": input, "#id_method": method }[s] || null),
  querySelectorAll: (s) => (s === "[data-card-scan]" ? [box] : []),
  addEventListener(t, f) { documentListeners[t] = f; },
};
const nav = withCamera === "yes" ? { mediaDevices: {
  getUserMedia: () => Promise.resolve({ getTracks: () => [track] }) } } : {};
class Event { constructor(type) { this.type = type; } }
const context = { window: win, document: doc, navigator: nav, Event, Promise, Math,
  Uint8ClampedArray, console };
win.document = doc;
vm.createContext(context);
vm.runInContext(fs.readFileSync(script, "utf8"), context, { filename: script });

const button = box.children.find((c) => c.tagName === "button");
const report = { button: button ? button.textContent : null };
if (!button) { console.log(JSON.stringify(report)); process.exit(0); }
button.listeners.click[0]();
setTimeout(() => {
  Object.assign(report, { value: input.value, method: method.value, submitted: form.submitted,
    stopped: track.stopped, frames, label: button.textContent,
    inputEvents: Object.keys(input.listeners) });
  console.log(JSON.stringify(report));
}, 1500);
"""


def run_card_scan(tmp_path, with_camera):
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    script = STATIC / "js" / "card-scan.js"
    done = subprocess.run(
        [NODE, str(harness), str(script), PAYLOAD, "yes" if with_camera else "no"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def find_node() -> str:
    """Debian's node, else the one Playwright (a test dependency) ships for its driver."""
    import playwright

    bundled = Path(playwright.__file__).parent / "driver" / "node"
    return shutil.which("node") or (str(bundled) if bundled.exists() else "")


NODE = find_node()


def test_card_scan_js_is_valid_javascript():
    script = STATIC / "js" / "card-scan.js"
    assert NODE, "node (Debian's, or Playwright's) is needed to check card-scan.js"
    subprocess.run([NODE, "--check", str(script)], check=True, timeout=60)
    text = script.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text  # nothing from elsewhere


def test_card_scan_fills_the_field_marks_the_camera_and_submits(tmp_path):
    report = run_card_scan(tmp_path, with_camera=True)
    assert report["button"] == "Scanner la carte"
    assert report["value"] == PAYLOAD and report["method"] == "camera"
    assert report["submitted"] == 1 and report["stopped"] is True and report["frames"] == 3
    assert report["label"] == "Scanner la carte"  # back to its first label once stopped


def test_card_scan_offers_no_button_without_a_camera(tmp_path):
    assert run_card_scan(tmp_path, with_camera=False) == {"button": None}


JSQR_HARNESS = r"""
const fs = require("fs");
const [library, pixels, width, height] = process.argv.slice(2);
const jsQR = require(library);
const data = new Uint8ClampedArray(fs.readFileSync(pixels));
const code = jsQR(data, Number(width), Number(height), { inversionAttempts: "attemptBoth" });
console.log(JSON.stringify(code ? code.data : null));
"""


@pytest.mark.parametrize(
    ("width", "angle"),
    # The card across 90 % and 55 % of the frame, a little turned. (jsQR is less forgiving than
    # zxing-cpp: at a third of the frame it wants the card straight; the clerk moves closer.)
    [(1150, -8), (700, 2), (700, -8)],
)
def test_the_vendored_jsqr_reads_a_camera_frame_of_the_card(card, tmp_path, width, angle):
    """What card-scan.js hands jsQR: one 1280 × 720 frame of the rear camera, as RGBA."""
    payload, keys, picture = card
    data = photograph(picture, width=width, canvas=(1280, 720), angle=angle, blur=1)
    frame = Image.open(io.BytesIO(data)).convert("RGBA")
    (tmp_path / "frame.rgba").write_bytes(frame.tobytes())
    (tmp_path / "read.js").write_text(JSQR_HARNESS, encoding="utf-8")
    done = subprocess.run(
        [NODE, str(tmp_path / "read.js"), str(STATIC / "vendor" / "jsqr" / "jsQR.js")]
        + [str(tmp_path / "frame.rgba"), str(frame.width), str(frame.height)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = json.loads(done.stdout)
    assert text == payload and rules.verify(text, keys, today=ON).ok


def test_jsqr_is_vendored_with_its_licence_and_version():
    folder = STATIC / "vendor" / "jsqr"
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "jsQR 1.4.0" in (folder / "VERSION").read_text(encoding="utf-8")
    assert 'root["jsQR"] = factory()' in (folder / "jsQR.js").read_text(encoding="utf-8")


# --- Through the eligibility screen -----------------------------------------------------------
def test_a_clerk_checks_eligibility_with_a_photo_of_the_card(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from mutuelle.claims.models import EligibilityCheck
    from mutuelle.members.models import Membership
    from tests.claims.helpers import covered_world

    home, _version = covered_world(world)
    membership = Membership.unscoped.select_related("person").get(person=home.head)
    issued = actions.issue_cards(world.admin, [membership])
    document = pypdfium2.PdfDocument(pdf.render(issued, pdf.CR80, language="fr"))
    try:
        picture = document[0].render(scale=300 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    photo = photograph(picture, width=1400, canvas=(4000, 3000), angle=-6, blur=1.5, noise=20)
    client.force_login(world.clerk)

    def post(data, name="carte.jpg"):
        upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
        form = {"number": "", "care_date": "2026-05-04", "photo": upload}
        return client.post(reverse("eligibility"), form).content.decode()

    page = post(photo)
    assert "COUVERT" in page and str(membership.person) in page
    check = EligibilityCheck.unscoped.get()
    assert (check.membership, check.method, check.result) == (membership, "photo", "covered")
    # Not a picture, or a picture without a card: said so, nothing looked up.
    assert "pas une image" in post(b"%PDF-1.4 not a photo", "carte.pdf")
    assert "Aucun code" in post(blank_png(), "mur.png")
    assert EligibilityCheck.unscoped.count() == 1
