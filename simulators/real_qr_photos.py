"""Real pictures of QR codes, and real pictures without one, fetched once, checked and cached.

The photos of ``simulators.qr_scenes`` come from one generator; the decoders must also be shown
pictures made by other people and other programs. This module takes the QR pictures and the
barcode and photo files published inside open-source packages, from the registries this machine
reaches, each archive and each file checked by SHA-256:

- pyzxing's source distribution on PyPI (MIT): QR codes of GB18030 and binary bytes, a long
  text, sixteen small 88 px codes from its issue 38, one code turned 0/90/180/270°, and other
  symbologies (MaxiCode, Codabar, Code 128, PDF417, Data Matrix, a photo of Code 39 labels);
- qrcode-reader's package on npm (Apache-2.0): two renderings of a short text;
- zbar's source tarball from Debian's package pool (LGPL-2.1): a URL, the same light on dark,
  binary bytes, and linear barcodes and a scanned SQ code;
- Leptonica's source tarball from Debian's pool (BSD-2-Clause): photographs, a book's EAN-13
  photographed, scanned tickets with ITF barcodes, a warped sudoku, faint text;
- quagga2's package on npm (MIT): phone photos of linear barcodes.

What is missing, said plainly: none of these holds a camera photo of a QR code. zxing-cpp's own
``test/samples/qrcode-*`` photos are not in what Debian publishes (its 1.4.0 orig tarball is
565 KB of source, and the pool answers 404 for it here), jsQR's npm package carries no test
images, nor do ``@zxing/library``, ``zxing-wasm``, ``qr-scanner`` or ``html5-qrcode``. So the
"real" QR set is real files made by other encoders (different module shapes, sizes, byte modes,
inversion, rotation) and the camera conditions stay those of ``simulators.qr_scenes``.

Files are kept under ``~/.cache/kiosk-dvc/real-qr/<source>/`` (never in the repository) and
checked against their SHA-256 whenever read: a corrupt or altered file is refused with an error
that names the file and says how to fetch it again. A code's expected payload is recorded as the
SHA-256 of its raw bytes (as read by zxing-cpp and by zbar in binary mode, which agree).

    python -m simulators.real_qr_photos          # fetch what is missing, list the pictures
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from simulators import published
from simulators.published import FetchMethod

Image = npt.NDArray[np.uint8]

DEFAULT_CACHE = Path.home() / ".cache" / "kiosk-dvc" / "real-qr"


class RealPhotoError(Exception):
    """A real picture that cannot be had: download failed, or a file is not the published one."""


class Source(StrEnum):
    """Where a picture comes from; also its folder in the cache and its row in the benchmark."""

    PYZXING = "pyzxing"
    QRCODE_READER = "qrcode-reader"
    ZBAR = "zbar"
    LEPTONICA = "leptonica"
    QUAGGA2 = "quagga2"


@dataclass(frozen=True, slots=True)
class Archive:
    """A published file that holds some of the pictures, and how to get it."""

    source: Source
    name: str  # file name once downloaded
    method: FetchMethod
    locator: str  # requirement for pip or npm, or URL
    sha256: str
    root: str  # the folder every member sits in
    licence: str


PYZXING = Archive(
    Source.PYZXING, "pyzxing-1.2.2.tar.gz", FetchMethod.PYPI_SDIST, "pyzxing==1.2.2",
    "0b5cf7427dbbb545a6d2d70dc2fda1a2d4e8b0715c63795a3d8f7b86c3b1a3ef", "pyzxing-1.2.2/", "MIT",
)  # fmt: skip
QRCODE_READER = Archive(
    Source.QRCODE_READER, "qrcode-reader-1.0.4.tgz", FetchMethod.NPM_PACK, "qrcode-reader@1.0.4",
    "000dbeb6fbd8c0d28d45eb4f1417b4f8cd57f02dc11e6f760649d6415ac55cda", "package/", "Apache-2.0",
)  # fmt: skip
ZBAR = Archive(
    Source.ZBAR, "zbar_0.23.92.orig.tar.gz", FetchMethod.DEBIAN_POOL,
    "http://deb.debian.org/debian/pool/main/z/zbar/zbar_0.23.92.orig.tar.gz",
    "dffc16695cb6e42fa318a4946fd42866c0f5ab735f7eaf450b108d1c3a19b4ba", "zbar-0.23.92/",
    "LGPL-2.1",
)  # fmt: skip
LEPTONICA = Archive(
    Source.LEPTONICA, "leptonlib_1.82.0.orig.tar.gz", FetchMethod.DEBIAN_POOL,
    "http://deb.debian.org/debian/pool/main/l/leptonlib/leptonlib_1.82.0.orig.tar.gz",
    "155302ee914668c27b6fe3ca9ff2da63b245f6d62f3061c8f27563774b8ae2d6", "leptonica-1.82.0/prog/",
    "BSD-2-Clause",
)  # fmt: skip
QUAGGA2 = Archive(
    Source.QUAGGA2, "ericblade-quagga2-1.12.1.tgz", FetchMethod.NPM_PACK,
    "@ericblade/quagga2@1.12.1",
    "e9ab14903dc6ec60755183149f8ac6b23b2bdd28360dd7bae733b4f122ce5fa0", "package/", "MIT",
)  # fmt: skip
ARCHIVES = (PYZXING, QRCODE_READER, ZBAR, LEPTONICA, QUAGGA2)


@dataclass(frozen=True, slots=True)
class RealPhoto:
    """One real picture: where it is published, its checksum and what it holds."""

    archive: Archive
    member: str  # file inside the archive's root folder
    sha256: str  # of the file's bytes
    payload_sha256: str | None  # of the QR code's raw bytes; None: no QR code in the picture
    note: str

    @property
    def source(self) -> Source:
        return self.archive.source

    @property
    def has_code(self) -> bool:
        return self.payload_sha256 is not None

    def expects(self, payload: bytes) -> bool:
        return hashlib.sha256(payload).hexdigest() == self.payload_sha256


PHOTOS = (
    RealPhoto(
        PYZXING,
        "java-runner/src/test/resources/fixtures/gb18030/gb18030-byte-no-eci.png",
        "ee4aa39fbfabbcbce4e41f9d6d7f3c1cc59af89c4ba09a9e43719fc34d828398",
        "239acf36a384f2f3736d8d35aca17ca2d4e57d18d1a29c845dd276085d63b0d3",
        "GB18030 bytes without ECI",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/qrcode.png",
        "68e418d6cb318eb10a6554470af1fa3bb09ee08a58983b6862adef060a899809",
        "ff463ff9cf73e8cb7c0e33418deb8ec4c4fecf6e14f48d6b18a04a1142995e4c",
        "a long text, version 17",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/plus/bytes.png",
        "b305e1acda49efb1e0cf5a0a9da8fc0f7c9ab6687e5612919d19533d7b3bc844",
        "12ba271b64128eb388622240f8d85e9bab1c9a32212925745b855337ebc3504e",
        "binary bytes (a 7z archive), 2327 px",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/10279.png",
        "e0dfd569e80e33db3107465b59206190cb803f7c7fb85d4859eb99a8173a0332",
        "724a1f1f0a47ae0da4d279e6efc5d6ba21d3022e34f05e5e8417e71c562532a2",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/1982.png",
        "267d40b950accd9e2c51db120a4089b50001e3f84c8d242fa8f07a8520ee6920",
        "48deb732e8de8fe7995bbc2816520798fcab815f62165af4d53bbc24434c963e",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/2189.png",
        "6b79c54396317afc558c4f648d89fb6f1a5dd67068a539887ea880b8ccab9b27",
        "08c159cb811c2742199fed6b07c10860a7b8e777515377e20fe0f2d90f230657",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/2429.png",
        "b907dfd6eb2bd48fd6bc3769286ba9f3fdca8067a7acf1a9408e0b944cfd8485",
        "a5a2b61e6d380d20d61119b19dd064080d3e81b6d7bb6d05287354799d03e878",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/4041.png",
        "8dc471adc2c7c12fc1edcb9393b3ba6e9516d64aca497eef51f05e7974e32982",
        "775988758f13f17d20e083ed112c78ad3b62be322f501d4a61ca174a704be1a7",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/4135.png",
        "d8893a5cb9a2fd805d4a4ad74393930db801b9a795100e62bd3917efd491adcd",
        "956ed71cc6e09d5b8c2933d16fc17170da1f3b0429084a7f4039b02f241e1c8a",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/4598.png",
        "9ef8e0846ea24b66d3bfbf415af23c69c1759c4771cb8329cbff6ea570339b94",
        "ba60a05324e37884704580e5a1bb4babe0dd0f947164ec11962e7f8aa61898b1",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/4608.png",
        "282d5b21692532eff6ce214447e3a2c6527f6bf2638f902d69ef06e948c82344",
        "d6882ad218ce73f74cb4374b3c86b8e3d3eba4715f3d3350590e680a09e970e8",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/4705.png",
        "966cc00bcca74ac041d4e94da686aff9db7989a446758d5cafe6f01d6d31f21b",
        "94f237831755112ed6597937ea6457d45f8ddffd0f538fd761dff18d0343f3fa",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/5468.png",
        "13ec89543b1458733bc6b259b9aa3a66ea4f0077b0370a049ecb19bcbe663af5",
        "e1638e7a3cb9bd9c9b75f8903770c6fb3abe09f3aebca59447b2750c73b77fd5",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/6310.png",
        "6491878fc657c8be03c8fe8cf02a3b3afca75d0271e3dbcb930a08ba163158eb",
        "c8b586101e25a9d10caa8d7da8691ed67ce637d4fe101d6cf593ffd963bd003b",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/6466.png",
        "9fbf06a37d8174648057d0c050071d0c59fc117ad742aa205d59a14554c9579b",
        "da360c513cf899bb114f176a88d5da586b6e184c0bdadd4ea63b2576057932de",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/6620.png",
        "e84c0a0b4c9da7d97f955c28a6ab7abb863865c5d01f9961c8fe5f62bcff4a31",
        "3b4f01eb6c705624e4671bb7c744745276bcb05d3b7b323d83868530154e487c",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/6904.png",
        "fa47a4b29c9041c464a02182ce5584a429d096e815103546642d8caad2bd089c",
        "7e84b7064b47ed05c8b2f72b8d0fb5ffeacde209308d14ea1535e776b35f523b",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/7418.png",
        "058cf22845e8fdea77f23d4dfb5684690705814b780f4605d0e532155d2a1a63",
        "c39cb2c540b601f11e52d4af5785e98d988cc8e8bc7723860ee1b82fc4699729",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/issue-38/9983.png",
        "0e99c8edd49f628d7b0a5ae3b0cb890aa2bc5f9fefb4ba33f5443b310c428976",
        "9ce50680a38be71ba5d1b2d4d418cb3721705f2f4ec60dbf05365ddf76f3c9d1",
        "a small code, 88 px, pyzxing issue 38",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/orientation/qrcode-0.png",
        "5a8e3688fa82e6efec35de274ebadcbcc293e0d702b374658b03b341938d29bd",
        "ff463ff9cf73e8cb7c0e33418deb8ec4c4fecf6e14f48d6b18a04a1142995e4c",
        "turned 0°",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/orientation/qrcode-90.png",
        "420d1d19446e9ce32e661921ce4a9ae13925aa0edc8f49f2e33a4d95f6f4d1d6",
        "ff463ff9cf73e8cb7c0e33418deb8ec4c4fecf6e14f48d6b18a04a1142995e4c",
        "turned 90°",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/orientation/qrcode-180.png",
        "6c740b4ad59859e970f53671adfd37d330965999cca20db4db08d191bec13524",
        "ff463ff9cf73e8cb7c0e33418deb8ec4c4fecf6e14f48d6b18a04a1142995e4c",
        "turned 180°",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/orientation/qrcode-270.png",
        "f77e7041c8ec6d7a44dba9f2a49868dfcb28b29ccf68ccb10863992e02fd0db4",
        "ff463ff9cf73e8cb7c0e33418deb8ec4c4fecf6e14f48d6b18a04a1142995e4c",
        "turned 270°",
    ),
    RealPhoto(
        QRCODE_READER,
        "test/image.png",
        "8d8ea13ca128704daa7bc1bb638e3542c958760e98b544e4f5dcd510c2eef992",
        "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25",
        "a short text",
    ),
    RealPhoto(
        QRCODE_READER,
        "test/image-zxing.png",
        "15e55bc3d83f3793c817f8a74d32c5baa653beeef0d74bf6939ebc377e88511e",
        "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25",
        "a short text, zxing rendering",
    ),
    RealPhoto(
        ZBAR,
        "examples/qr-code.png",
        "65b127c6aee76884f7794b0af4582f2eb1a027b24ecb43b57aeb10eae69c51c2",
        "1e00d3a6194097f907b2db29fe7ff176494fffc774f99a483668a4f66be9c462",
        "a URL, 100 px",
    ),
    RealPhoto(
        ZBAR,
        "examples/qr-code-inverted.png",
        "4299755f1444a257cafec2551c9df6c2b0fcb163d6fbe26ee64e698c0c8a2329",
        "1e00d3a6194097f907b2db29fe7ff176494fffc774f99a483668a4f66be9c462",
        "a URL, light on dark",
    ),
    RealPhoto(
        ZBAR,
        "examples/qr-code-binary.png",
        "1ac7a1be2dcfb579eddf62a2baf7368abf0114b69ff1bafceb24ceb6ceb582de",
        "65b127c6aee76884f7794b0af4582f2eb1a027b24ecb43b57aeb10eae69c51c2",
        "binary bytes (a PNG file)",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/MODE2.png",
        "90379b580b19a940fb03cf0eb59eaa98cbf4e2bf0a2b2c8c00c8c9019f74e4ab",
        None,
        "a MaxiCode",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/codabar.png",
        "a5bd5e5b7e72cf3d5cf0ea23b5d32601064ba6855922ae0ab4585736aba4728b",
        None,
        "a Codabar barcode",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/code128.png",
        "f426523177c01fb10e5f2b945df50d49dffd14523e5f70196f4d27486859a4e3",
        None,
        "a Code 128 barcode",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/multibarcodes.jpg",
        "4281551b60134fabee217eec0626f01dbb3b8724deb88dd7d14bc1f129ec2c41",
        None,
        "a photo of seven Code 39 labels",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/ou.jpg",
        "d359a8ed9793c3a567478a169a5f6ecc2c459dd4c043988e9d4d98c7788209fe",
        None,
        "a photograph",
    ),
    RealPhoto(
        PYZXING,
        "src/resources/pdf417.png",
        "4937c1486ce12d21e30e9eecfbe0884a25d9a994685b5fb345e3cee393178970",
        None,
        "a PDF417 symbol",
    ),
    RealPhoto(
        PYZXING,
        "tests/resources/data-matrix/basic.png",
        "ec5cbd00290327334681fc8a83efce528feaa8a285f70d722b5e5df2f21841f7",
        None,
        "a Data Matrix symbol",
    ),
    RealPhoto(
        ZBAR,
        "examples/code-128.png",
        "4c6a4699896e92d08d8aa921816e02171b5253dc410408e6b3fb3e3b6d3691f9",
        None,
        "a Code 128 barcode",
    ),
    RealPhoto(
        ZBAR,
        "examples/ean-13.png",
        "7f82e0ac25561ac0d1d87b6110acda8bb7f2f4d0a5529464ab1944caead4a2cd",
        None,
        "an EAN-13 barcode",
    ),
    RealPhoto(
        ZBAR,
        "examples/databar-exp.png",
        "a53da7a5f034525755e1d697ea7f3c74153687f391f0bf33162e8d5911da45d3",
        None,
        "a DataBar Expanded Stacked symbol",
    ),
    RealPhoto(
        ZBAR,
        "examples/sqcode1-scanned.png",
        "6726dc4cd6a10986e353b7e2049161bdafd51db143f1738a6f799735397f0bfa",
        None,
        "a scanned SQ code",
    ),
    RealPhoto(
        ZBAR,
        "examples/i2-5.png",
        "68ba1394c77b2fcec8790a3f437d13f4e15497f9e8194a726f29b907e9cf1376",
        None,
        "an Interleaved 2 of 5 barcode",
    ),
    RealPhoto(
        LEPTONICA,
        "barcodetest1.jpg",
        "df83d467fff4a1d2f18bf30bf5c720ff8f02fc382ef56f6e638c944ef30878ca",
        None,
        "a photo of a book's EAN-13 barcode",
    ),
    RealPhoto(
        LEPTONICA,
        "tickets.tif",
        "c2d439b0ca65c4d9115a0a359b37933d2556d36017b1a4086edc178fbd281d16",
        None,
        "scanned tickets with ITF barcodes",
    ),
    RealPhoto(
        LEPTONICA,
        "marge.jpg",
        "4569abb9997dc7923bb8297d306a28b2ae8d707fd0bd5bb01f4c7e5ae667968f",
        None,
        "a cartoon",
    ),
    RealPhoto(
        LEPTONICA,
        "fish24.jpg",
        "dcdda5213c40c70b2256aead397c0734b0fc5941f8098509918b4ebdca22aad1",
        None,
        "a photograph of fish",
    ),
    RealPhoto(
        LEPTONICA,
        "wet-day.jpg",
        "b8fe5a949284449563d47616b5b0ec2723a6c052b0f7e5a4b70d11495d5caf36",
        None,
        "a photograph, a wet day",
    ),
    RealPhoto(
        LEPTONICA,
        "tetons.jpg",
        "ad3f39f6f5c2bfd29b451d8849f195f4d669b23d376f65934919b3bacbcbe5b4",
        None,
        "a landscape photograph",
    ),
    RealPhoto(
        LEPTONICA,
        "wyom.jpg",
        "38f713722a5424cb575d6854e13c5133b58ec647c5b76ca70982a4721e617f29",
        None,
        "a landscape photograph",
    ),
    RealPhoto(
        LEPTONICA,
        "stampede2.jpg",
        "d9ab0f7abbf6839ed01b2777e5b57dc81e2ce4dba1061e666221c4f25ad0a495",
        None,
        "a printed photograph",
    ),
    RealPhoto(
        LEPTONICA,
        "test24.jpg",
        "e031cd9657dab8fcb60c61ed465a2b69df00ef9fa1bdd497050ae59eeaa86b9e",
        None,
        "a colour photograph",
    ),
    RealPhoto(
        LEPTONICA,
        "juditharismax.jpg",
        "342832b9b316778a7eee6e14325d85cd7ff26e194f3f9442e420d0538f39e1ae",
        None,
        "a photograph",
    ),
    RealPhoto(
        LEPTONICA,
        "warped_sudoku.jpg",
        "0857ac69a165344dc69b387f4bcfbbd79f9a08f5bc1b364c49beab7a5f4b0825",
        None,
        "a photo of a warped sudoku grid",
    ),
    RealPhoto(
        LEPTONICA,
        "lighttext.jpg",
        "797546e4519668611d81a351ceb444f85a44f55cadbaa06f40609f923f6a83d9",
        None,
        "a photo of faint text",
    ),
    RealPhoto(
        LEPTONICA,
        "cat.035.jpg",
        "50891922b1c7cd899547b15874553c9fa396457046793b257dd2639771003288",
        None,
        "a scanned catalogue page",
    ),
    RealPhoto(
        QUAGGA2,
        "docs/assets/mobile-detected.png",
        "139c42ec84a4e9b7d7b656a022b6ecaae6bae2b0bc46b6f5dd2a8571e8aa5775",
        None,
        "a phone photo of a barcode, annotated",
    ),
    RealPhoto(
        QUAGGA2,
        "docs/assets/mobile-located.png",
        "cc3cb1199d4fe8872e778a38d232903c886daa498b3b5d21ea776d5a22422e7f",
        None,
        "a phone photo of a barcode, annotated",
    ),
    RealPhoto(
        QUAGGA2,
        "docs/assets/teaser.png",
        "a09bbb53557e90ac6e617ec6f90f7fd1f041cfca87d0dca63bac7fe6db09f21c",
        None,
        "a phone scanning a barcode",
    ),
    RealPhoto(
        QUAGGA2,
        "docs/assets/quaggaJS-code128.png",
        "188194c73933764997184deac02d03d61d114fd883beb4b55fb199cc58ff10a0",
        None,
        "a Code 128 barcode",
    ),
)

Downloader = Callable[[Archive, Path], Path]


def cached_path(photo: RealPhoto, cache: Path = DEFAULT_CACHE) -> Path:
    """``<cache>/<source>/<member with / turned into __>``: flat, and unique per archive."""
    return cache / photo.source.value / photo.member.replace("/", "__")


def download(archive: Archive, folder: Path) -> Path:
    """The archive, downloaded into ``folder`` with the ordinary client of its registry."""
    return published.download(archive, folder, RealPhotoError)


def missing(cache: Path = DEFAULT_CACHE, photos: tuple[RealPhoto, ...] = PHOTOS) -> list[RealPhoto]:
    """The pictures whose file is not in the cache yet."""
    return [p for p in photos if not cached_path(p, cache).is_file()]


def fetch(
    cache: Path = DEFAULT_CACHE,
    photos: tuple[RealPhoto, ...] = PHOTOS,
    downloader: Downloader = download,
) -> list[Path]:
    """Put every picture of ``photos`` in ``cache``, downloading only archives with one missing.

    The archive and each picture are checked against their SHA-256 before a file is written
    (atomically), so the cache holds the published files or nothing. Archives are not kept.
    """
    wanted = [
        published.Wanted(p.archive, p.member, p.sha256, cached_path(p, cache))
        for p in missing(cache, photos)
    ]
    published.fetch_members(wanted, downloader, RealPhotoError)
    return [cached_path(p, cache) for p in photos]


def load(photo: RealPhoto, cache: Path = DEFAULT_CACHE) -> Image:
    """The picture as published, BGR; its file is checked against its SHA-256 first."""
    path = cached_path(photo, cache)
    command = "python -m simulators.real_qr_photos"
    data = published.read_checked(path, photo.sha256, command, RealPhotoError)
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RealPhotoError(f"{path} is not an image OpenCV can read")
    return np.asarray(image, dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    try:
        fetch(args.cache)
    except RealPhotoError as exc:
        print(f"real_qr_photos: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    for photo in PHOTOS:
        kind = "QR" if photo.has_code else "no QR"
        print(f"{photo.source.value:<14}{kind:<7}{photo.member:<58}{photo.note}")
    print(f"{sum(p.has_code for p in PHOTOS)} with a QR code, "
          f"{sum(not p.has_code for p in PHOTOS)} without, in {args.cache}")  # fmt: skip


if __name__ == "__main__":
    main()
