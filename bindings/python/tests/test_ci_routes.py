"""The routes CI needs: branches (create, list, archive), an environment's key for a personal
access token, and whoami: the exact request (from the emulator's request log), the decoded
result, and the errors a caller can hit."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import triggerdev
from triggerdev.testing import Emulator


def only_request(emu: Emulator) -> Dict[str, Any]:
    requests = emu.requests()
    assert len(requests) == 1, [(r["method"], r["path"]) for r in requests]
    emu.clear_requests()
    return requests[0]


def test_a_pipeline_with_only_a_pat(emu: Emulator) -> None:
    project = emu.project_ref
    emu.clear_requests()
    with emu.client(emu.pat, max_retries=0) as ci:
        me = ci.projects.whoami(project)
        request = only_request(emu)
        assert (request["method"], request["path"], request["query"]) == (
            "GET",
            "/api/v2/whoami",
            {"projectRef": project},
        )
        assert request["headers"]["authorization"] == f"Bearer {emu.pat}"
        assert isinstance(me, triggerdev.WhoAmI)
        assert me.user_id == "user_emulator_1" and me.dashboard_url == emu.base_url
        assert me.project is not None and me.project.name == "Emulator project"
        assert ci.projects.whoami().project is None
        emu.clear_requests()

        prod = ci.projects.environment(project, "prod")
        assert only_request(emu)["path"] == f"/api/v1/projects/{project}/prod"
        assert isinstance(prod, triggerdev.ProjectEnvironment)
        assert (prod.api_key, prod.api_url, prod.name) == (emu.prod_key, emu.base_url, "Emulator project")
        assert emu.prod_key not in repr(prod) and "<redacted>" in repr(prod)
        with triggerdev.Client(access_token=prod.api_key, base_url=prod.api_url, max_retries=0) as key:
            assert key.tasks.trigger("py-ci", {}).id.startswith("run_")
        emu.clear_requests()

        created = ci.branches.create(project, "pr-42", git={"commitSha": "abc", "pullRequestNumber": 42})
        request = only_request(emu)
        assert (request["method"], request["path"]) == ("POST", f"/api/v1/projects/{project}/branches")
        assert request["body"] == {
            "env": "preview",
            "branch": "pr-42",
            "git": {"commitSha": "abc", "pullRequestNumber": 42},
        }
        assert isinstance(created, triggerdev.BranchId) and created.id

        branches = ci.branches.list(project)
        assert [b.name for b in branches] == [emu.preview_branch, "pr-42"]
        assert all(isinstance(b, triggerdev.Branch) for b in branches)
        assert branches[1].git == {"commitSha": "abc", "pullRequestNumber": 42}
        assert branches[1].is_paused is False and branches[1].created_at is not None
        emu.clear_requests()

        archived = ci.branches.archive(project, "pr-42")
        request = only_request(emu)
        assert (request["path"], request["body"]) == (
            f"/api/v1/projects/{project}/branches/archive",
            {"env": "preview", "branch": "pr-42"},
        )
        assert isinstance(archived, triggerdev.ArchivedBranch) and archived.branch.id == created.id
        assert [b.name for b in ci.branches.list(project)] == [emu.preview_branch]
        with pytest.raises(triggerdev.BadRequestError, match="Branch already archived"):
            ci.branches.archive(project, "pr-42")
        with pytest.raises(triggerdev.NotFoundError, match="Branch not found"):
            ci.branches.archive(project, "nope")

        ci.branches.create(project, "alice", env="development")
        assert ci.branches.archive(project, "alice", env="development").branch.id


def test_the_preview_key_creates_and_archives_preview_branches_only(emu: Emulator) -> None:
    with emu.client(emu.preview_key, max_retries=0) as key:
        emu.clear_requests()
        created = key.branches.create(emu.project_ref, "pr-9")
        assert "x-trigger-branch" not in only_request(emu)["headers"]
        with pytest.raises(triggerdev.BadRequestError, match="API keys can only create Preview branches."):
            key.branches.create(emu.project_ref, "bob", env="development")
        assert key.branches.archive(emu.project_ref, "pr-9").branch.id == created.id
        with pytest.raises(triggerdev.UnsupportedCredentialError):
            key.branches.list(emu.project_ref)


def test_bad_arguments_and_credentials_are_refused_before_sending(dev: triggerdev.Client, emu: Emulator) -> None:
    emu.clear_requests()
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        dev.projects.whoami()
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        dev.projects.environment(emu.project_ref, "prod")
    with pytest.raises(triggerdev.UnsupportedCredentialError):
        dev.branches.list(emu.project_ref)
    with emu.client(emu.pat, max_retries=0) as ci:
        with pytest.raises(triggerdev.InvalidArgumentError) as e:
            ci.projects.environment(emu.project_ref, "production")
        assert e.value.argument == "env"
        with pytest.raises(triggerdev.InvalidArgumentError) as e:
            ci.branches.archive(emu.project_ref, "x", env="main")  # type: ignore[arg-type]
        assert e.value.argument == "env"
        with pytest.raises(triggerdev.InvalidArgumentError) as e:
            ci.branches.create(emu.project_ref, "x", env="main")  # type: ignore[arg-type]
        assert "env" in e.value.argument
        with pytest.raises(triggerdev.InvalidArgumentError) as e:
            ci.branches.list("")
        assert e.value.argument == "project_ref"
    assert emu.requests() == []
