"""The wizard's state: profiles (answers with encrypted secrets), check runs, ignores, probe tokens,
node reports. Every write is one transaction; saves use an optimistic version check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.answers import SECRET_FIELDS, Answers, get_path, parse_document, set_doc_path
from app.i18n.message import with_messages, with_structure
from app.secret import EnvRef
from app.settings import Settings
from app.store import models
from app.store.crypto import KeyError_, SecretBox, load_or_create_key, old_keys
from app.store.db import make_engine, migrate
from app.store.models import (CheckResult, CheckRun, IgnoredCheck, Measurement, NodeReport, Profile, ProbeToken,
                              utcnow)

__all__ = ["Store", "Conflict", "NotFound", "KeyError_", "models"]


MAX_ID = 2**63 - 1  # SQLite and MySQL BIGINT: a larger id from a URL can match nothing (and would overflow)


class Conflict(RuntimeError):
    """The profile changed since the form was loaded (another tab or process saved first)."""


class NotFound(LookupError):
    pass


@dataclass
class ProfileInfo:
    name: str
    version: int
    last_step: str
    updated_at: datetime


class Store:
    def __init__(self, engine, box: SecretBox):
        self.engine = engine
        self.box = box

    @classmethod
    def open(cls, settings: Settings) -> "Store":
        engine = make_engine(settings.state_url)
        migrate(engine)
        key = load_or_create_key(settings.secret_key, settings.data_dir)
        store = cls(engine, SecretBox(key, *old_keys(settings.secret_key, settings.data_dir)))
        store.verify_key()
        return store

    def verify_key(self) -> None:
        """Raise KeyError_ (a clear message, at start-up) when the key cannot decrypt a stored secret."""
        with self.session() as s:
            text = s.exec(select(Profile.document).where(Profile.document.contains('"$fernet"')).limit(1)).first()
        if text is None:
            return
        doc = json.loads(text)
        for path in SECRET_FIELDS:
            value = get_path(doc, path)
            if isinstance(value, dict) and "$fernet" in value:
                self.box.decrypt(value["$fernet"])
                return

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- answers <-> stored document ------------------------------------------------------------
    def _encode(self, answers: Answers) -> str:
        doc = answers.to_document(secrets="plain")
        for path in SECRET_FIELDS:
            value = get_path(answers, path)
            if value is None or isinstance(value, EnvRef):
                continue
            set_doc_path(doc, path, {"$fernet": self.box.encrypt(value.get_secret_value())})
        return json.dumps(doc, ensure_ascii=False, sort_keys=True)

    def _decode(self, text: str) -> Answers:
        doc = json.loads(text)
        for path in SECRET_FIELDS:
            value = get_path(doc, path)
            if isinstance(value, dict) and "$fernet" in value:
                set_doc_path(doc, path, self.box.decrypt(value["$fernet"]))
        return parse_document(doc)

    # -- profiles ---------------------------------------------------------------------------------
    def list_profiles(self) -> list[ProfileInfo]:
        with self.session() as s:
            rows = s.exec(select(Profile).order_by(Profile.name)).all()
            return [ProfileInfo(r.name, r.version, r.last_step, r.updated_at) for r in rows]

    def _row(self, s: Session, name: str) -> Profile:
        row = s.exec(select(Profile).where(Profile.name == name)).first()
        if row is None:
            raise NotFound(f"unknown profile {name!r}")
        return row

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
                s.commit()
            except IntegrityError:  # another process created it between our check and insert
                raise Conflict(f"a profile named {answers.profile!r} already exists") from None
            return row

    def save_answers(self, answers: Answers, *, replace: bool = False, expected_version: int | None = None,
                     last_step: str | None = None) -> int:
        """Store `answers` as profile answers.profile; returns the new version.

        expected_version: the version the editor loaded; a different stored version → Conflict.
        replace: create the profile when it does not exist (import)."""
        doc = self._encode(answers)
        with self.session() as s:
            row = s.exec(select(Profile).where(Profile.name == answers.profile)).first()
            if row is None:
                if not replace:
                    raise NotFound(f"unknown profile {answers.profile!r}")
                s.add(Profile(name=answers.profile, document=doc, last_step=last_step or "hardware"))
                try:
                    s.commit()
                except IntegrityError:
                    raise Conflict(f"profile {answers.profile!r} was created elsewhere at the same time; "
                                   "reload and try again") from None
                return 1
            values = {"document": doc, "version": row.version + 1, "updated_at": utcnow()}
            if last_step:
                values["last_step"] = last_step
            stmt = update(Profile).where(Profile.id == row.id)
            if expected_version is not None:
                stmt = stmt.where(Profile.version == expected_version)
            else:
                stmt = stmt.where(Profile.version == row.version)
            if s.exec(stmt.values(**values)).rowcount != 1:
                s.rollback()
                raise Conflict("this profile was changed elsewhere since you opened it (another tab or "
                               "user saved first); reload the page to see the current values")
            s.commit()
            return values["version"]

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
            for table in (CheckRun, IgnoredCheck, ProbeToken, NodeReport, Measurement):
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
                    count += changed
            s.flush()
            if before_commit is not None:
                before_commit()
            s.commit()
        self.box = new_box
        return count

    # -- check runs -------------------------------------------------------------------------------
    def start_run(self, name: str, steps: str, digest: str, expected: int) -> int:
        with self.session() as s:
            row = self._row(s, name)
            run = CheckRun(profile_id=row.id, steps=steps, digest=digest, expected=expected)
            s.add(run)
            s.commit()
            return run.id

    def add_result(self, run_id: int, result: dict) -> None:
        """Store `result` (Result.to_data(): English texts plus, under "i18n", their structured form)."""
        result = with_structure(result)
        with self.session() as s:
            s.add(CheckResult(run_id=run_id, check_id=result["id"], step=result["step"],
                              status=result["status"], data=json.dumps(result, ensure_ascii=False)))
            s.commit()

    def finish_run(self, run_id: int) -> None:
        with self.session() as s:
            s.exec(update(CheckRun).where(CheckRun.id == run_id).values(status="done", finished_at=utcnow()))
            s.commit()

    def get_run(self, run_id: int) -> tuple[CheckRun, list[dict]]:
        if not 0 < run_id <= MAX_ID:
            raise NotFound(f"unknown check run {run_id}")
        with self.session() as s:
            run = s.get(CheckRun, run_id)
            if run is None:
                raise NotFound(f"unknown check run {run_id}")
            rows = s.exec(select(CheckResult).where(CheckResult.run_id == run_id).order_by(CheckResult.id)).all()
            return run, [with_messages(json.loads(r.data)) for r in rows]

    def latest_results(self, name: str) -> dict[str, tuple[dict, CheckRun]]:
        """The newest result of every check of the profile, with the run it came from."""
        with self.session() as s:
            row = self._row(s, name)
            pairs = s.exec(
                select(CheckResult, CheckRun).join(CheckRun, CheckResult.run_id == CheckRun.id)
                .where(CheckRun.profile_id == row.id).order_by(CheckResult.id)
            ).all()
            return {res.check_id: (with_messages(json.loads(res.data)), run) for res, run in pairs}

    def prune_runs(self, name: str, keep: int = 50) -> None:
        with self.session() as s:
            row = self._row(s, name)
            old = s.exec(select(CheckRun.id).where(CheckRun.profile_id == row.id)
                         .order_by(CheckRun.id.desc()).offset(keep)).all()
            if old:
                s.exec(delete(CheckResult).where(CheckResult.run_id.in_(old)))
                s.exec(delete(CheckRun).where(CheckRun.id.in_(old)))
                s.commit()

    # -- ignores ----------------------------------------------------------------------------------
    def ignores(self, name: str) -> dict[str, str]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(select(IgnoredCheck).where(IgnoredCheck.profile_id == row.id)).all()
            return {r.check_id: r.reason for r in rows}

    def set_ignore(self, name: str, check_id: str, reason: str | None) -> None:
        """Ignore `check_id` with `reason`, or stop ignoring it (reason None)."""
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(IgnoredCheck).where(IgnoredCheck.profile_id == row.id, IgnoredCheck.check_id == check_id))
            if reason:
                s.add(IgnoredCheck(profile_id=row.id, check_id=check_id, reason=reason))
            s.commit()

    # -- probe tokens and node reports ------------------------------------------------------------
    def add_probe_token(self, name: str, token_hash: str, role: str, purpose: str, ttl: timedelta) -> None:
        with self.session() as s:
            row = self._row(s, name)
            s.add(ProbeToken(token_hash=token_hash, profile_id=row.id, role=role, purpose=purpose,
                             expires_at=utcnow() + ttl))
            s.commit()

    def use_probe_token(self, token_hash: str) -> tuple[ProbeToken, str] | None:
        """Marks the token used (atomically: a second use finds it used); returns it and the profile."""
        with self.session() as s:
            tok = s.get(ProbeToken, token_hash)
            if tok is None:
                return None
            profile = s.get(Profile, tok.profile_id)
            if tok.used_at is None:
                changed = s.exec(update(ProbeToken).where(ProbeToken.token_hash == token_hash,
                                                          ProbeToken.used_at.is_(None)).values(used_at=utcnow()))
                s.commit()
                if changed.rowcount != 1:
                    tok = s.get(ProbeToken, token_hash)
                    s.refresh(tok)
                else:
                    tok.used_at = None  # report it as it was before this use
            return tok, profile.name

    def peek_probe_token(self, token_hash: str) -> tuple[ProbeToken, str] | None:
        with self.session() as s:
            tok = s.get(ProbeToken, token_hash)
            if tok is None:
                return None
            return tok, s.get(Profile, tok.profile_id).name

    def add_node_report(self, name: str, report: dict) -> None:
        measured = datetime.fromisoformat(report["measured_at"].replace("Z", "+00:00")).replace(tzinfo=None)
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(NodeReport).where(NodeReport.profile_id == row.id, NodeReport.node == report["node"],
                                            NodeReport.role == report["role"]))
            s.add(NodeReport(profile_id=row.id, node=report["node"], role=report["role"], measured_at=measured,
                             data=json.dumps(report, ensure_ascii=False)))
            s.commit()

    def node_reports(self, name: str) -> list[tuple[int, dict]]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(select(NodeReport).where(NodeReport.profile_id == row.id).order_by(NodeReport.node)).all()
            return [(r.id, json.loads(r.data)) for r in rows]

    def delete_node_report(self, name: str, report_id: int) -> None:
        if not 0 < report_id <= MAX_ID:
            return
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(NodeReport).where(NodeReport.profile_id == row.id, NodeReport.id == report_id))
            s.commit()

    # -- hardware measurements --------------------------------------------------------------------
    def add_measurement(self, name: str, role: str, node: str, facts: dict) -> None:
        with self.session() as s:
            row = self._row(s, name)
            s.exec(delete(Measurement).where(Measurement.profile_id == row.id, Measurement.role == role,
                                             Measurement.node == node))
            s.add(Measurement(profile_id=row.id, role=role, node=node, measured_at=utcnow(),
                              facts=json.dumps(facts)))
            s.commit()

    def measurements(self, name: str) -> list[dict]:
        with self.session() as s:
            row = self._row(s, name)
            rows = s.exec(select(Measurement).where(Measurement.profile_id == row.id)
                          .order_by(Measurement.role, Measurement.node)).all()
            return [{"id": r.id, "role": r.role, "node": r.node, "measured_at": r.measured_at,
                     "facts": json.loads(r.facts)} for r in rows]
