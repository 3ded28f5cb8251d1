"""A rebuild reads again only the search buckets an edit touched, and its bundles still equal a clean build's."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
from pathlib import Path

import pytest
from conftest import SITE_TODAY, build_test_site
from site_trees import tree

from registry.model.errors import RegistryError
from registry.operations.records import update_record
from registry.publishing.publish import publish_registry
from registry.site import search_records
from registry.site.search_records import bucket_of, buckets, record_shards
from registry.site.settings import SiteSettings
from registry.store.database import open_registry


@pytest.fixture
def small_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five records a bucket: the example's 51 actors fill 11 buckets, as 100k records fill 50."""
    monkeypatch.setattr(search_records, "SHARD_SIZE", 5)


def _edit_actor(db: Path, position: int, text: str) -> str:
    registry = open_registry(db, by="tester")
    try:
        actor_id = registry.conn.execute("SELECT id FROM actors ORDER BY id LIMIT 1 OFFSET ?", [position]).fetchone()[0]
        update_record(registry, "actors", actor_id, {"description": text})
        return str(actor_id)
    finally:
        registry.close()


def _actor_bucket(db: Path, actor_id: str) -> str:
    registry = open_registry(db, reading=True)
    try:
        count = registry.conn.execute("SELECT count(*) FROM actors").fetchone()[0]
    finally:
        registry.close()
    return f"actors-{bucket_of(actor_id, buckets(count))}"


def test_after_an_edit_only_the_edited_records_bucket_is_read_and_every_key_equals_a_full_reads(
    example_registry: Path, tmp_path: Path, small_buckets: None
) -> None:
    site = SiteSettings(output=tmp_path / "output", today=dt.date.fromisoformat(SITE_TODAY))
    build_test_site(example_registry, site.output)
    actor_id = _edit_actor(example_registry, 7, "Now also runs a tool library.")
    registry = open_registry(example_registry, reading=True)
    try:
        # What the build's publish step does: update the last copy in place from the change log.
        published = publish_registry(
            registry, site.data_dir, site.cache_dir / "downloads.json", today=site.today, copy_state=site.cache_dir / "public-copy.json"
        )
    finally:
        registry.close()
    assert published.updated is not None, "the copy was updated in place, not written fresh"
    shards = record_shards(site.public_db, "en", site.cache_dir / "search-records.json", published)
    read = [s.name for s in shards if s.read is None]
    assert read == [_actor_bucket(example_registry, actor_id)], "only the edited actor's bucket is read"
    edited = next(s for s in shards if s.read is None)
    assert any("tool library" in d["content"] for d in edited.documents)
    everything = record_shards(site.public_db, "en")
    assert [(s.name, s.key) for s in shards] == [(s.name, s.key) for s in everything]


def test_a_build_stopped_before_its_search_step_makes_the_next_one_read_every_record(
    example_registry: Path, tmp_path: Path, small_buckets: None
) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output)
    first = _edit_actor(example_registry, 3, "Edited before a build that stopped half-way.")
    with pytest.raises(RegistryError, match="no theme"):  # the copy moves on; the search keys stay a version behind
        build_test_site(example_registry, output, theme=tmp_path / "missing-theme")
    assert multiprocessing.active_children() == [], "the records' indexing, started beside the pages, ended with the build"
    second = _edit_actor(example_registry, 40, "Edited after it.")
    report = build_test_site(example_registry, output)
    assert {_actor_bucket(example_registry, first), _actor_bucket(example_registry, second)} <= set(report.search_shards)
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean)
    assert tree(output / "pagefind") == tree(clean / "pagefind")


def test_an_unread_buckets_removed_bundle_is_read_and_made_again(example_registry: Path, tmp_path: Path, small_buckets: None) -> None:
    output = tmp_path / "output"
    build_test_site(example_registry, output)
    edited = _actor_bucket(example_registry, _edit_actor(example_registry, 0, "Edited beside a removed bundle."))
    removed = next(name for name in (f"actors-{n}" for n in range(11)) if name != edited)
    shutil.rmtree(output / "pagefind" / removed)
    report = build_test_site(example_registry, output)
    assert sorted(report.search_shards) == sorted([edited, removed])
    clean = tmp_path / "clean"
    build_test_site(example_registry, clean)
    assert tree(output / "pagefind") == tree(clean / "pagefind")
