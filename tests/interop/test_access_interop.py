"""huggingface_hub (newest and 0.26) with HF_ENDPOINT at hfcached running access "hub": a user whose
token the hub accepts downloads the gated and private repos; one without gets huggingface_hub's own
GatedRepoError / RepositoryNotFoundError, not a generic HTTP error."""
from __future__ import annotations

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

VENVS = ["hf2", "hf026"]

DOWNLOAD = """
    import os
    from huggingface_hub import hf_hub_download, snapshot_download
    try:
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError
    except ImportError:
        from huggingface_hub.utils import GatedRepoError, RepositoryNotFoundError
    out = {{}}
    for repo in {repos!r}:
        try:
            folder = snapshot_download(repo, cache_dir={cache!r} + "/" + repo.replace("/", "_"))
            out[repo] = sorted(os.listdir(folder))
        except GatedRepoError as e:
            out[repo] = "GatedRepoError"
        except RepositoryNotFoundError as e:
            out[repo] = "RepositoryNotFoundError"
        except Exception as e:
            out[repo] = "other: " + type(e).__name__ + ": " + str(e)[:300]
    emit(out)
"""


def lab_token(tmp_path):
    p = tmp_path / "lab-token"
    p.write_text(fx.TOKEN_ALICE + "\n")
    p.chmod(0o600)
    return p


@pytest.mark.parametrize("venv", VENVS)
def test_users_with_and_without_access_through_the_mirror(sim, hfcached, tmp_path, venv):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(lab_token(tmp_path))})
    repos = [fx.GATED, fx.PRIVATE, fx.RBT3]
    code = DOWNLOAD.format(repos=repos, cache=str(tmp_path / "alice"))
    alice = run_json_in_venv(venv, code, env={"HF_ENDPOINT": d.url, "HF_TOKEN": fx.TOKEN_ALICE})
    for repo in repos:
        want = sorted(p.split("/")[0] for p in sim.world.repo(repo).files("main"))
        assert alice[repo] == sorted(set(want)), (repo, alice[repo])
    code = DOWNLOAD.format(repos=repos, cache=str(tmp_path / "bob"))
    bob = run_json_in_venv(venv, code, env={"HF_ENDPOINT": d.url, "HF_TOKEN": fx.TOKEN_BOB})
    assert bob[fx.GATED] == "GatedRepoError"
    assert bob[fx.PRIVATE] == "RepositoryNotFoundError"
    assert isinstance(bob[fx.RBT3], list)
    code = DOWNLOAD.format(repos=repos, cache=str(tmp_path / "nobody"))
    nobody = run_json_in_venv(venv, code, env={"HF_ENDPOINT": d.url, "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"})
    assert nobody[fx.GATED] == "GatedRepoError"
    assert nobody[fx.PRIVATE] == "RepositoryNotFoundError"
