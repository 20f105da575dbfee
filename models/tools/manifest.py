"""Prints one entry of models/manifest.toml for shell scripts.

Usage: manifest.py MANIFEST NAME
Prints the entry's fields tab-separated on one line:
package, version, source_file, sha256, license, output. Exits 1 if NAME is not in the manifest.
"""

import sys
import tomllib


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: manifest.py MANIFEST NAME")
    path, name = sys.argv[1], sys.argv[2]
    with open(path, "rb") as handle:
        manifest = tomllib.load(handle)
    for entry in manifest.get("model", []) + manifest.get("asset", []):
        if entry.get("name") == name:
            fields = ("package", "version", "source_file", "sha256", "license", "output")
            print("\t".join(str(entry[f]) for f in fields))
            return
    sys.exit(f"manifest.py: no entry named {name!r} in {path}")


if __name__ == "__main__":
    main()
