"""The instance's RSA key pair, in data/federation-key.pem (never committed, mode 0600).

Made at `bocage init` or, for an instance older than federation, at its first start. Every
actor of the instance signs with it under its own key id (`<actor>#main-key`, owner the actor):
they all speak for the same server. RSA because bovine signs HTTP requests as rsa-sha256.

The private key is parsed once, at its first use: parsing a PEM checks the RSA key (about 40 ms
of CPU), which would otherwise be paid by every delivery and every signed fetch.
"""
from dataclasses import dataclass, field
from pathlib import Path

FILE = "federation-key.pem"
PUBLIC = "federation-key.pub.pem"        # the public half, so that starting needs no parsing


@dataclass(frozen=True)
class KeyPair:
    public_pem: str
    private_pem: str
    _parsed: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def private_key(self):
        """The private key, parsed at the first signature and kept: parsing checks the RSA key
        (about 40 ms), and importing `cryptography` costs a worker that serves only pages 6 MB."""
        if "key" not in self._parsed:
            from cryptography.hazmat.primitives import serialization
            self._parsed["key"] = serialization.load_pem_private_key(self.private_pem.encode("ascii"), password=None)
        return self._parsed["key"]

    def secret(self, key_id: str):
        """A bovine CryptographicSecret (bovine imported here only: see httpsig.py)."""
        from bovine.crypto.types import CryptographicSecret
        return CryptographicSecret(key_id, self.private_key)


def _public_of(private: str) -> str:
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private.encode("ascii"), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _write(path: Path, text: str, mode: int) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="ascii")
    temporary.chmod(mode)
    temporary.replace(path)              # two processes starting at once: one file wins, whole


def load_or_create(data_dir: Path) -> KeyPair:
    path, public_path = Path(data_dir) / FILE, Path(data_dir) / PUBLIC
    if not path.is_file():
        from bovine.crypto import generate_rsa_public_private_key
        _public, private = generate_rsa_public_private_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, private, 0o600)
    private = path.read_text(encoding="ascii")
    public = public_path.read_text(encoding="ascii") if public_path.is_file() else ""
    if not public.startswith("-----BEGIN PUBLIC KEY-----"):
        public = _public_of(private)     # once, for a key made before the public half was kept
        _write(public_path, public, 0o644)
    return KeyPair(public_pem=public, private_pem=private)
