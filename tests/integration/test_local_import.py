"""`hfcache import FOLDER --as ORG/NAME`: a save_pretrained folder or a Trainer checkpoint becomes a
revision of a repo in the cache, laid out as huggingface_hub lays out a download; `hfcache show`
reports what a checkpoint holds.

The folder builders here are reused by tests/interop/test_local_import_interop.py.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import pytest

from hubsim import fixtures as fx

REPO = "myorg/my-model"
FOLDER = "models--myorg--my-model"
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


# -- folder builders ------------------------------------------------------------------------------
def torch_save_like(obj, name: str = "archive") -> bytes:
    """The zip container torch.save writes (data.pkl, byteorder, version), with a plain pickle inside."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for member, data in ((f"{name}/data.pkl", pickle.dumps(obj, protocol=2)), (f"{name}/byteorder", b"little"),
                             (f"{name}/version", b"3\n")):
            z.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def save_pretrained_folder(dest: Path, seed: int = 0) -> Path:
    """What BertModel.save_pretrained + BertTokenizerFast.save_pretrained write."""
    dest.mkdir(parents=True, exist_ok=True)
    files = {"config.json": fx.bert_config(), "model.safetensors": fx.bert_safetensors(seed=seed),
             **fx.bert_tokenizer_files()}
    for name, data in files.items():
        (dest / name).write_bytes(data)
    return dest


def trainer_state(step: int = 600, epoch: float = 1.5, best: float | None = 0.8125,
                  best_dir: str | None = "out/checkpoint-400") -> bytes:
    log = [{"epoch": round(s / 400, 4), "grad_norm": 1.0 + s / 1000, "learning_rate": 5e-05 * (1 - s / 1200),
            "loss": round(0.69 - s / 2000, 4), "step": s} for s in range(100, step + 1, 100)]
    log.append({"epoch": 1.0, "eval_accuracy": best, "eval_loss": 0.41, "eval_runtime": 3.2, "step": 400})
    state = {"best_global_step": 400, "best_metric": best, "best_model_checkpoint": best_dir, "epoch": epoch,
             "eval_steps": 200, "global_step": step, "is_hyper_param_search": False, "is_local_process_zero": True,
             "is_world_process_zero": True, "log_history": log, "logging_steps": 100, "max_steps": 1200,
             "num_input_tokens_seen": 0, "num_train_epochs": 3, "save_steps": 200,
             "stateful_callbacks": {"TrainerControl": {"args": {"should_save": True, "should_training_stop": False},
                                                       "attributes": {}}},
             "total_flos": 12345678.0, "train_batch_size": 8, "trial_name": None, "trial_params": None}
    return (json.dumps(state, indent=2, sort_keys=True) + "\n").encode()


def checkpoint_folder(dest: Path, step: int = 600, skip: tuple[str, ...] = ()) -> Path:
    """A Trainer checkpoint-N folder: the model as save_pretrained writes it plus the trainer state."""
    save_pretrained_folder(dest)
    extra = {
        "optimizer.pt": torch_save_like({"state": {i: {"step": step, "exp_avg": [0.0] * 64} for i in range(7)},
                                         "param_groups": [{"lr": 5e-05, "betas": (0.9, 0.999), "eps": 1e-08,
                                                           "weight_decay": 0.0, "params": list(range(7))}]}),
        "scheduler.pt": torch_save_like({"base_lrs": [5e-05], "last_epoch": step, "_step_count": step + 1,
                                         "lr_lambdas": [None]}),
        "rng_state.pth": torch_save_like({"python": ("random state", step), "numpy": ("MT19937", [step] * 32),
                                          "cpu": bytes(range(256))}),
        "trainer_state.json": trainer_state(step=step),
        "training_args.bin": torch_save_like({"output_dir": "out", "learning_rate": 5e-05, "num_train_epochs": 3,
                                              "per_device_train_batch_size": 8, "save_steps": 200}),
    }
    for name, data in extra.items():
        if name not in skip:
            (dest / name).write_bytes(data)
    return dest


def expected_etag(path: str, data: bytes) -> str:
    if path.endswith(LFS_SUFFIXES) or len(data) >= 10 * 1024 * 1024:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def folder_files(src: Path) -> dict[str, bytes]:
    return {p.relative_to(src).as_posix(): p.read_bytes() for p in sorted(src.rglob("*")) if p.is_file()}


