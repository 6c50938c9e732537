"""Environment variables (every env, a preview branch, .env files) and schedules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import triggerdev
from triggerdev.testing import Emulator


def test_envvars_for_every_env_and_a_preview_branch(emu: Emulator, tmp_path: Path) -> None:
    project = emu.project_ref
    pat = emu.client(emu.pat, max_retries=0)
    assert pat.envvars.create(project, "prod", name="API_KEY", value="k1", is_secret=True).success
    listed = pat.envvars.list(project, "prod")
    assert len(listed) == 1 and isinstance(listed[0], triggerdev.EnvVar)
    assert listed[0].is_secret
    assert listed[0].value != "k1", "secret values come back redacted"

    dev = emu.client(max_retries=0)
    dev.envvars.upload(project, "dev", variables={"A": "1", "B": "2"})
    with pytest.raises(triggerdev.BadRequestError, match="already set"):
        dev.envvars.upload(project, "dev", variables={"A": "changed"})  # an existing name, no override
    assert dev.envvars.retrieve(project, "dev", "A").value == "1", "no override"
    dev.envvars.upload(project, "dev", variables={"A": "changed"}, override=True)
    assert dev.envvars.retrieve(project, "dev", "A").value == "changed"
    assert dev.envvars.update(project, "dev", "B", value="3").success
    assert dev.envvars.retrieve(project, "dev", "B").value == "3"
    assert dev.envvars.delete(project, "dev", "B").success
    with pytest.raises(triggerdev.NotFoundError):
        dev.envvars.retrieve(project, "dev", "B")
    dev.envvars.create(project, "dev", name="C", value="x")
    dev.envvars.del_(project, "dev", "C")
    assert {v.name for v in dev.envvars.list(project, "dev")} == {"A"}
    with pytest.raises(triggerdev.UnsupportedCredentialError, match=r"tr_dev_.*prod"):
        dev.envvars.list(project, "prod")  # a dev key cannot read prod: refused before sending

    # .env text and files
    text = "# comment\nexport DATABASE_URL=postgres://old\nFEATURE_FLAG='on'\nMULTI=\"a\nb\"\n"
    assert triggerdev.parse_dotenv(text) == {"DATABASE_URL": "postgres://old", "FEATURE_FLAG": "on", "MULTI": "a\nb"}
    assert list(triggerdev.parse_dotenv(text)) == ["DATABASE_URL", "FEATURE_FLAG", "MULTI"], "file order"
    dev.envvars.upload_dotenv(project, "dev", text, override=True)
    assert dev.envvars.retrieve(project, "dev", "MULTI").value == "a\nb"
    env_file = tmp_path / "prod.env"
    env_file.write_text("FROM_FILE=1\n")
    prod = emu.client(emu.prod_key)
    prod.envvars.upload_dotenv(project, "prod", env_file)
    prod.envvars.upload_dotenv(project, "prod", str(env_file), is_secret=False, override=True)
    assert "FROM_FILE" in {v.name for v in prod.envvars.list(project, "prod")}
    with pytest.raises(triggerdev.InvalidArgumentError) as info:
        triggerdev.parse_dotenv("GOOD=1\nthis line is not a variable\n")
    assert "line 2" in str(info.value)

    branch = emu.client(emu.pat, preview_branch=emu.preview_branch)
    branch.envvars.create(project, "preview", name="DATABASE_URL", value="postgres://branch")
    assert len(branch.envvars.list(project, "preview")) == 1
    assert pat.envvars.list(project, "preview") == [], "the root preview env is separate"
    unknown = emu.client(emu.pat, preview_branch="no-such-branch", max_retries=0)
    with pytest.raises(triggerdev.NotFoundError):
        unknown.envvars.list(project, "preview")
    preview = emu.client(emu.preview_key, preview_branch=emu.preview_branch)
    assert [v.name for v in preview.envvars.list(project, "preview")] == ["DATABASE_URL"]


def test_a_preview_branch_never_reaches_dev_and_a_dev_branch_does(emu: Emulator) -> None:
    project = emu.project_ref
    branch = emu.client(emu.pat, preview_branch=emu.preview_branch, max_retries=0)
    emu.clear_requests()
    branch.envvars.upload(project, "dev", variables={"FROM_BRANCH_CLIENT": "1"})
    (request,) = emu.requests()
    assert request["path"] == f"/api/v1/projects/{project}/envvars/dev/import"
    assert "x-trigger-branch" not in request["headers"], "a preview branch has no effect on dev"
    assert "FROM_BRANCH_CLIENT" in {v.name for v in emu.client(emu.pat).envvars.list(project, "dev")}

    # A dev branch goes to dev: the emulator, as the server, looks it up there.
    unknown = emu.client(emu.pat, dev_branch="no-such-dev-branch", max_retries=0)
    with pytest.raises(triggerdev.NotFoundError) as info:
        unknown.envvars.list(project, "dev")
    assert str(info.value) == "404 Branch not found"
    emu.add_branch("feature-dev", env="dev")
    dev_branch = emu.client(emu.pat, dev_branch="feature-dev")
    dev_branch.envvars.create(project, "dev", name="ON_THE_BRANCH", value="1")
    assert [v.name for v in dev_branch.envvars.list(project, "dev")] == ["ON_THE_BRANCH"]
    assert emu.requests()[-1]["headers"]["x-trigger-branch"] == "feature-dev"


def test_schedules_lifecycle_pages_and_timezones(dev: triggerdev.Client, emu: Emulator) -> None:
    created = dev.schedules.create(task="report", cron="0 9 * * *", deduplication_key="report-9", external_id="u1")
    assert isinstance(created, triggerdev.Schedule)
    assert created.id.startswith("sched_")
    assert created.active and created.external_id == "u1"
    assert created.generator.expression == "0 9 * * *"
    assert isinstance(created.next_run, datetime)
    upserted = dev.schedules.create(task="report", cron="0 10 * * *", deduplication_key="report-9")
    assert upserted.id == created.id, "the deduplication key upserts"
    assert upserted.generator.expression == "0 10 * * *"
    updated = dev.schedules.update(created.id, task="report", cron="30 8 * * 1", timezone="Asia/Tokyo")
    assert updated.timezone == "Asia/Tokyo"
    assert dev.schedules.retrieve(created.id).generator.expression == "30 8 * * 1"
    assert not dev.schedules.deactivate(created.id).active
    assert dev.schedules.activate(created.id).active
    for i in range(4):
        dev.schedules.create(task="other", cron="* * * * *", deduplication_key=f"k{i}", timezone="Europe/Paris")

    page = dev.schedules.list(page=1, per_page=2).page()
    assert isinstance(page, triggerdev.SchedulesPage)
    assert (len(page.data), page.pagination.total_pages, page.pagination.count) == (2, 3, 5)
    walked = [s.id for s in page]
    while page.has_next_page:
        page = page.next_page()
        walked += [s.id for s in page]
    assert len(set(walked)) == 5
    with pytest.raises(RuntimeError, match="No next page expected"):
        page.next_page()

    emu.clear_requests()
    every = list(dev.schedules.list(per_page=2))
    assert len(every) == 5 and all(isinstance(s, triggerdev.Schedule) for s in every)
    assert len([r for r in emu.requests() if r["path"] == "/api/v1/schedules"]) == 3

    fired = emu.fire_schedule(created.id)
    assert dev.runs.retrieve(fired["id"]).task_identifier == "report"

    deleted = dev.schedules.delete(created.id)
    assert deleted.id == created.id
    with pytest.raises(triggerdev.NotFoundError):
        dev.schedules.retrieve(created.id)
    dev.schedules.del_(every[-1].id if every[-1].id != created.id else every[0].id)
    assert len(list(dev.schedules.list())) == 3

    anonymous = triggerdev.Client(base_url=emu.base_url)  # timezones need no credentials
    zones = anonymous.schedules.timezones(exclude_utc=True)
    assert "Europe/Paris" in zones and "UTC" not in zones
    assert "UTC" in dev.schedules.timezones()
