"""The instance's RSA key pair, in data/federation-key.pem (never committed, mode 0600).

Made at `bocage init` or, for an instance older than federation, at its first start. Every
actor of the instance signs with it under its own key id (`<actor>#main-key`, owner the actor):
they all speak for the same server. RSA because bovine signs HTTP requests as rsa-sha256.

The private key is parsed once, when the app starts: parsing a PEM checks the RSA key (about
40 ms of CPU), which would otherwise be paid by every delivery and every signed fetch.
"""
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

FILE = "federation-key.pem"


@dataclass(frozen=True)
class KeyPair:
    public_pem: str
    private_pem: str
    private_key: object = field(default=None, repr=False, compare=False)   # private_pem, parsed once (80 ms each time)

    def secret(self, key_id: str):
        """A bovine CryptographicSecret (bovine imported here only: see httpsig.py)."""
        from bovine.crypto.types import CryptographicSecret
        if self.private_key is None:
            return CryptographicSecret.from_pem(key_id, self.private_pem)
        return CryptographicSecret(key_id, self.private_key)


def load_or_create(data_dir: Path) -> KeyPair:
    path = Path(data_dir) / FILE
    if not path.is_file():
        from bovine.crypto import generate_rsa_public_private_key
        public, private = generate_rsa_public_private_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(private, encoding="ascii")
        temporary.chmod(0o600)
        temporary.replace(path)          # two processes starting at once: one key wins, whole
    private = path.read_text(encoding="ascii")
    key = serialization.load_pem_private_key(private.encode("ascii"), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return KeyPair(public_pem=public, private_pem=private, private_key=key)