def all_entries(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def imported(hfcache, src: Path, *args: str) -> dict:
    r = hfcache("import", src, "--as", REPO, *args, "--json")
    assert r.code == 0, r.stderr
    return r.json()


def check_layout(cache: Path, src: Path, commit: str, revision: str = "main"):
    """The snapshot mirrors `src`: relative links of the right depth to blobs named by the hub's etag,
    trees/<commit>.json as huggingface_hub writes it, refs/<revision> without a newline."""
    repo = cache / FOLDER
    assert (repo / "refs" / revision).read_bytes() == commit.encode()
    files = folder_files(src)
    snap = repo / "snapshots" / commit
    for path, data in files.items():
        link = snap / path
        assert link.is_symlink(), path
        etag = expected_etag(path, data)
        assert os.readlink(link) == "../" * (path.count("/") + 2) + "blobs/" + etag
        assert link.read_bytes() == data
    tree = json.loads((repo / "trees" / f"{commit}.json").read_text())
    assert tree["format_version"] == 1
    assert list(tree["files"]) == sorted(files)
    for path, data in files.items():
        entry = tree["files"][path]
        assert entry["size"] == len(data)
        if path.endswith(LFS_SUFFIXES):
            assert entry["lfs_sha256"] == hashlib.sha256(data).hexdigest() and entry["lfs_size"] == len(data)
        else:
            assert "lfs_sha256" not in entry
            assert entry["blob_id"] == expected_etag(path, data)
    assert (cache / "CACHEDIR.TAG").is_file()


# -- tests ----------------------------------------------------------------------------------------
def test_save_pretrained_folder_is_laid_out_like_a_download(hfcache, cache_dir, tmp_path):
    src = save_pretrained_folder(tmp_path / "my-model")
    r = hfcache("import", src, "--as", REPO)
    assert r.code == 0, r.stderr
    out = imported(hfcache, src)
    assert out["files"] == len(folder_files(src)) and out["checkpoint"] is False
    assert r.stdout.strip().splitlines()[-1] == str(cache_dir / FOLDER / "snapshots" / out["commit"])
    check_layout(cache_dir, src, out["commit"])
    blobs = {expected_etag(p, d) for p, d in folder_files(src).items()}
    assert sorted(os.listdir(cache_dir / FOLDER / "blobs")) == sorted(blobs)


def test_reimport_is_a_no_op_and_a_change_gives_a_new_commit_sharing_blobs(hfcache, cache_dir, tmp_path):
    src = save_pretrained_folder(tmp_path / "my-model")
    first = imported(hfcache, src)
    blobs = cache_dir / FOLDER / "blobs"
    before = {name: (blobs / name).stat().st_mtime_ns for name in os.listdir(blobs)}
    again = imported(hfcache, src)
    assert again["commit"] == first["commit"] and again["blobs_written"] == 0
    assert {name: (blobs / name).stat().st_mtime_ns for name in os.listdir(blobs)} == before

    (src / "model.safetensors").write_bytes(fx.bert_safetensors(seed=7))  # fine-tuned weights
    changed = imported(hfcache, src)
    assert changed["commit"] != first["commit"] and changed["blobs_written"] == 1
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == changed["commit"]
    check_layout(cache_dir, src, changed["commit"])
    # Both snapshots are there; every blob but the weights is shared, stored once.
    assert len(os.listdir(cache_dir / FOLDER / "snapshots")) == 2
    assert len(os.listdir(blobs)) == len(before) + 1
    old_snap = cache_dir / FOLDER / "snapshots" / first["commit"]
    assert (old_snap / "model.safetensors").read_bytes() == fx.bert_safetensors(seed=0)
    assert os.readlink(old_snap / "config.json") == os.readlink(
        cache_dir / FOLDER / "snapshots" / changed["commit"] / "config.json")


def test_same_content_gives_the_same_commit_whatever_the_folder(hfcache, cache_dir, tmp_path):
    a = imported(hfcache, save_pretrained_folder(tmp_path / "a"))
    b = imported(hfcache, save_pretrained_folder(tmp_path / "elsewhere" / "b"), "--revision", "v1")
    assert a["commit"] == b["commit"]
    assert (cache_dir / FOLDER / "refs" / "v1").read_text() == a["commit"]
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == a["commit"]


def test_dry_run_writes_nothing(hfcache, cache_dir, tmp_path):
    src = save_pretrained_folder(tmp_path / "my-model")
    out = imported(hfcache, src, "--dry-run")
    assert len(out["plan"]) == len(folder_files(src)) and out["blobs_written"] == len(folder_files(src))
    assert all_entries(cache_dir) == []
    assert imported(hfcache, src)["commit"] == out["commit"]


def test_checkpoint_is_imported_and_show_reports_its_state(hfcache, cache_dir, tmp_path):
    src = checkpoint_folder(tmp_path / "out" / "checkpoint-600")
    out = imported(hfcache, src)
    assert out["checkpoint"] is True
    check_layout(cache_dir, src, out["commit"])
    r = hfcache("show", REPO, "--json")
    assert r.code == 0, r.stderr
    (rev,) = r.json()["revisions"]
    ckpt = rev["checkpoint"]
    assert sorted(ckpt["present"]) == sorted(["optimizer.pt", "scheduler.pt", "rng_state.pth", "trainer_state.json",
                                              "training_args.bin", "model.safetensors"])
    assert ckpt["missing"] == []
    assert ckpt["global_step"] == 600 and ckpt["epoch"] == 1.5
    assert ckpt["best_metric"] == 0.8125 and ckpt["best_model_checkpoint"] == "out/checkpoint-400"
    text = hfcache("show", REPO)
    assert text.code == 0, text.stderr
    assert "step 600, epoch 1.5, best metric 0.8125 (out/checkpoint-400)" in text.stdout


def test_show_names_what_a_checkpoint_lacks(hfcache, tmp_path):
    src = checkpoint_folder(tmp_path / "checkpoint-200", step=200, skip=("scheduler.pt", "rng_state.pth"))
    (src / "model.safetensors").unlink()
    (src / "trainer_state.json").write_text('{"global_step": 200, "epoch": null, "best_metric": null}')
    imported(hfcache, src)
    ckpt = hfcache("show", REPO, "--json").json()["revisions"][0]["checkpoint"]
    assert sorted(ckpt["missing"]) == sorted(["scheduler.pt", "rng_state.pth", "model weights"])
    assert ckpt["global_step"] == 200
    assert ckpt["epoch"] is None and ckpt["best_metric"] is None and ckpt["best_model_checkpoint"] is None


def test_a_model_is_no_checkpoint_in_show(hfcache, tmp_path):
    imported(hfcache, save_pretrained_folder(tmp_path / "m"))
    assert "checkpoint" not in hfcache("show", REPO, "--json").json()["revisions"][0]
    assert "Trainer checkpoint" not in hfcache("show", REPO).stdout


@pytest.mark.parametrize("hostile", ["etc-passwd", "relative-escape", "fifo"])
def test_hostile_folder_is_refused_with_nothing_written(hfcache, cache_dir, tmp_path, hostile):
    src = save_pretrained_folder(tmp_path / "my-model")
    if hostile == "etc-passwd":
        (src / "passwd").symlink_to("/etc/passwd")
    elif hostile == "relative-escape":
        (tmp_path / "secret.txt").write_text("not yours")
        (src / "sub").mkdir()
        (src / "sub" / "vocab.txt").symlink_to("../../secret.txt")
    else:
        os.mkfifo(src / "pipe")
    r = hfcache("import", src, "--as", REPO, timeout=30)
    assert r.code == 2, r.stderr
    assert "refused" in r.stderr
    assert all_entries(cache_dir) == []


def test_bad_sources_are_usage_errors(hfcache, cache_dir, tmp_path):
    r = hfcache("import", tmp_path / "nope", "--as", REPO)
    assert r.code == 2 and "nope" in r.stderr
    (tmp_path / "empty").mkdir()
    r = hfcache("import", tmp_path / "empty", "--as", REPO)
    assert r.code == 2 and "no files" in r.stderr
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello\n")
    r = hfcache("import", tmp_path / "notes", "--as", REPO)
    assert r.code == 2 and "config.json" in r.stderr
    assert all_entries(cache_dir) == []
