"""CKAN 2.10 package, resource and organization dicts, as `ckanapi dump datasets` writes them."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from demo.home import slugify
from demo.partner_texts import EXTENSION, FORMAT_VARIANTS, LICENSES, PORTAL_URL

Package = dict[str, Any]


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _when(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    return lo + timedelta(microseconds=rng.randrange(int((hi - lo).total_seconds() * 1e6)))


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


class CkanBuilder:
    """Builds CKAN 2.10 package dicts with a seeded RNG; organizations keep one id each."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.orgs: dict[str, dict[str, Any]] = {}
        self.names: set[str] = set()

    def organization(self, name: str, title: str) -> dict[str, Any]:
        if name not in self.orgs:
            created = _when(self.rng, datetime(2016, 3, 1), datetime(2018, 12, 31))
            self.orgs[name] = {
                "approval_status": "approved",
                "created": _stamp(created),
                "description": "",
                "id": _uid(self.rng),
                "image_url": "",
                "is_organization": True,
                "name": name,
                "state": "active",
                "title": title,
                "type": "organization",
            }
        return self.orgs[name]

    def unique_name(self, title: str) -> str:
        base = slugify(title)[:90] or "dataset"
        name, k = base, 1
        while name in self.names:
            k += 1
            name = f"{base}-{k}"
        self.names.add(name)
        return name

    def resource(self, pkg_id: str, position: int, name: str, fmt: str, url: str | None, created: datetime) -> dict:
        rng = self.rng
        label, mimetype = rng.choice(FORMAT_VARIANTS[fmt])
        res_id = _uid(rng)
        upload = url is None
        if url is None:
            stem = slugify(name.rsplit(" (", 1)[0]) or "data"
            url = f"{PORTAL_URL}/dataset/{pkg_id}/resource/{res_id}/download/{stem}.{EXTENSION[fmt]}"
        modified = _when(rng, created, created + timedelta(days=400))
        return {
            "cache_last_updated": None,
            "cache_url": None,
            "created": _stamp(created),
            "datastore_active": False,
            "description": "",
            "format": label,
            "hash": "",
            "id": res_id,
            "last_modified": _stamp(modified),
            "metadata_modified": _stamp(modified),
            "mimetype": mimetype,
            "mimetype_inner": None,
            "name": name,
            "package_id": pkg_id,
            "position": position,
            "resource_type": None,
            "size": int(rng.lognormvariate(11.5, 1.3)) if rng.random() < 0.8 else None,
            "state": "active",
            "url": url,
            "url_type": "upload" if upload else None,
        }

    def package(
        self,
        *,
        title: str,
        notes: str,
        tags: list[str],
        org: dict[str, Any],
        url: str,
        extras: list[dict[str, str]],
        resources: list[tuple[str, str, str | None]],
        licence: str | None = None,
    ) -> Package:
        rng = self.rng
        pkg_id, name = _uid(rng), self.unique_name(title)
        created = _when(rng, datetime(2017, 1, 1), datetime(2026, 6, 30))
        modified = _when(rng, created, datetime(2026, 11, 20))
        chosen = [lic for lic in LICENSES if lic[0] == licence]
        lic_id, lic_title, lic_url, _ = chosen[0] if chosen else rng.choices(LICENSES, [w for *_, w in LICENSES])[0]
        pkg: Package = {
            "author": org["title"],
            "author_email": None,
            "creator_user_id": _uid(rng),
            "extras": extras,
            "groups": [],
            "id": pkg_id,
            "isopen": lic_id != "notspecified",
            "license_id": lic_id,
            "license_title": lic_title,
            "maintainer": None,
            "maintainer_email": f"opendata@{'uni' if org['name'] == 'universite' else 'ville'}.demo.lu",
            "metadata_created": _stamp(created),
            "metadata_modified": _stamp(modified),
            "name": name,
            "notes": notes,
            "num_resources": len(resources),
            "num_tags": len(tags),
            "organization": org,
            "owner_org": org["id"],
            "private": False,
            "relationships_as_object": [],
            "relationships_as_subject": [],
            "state": "active",
            "title": title,
            "type": "dataset",
            "url": url,
            "version": rng.choice((None, None, "1.0", "2024")),
            "tags": [
                {"display_name": t, "id": _uid(rng), "name": t, "state": "active", "vocabulary_id": None} for t in tags
            ],
        }
        if lic_url:
            pkg["license_url"] = lic_url
        pkg["resources"] = [
            self.resource(pkg_id, i, rname, fmt, rurl, created) for i, (rname, fmt, rurl) in enumerate(resources)
        ]
        return pkg
