"""Profiles: the answers document (secrets encrypted), versions, clone/delete and key rotation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.answers import SECRET_FIELDS, Answers, get_path, parse_document, set_doc_path
from app.change.keys import changed_keys
from app.i18n.message import MsgList, msg
from app.secret import EnvRef
from app.store.base import Conflict, NotFound
from app.store.crypto import SecretBox
from app.store.models import (
    CheckResult,
    CheckRun,
    IgnoredCheck,
    Measurement,
    NodeReport,
    ProbeToken,
    Profile,
    Revision,
    SupportBundle,
    utcnow,
)
from app.store.revisions import RevisionsStore

MAX_NAMED_KEYS = 12  # a conflict message names at most this many changed keys per source


@dataclass
class ProfileInfo:
    name: str
    version: int
    last_step: str
    updated_at: datetime


class ProfilesStore(RevisionsStore):
    # -- answers <-> stored document ------------------------------------------------------------
    def _encode(self, answers: Answers) -> str:
        doc = answers.to_document(secrets="plain")
        for path in SECRET_FIELDS:
            value = get_path(answers, path)
            if value is None or isinstance(value, EnvRef):
                continue
            set_doc_path(doc, path, {"$fernet": self.box.encrypt(value.get_secret_value())})
        return json.dumps(doc, ensure_ascii=False, sort_keys=True)

    def _plain(self, text: str) -> dict:
        """A stored document with its secrets decrypted (to compare two states; never shown)."""
        doc = json.loads(text)
        for path in SECRET_FIELDS:
            value = get_path(doc, path)
            if isinstance(value, dict) and "$fernet" in value:
                set_doc_path(doc, path, self.box.decrypt(value["$fernet"]))
        return doc

    def _decode(self, text: str) -> Answers:
        return parse_document(self._plain(text))

    # -- profiles ---------------------------------------------------------------------------------
    def list_profiles(
        self, *, search: str | None = None, sort: str = "name", offset: int = 0, limit: int | None = None
    ) -> list[ProfileInfo]:
        """Profiles (name, version, last step, update time; never the documents): those whose name
        contains `search`, by name or newest first (sort "updated"), `limit` of them from `offset`."""
        query = select(Profile.name, Profile.version, Profile.last_step, Profile.updated_at)
        if search:
            query = query.where(Profile.name.contains(search, autoescape=True))
        query = (
            query.order_by(Profile.updated_at.desc(), Profile.name)
            if sort == "updated"
            else query.order_by(Profile.name)
        )
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [ProfileInfo(*r) for r in conn.execute(query).all()]

    def count_profiles(self, search: str | None = None) -> int:
        query = select(func.count()).select_from(Profile)
        if search:
            query = query.where(Profile.name.contains(search, autoescape=True))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def get_profile(self, name: str) -> tuple[Answers, Profile]:
        with self.session() as s:
            row = self._row(s, name)
            return self._decode(row.document), row

    def get_answers(self, name: str) -> Answers | None:
        try:
            return self.get_profile(name)[0]
        except NotFound:
            return None

    def create_profile(self, answers: Answers) -> Profile:
        with self.session() as s:
            if s.exec(select(Profile).where(Profile.name == answers.profile)).first():
                raise Conflict(f"a profile named {answers.profile!r} already exists")
            row = Profile(name=answers.profile, document=self._encode(answers))
            s.add(row)
            try:
                s.flush()
                changed = changed_keys({}, answers.to_document(secrets="plain"))
                self._add_revision(s, row.id, 1, "web", changed, row.document)
                s.commit()
            except IntegrityError:  # another process created it between our check and insert
                raise Conflict(f"a profile named {answers.profile!r} already exists") from None
            return row

    def save_answers(
        self,
        answers: Answers,
        *,
        replace: bool = False,
        expected_version: int | None = None,
        last_step: str | None = None,
        source: str = "web",
    ) -> int:
        """Store `answers` as profile answers.profile and as its next revision (from `source`: web,
        import, restore); returns the new version.

        expected_version: the version the editor loaded; a different stored version → Conflict naming
        the keys saved meanwhile. replace: create the profile when it does not exist (import)."""
        doc = self._encode(answers)
        plain = answers.to_document(secrets="plain")
        with self.session() as s:
            row = s.exec(select(Profile).where(Profile.name == answers.profile)).first()
            if row is None:
                if not replace:
                    raise NotFound(f"unknown profile {answers.profile!r}")
                new = Profile(name=answers.profile, document=doc, last_step=last_step or "hardware")
                s.add(new)
                try:
                    s.flush()
                    self._add_revision(s, new.id, 1, source, changed_keys({}, plain), doc)
                    s.commit()
                except IntegrityError:
                    raise Conflict(
                        f"profile {answers.profile!r} was created elsewhere at the same time; reload and try again"
                    ) from None
                return 1
            before, row_version = row.document, row.version  # the UPDATE below refreshes `row` in the session
            values = {"document": doc, "version": row.version + 1, "updated_at": utcnow()}
            if last_step:
                values["last_step"] = last_step
            stmt = update(Profile).where(Profile.id == row.id)
            if expected_version is not None:
                stmt = stmt.where(Profile.version == expected_version)
            else:
                stmt = stmt.where(Profile.version == row_version)
            if s.exec(stmt.values(**values)).rowcount != 1:
                s.rollback()
                loaded = expected_version if expected_version is not None else row_version
                raise Conflict(self._conflict_message(answers.profile, loaded))
            changed = changed_keys(self._plain(before), plain)
            self._add_revision(s, row.id, values["version"], source, changed, doc)
            s.commit()
            return values["version"]

    def _conflict_message(self, name: str, loaded: int):
        """Why a stale save was refused: the keys saved since `loaded`, by source (never values)."""
        parts = []
        for source, keys in self.changes_since(name, loaded):
            shown = ", ".join(keys[:MAX_NAMED_KEYS]) or "-"
            if len(keys) > MAX_NAMED_KEYS:
                shown += f" (+{len(keys) - MAX_NAMED_KEYS})"
            parts.append(msg("%(keys)s (by %(source)s)", keys=shown, source=source))
        return msg(
            "this profile was changed elsewhere since you opened it (another tab or user saved first): "
            "%(changes)s. Nothing was saved and your input is kept below; reload the page to see the "
            "current values",
            changes=MsgList(parts) if parts else "-",
        )

    def set_last_step(self, name: str, step: str) -> None:
        with self.session() as s:
            s.exec(update(Profile).where(Profile.name == name).values(last_step=step))
            s.commit()

    def clone_profile(self, source: str, target: str) -> None:
        answers, _ = self.get_profile(source)
        clone = answers.model_copy(update={"profile": target})
        self.create_profile(Answers.model_validate(clone.to_document(secrets="plain")))

    def delete_profile(self, name: str) -> None:
        with self.session() as s:
            row = self._row(s, name)
            run_ids = select(CheckRun.id).where(CheckRun.profile_id == row.id)
            s.exec(delete(CheckResult).where(CheckResult.run_id.in_(run_ids)))
            for table in (CheckRun, IgnoredCheck, ProbeToken, NodeReport, Measurement, Revision, SupportBundle):
                s.exec(delete(table).where(table.profile_id == row.id))
            s.delete(row)
            s.commit()

    def rotate_key(self, new_key: bytes, before_commit=None) -> int:
        """Re-encrypt every stored secret with `new_key` in one transaction; returns how many values
        changed. Rows are locked (MySQL) and their version bumped, so an editor still holding the old
        key's ciphertext gets a conflict instead of overwriting. `before_commit()` runs inside the
        transaction after re-encryption (the CLI writes the new key file there)."""
        new_box = SecretBox(new_key)
        count = 0
        with self.session() as s:
            for rev in s.exec(select(Revision).with_for_update()).all():  # stored revisions: the new key too
                doc = json.loads(rev.document)
                touched = False
                for path in SECRET_FIELDS:
                    value = get_path(doc, path)
                    if isinstance(value, dict) and "$fernet" in value:
                        set_doc_path(doc, path, {"$fernet": new_box.encrypt(self.box.decrypt(value["$fernet"]))})
                        touched = True
                if touched:
                    rev.document = json.dumps(doc, ensure_ascii=False, sort_keys=True)
                    s.add(rev)
            for row in s.exec(select(Profile).with_for_update()).all():
                doc = json.loads(row.document)
                changed = 0
                for path in SECRET_FIELDS:
                    value = get_path(doc, path)
                    if isinstance(value, dict) and "$fernet" in value:
                        plain = self.box.decrypt(value["$fernet"])
                        set_doc_path(doc, path, {"$fernet": new_box.encrypt(plain)})
                        changed += 1
                if changed:
                    row.document = json.dumps(doc, ensure_ascii=False, sort_keys=True)
                    row.version += 1
                    s.add(row)
                    self._add_revision(s, row.id, row.version, "rotate-key", [], row.document)
                    count += changed
            s.flush()
            if before_commit is not None:
                before_commit()
            s.commit()
        self.box = new_box
        return count
