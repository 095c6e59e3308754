"""The standard fixture world shared by every hfcache test suite, and the benchmark repo.

Built only with the standard library, so the same world (same commit shas, same bytes) comes out
of any Python >= 3.11. The ``hfl/rbt3`` files are real: a BERT ``config.json``, a hand-written
``model.safetensors`` that ``safetensors.safe_open`` loads, and a WordPiece tokenizer (``vocab.txt``,
``tokenizer.json`` written in the ``tokenizers`` serialization format, ``tokenizer_config.json``,
``special_tokens_map.json``) that ``transformers.AutoTokenizer`` loads.

Names other suites should use are the module constants below (repo ids, tokens, paths).
"""

from __future__ import annotations

import json
import random
import struct

from .world import Repo, World

# -- names --------------------------------------------------------------------------------------
RBT3 = "hfl/rbt3"
PRIVATE = "org/private-model"
GATED = "org/gated-model"
RENAMED = "user/renamed-model"
RENAMED_OLD = "user/old-name"
DATASET = "org/squad-mini"
SPACE = "org/demo-space"
LEGACY = "gpt2-tiny"
MANY = "org/many-files"
MANY_COUNT = 2500
EMPTY_FILES = "org/with-empty-files"  # a sentence-transformers layout with zero-length files
EMPTY_PATHS = ("1_Pooling/.gitkeep", "empty.txt")
BENCH = "bench/big-model"

TOKEN_ALICE = "hf_alice_private"  # reads PRIVATE, accepted GATED
TOKEN_BOB = "hf_bob"  # valid token, no access to PRIVATE, has not accepted GATED

RBT3_SPECIAL_PATHS = ("docs/read me é.txt", "docs/notes #1.txt", "a/b/c/deep.txt", "onnx/model.onnx")
RBT3_LFS_PATHS = ("model.safetensors", "onnx/model.onnx")
MISSING_FILE = "does-not-exist.txt"

GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in ("*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
                    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot",
                    "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
                    "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz",
                    "*.zip", "*.zst", "*tfevents*")
)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the a an is was of and to in it hello world model cache hub hugging face data file test token
bert tiny simple example this that with for on are be not we you i he she they new old good bad small
big fast slow download upload mirror server client network offline online""".split()
VOCAB = (SPECIAL_TOKENS + list(".,!?'-") + [chr(c) for c in range(ord("a"), ord("z") + 1)] + WORDS
         + ["##s", "##ed", "##ing", "##ly", "##er", "##est", "##e", "##t", "##n", "##r"])

HIDDEN, LAYERS, HEADS, INTERMEDIATE, MAX_POS = 32, 2, 2, 37, 64


# -- file builders ------------------------------------------------------------------------------
def dumps(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def safetensors_bytes(tensors: dict[str, tuple[list[int], list[float]]]) -> bytes:
    """safetensors format: u64 LE header length, JSON header (space-padded to 8), raw F32 data."""
    header: dict = {"__metadata__": {"format": "pt"}}
    data = b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + data


def _values(rng: random.Random, n: int, fill: float | None = None) -> list[float]:
    return [fill] * n if fill is not None else [round(rng.uniform(-0.05, 0.05), 6) for _ in range(n)]


def bert_safetensors(seed: int = 0, vocab_size: int = len(VOCAB)) -> bytes:
    rng = random.Random(seed)
    shapes = {
        "embeddings.word_embeddings.weight": ([vocab_size, HIDDEN], None),
        "embeddings.position_embeddings.weight": ([MAX_POS, HIDDEN], None),
        "embeddings.token_type_embeddings.weight": ([2, HIDDEN], None),
        "embeddings.LayerNorm.weight": ([HIDDEN], 1.0),
        "embeddings.LayerNorm.bias": ([HIDDEN], 0.0),
        "pooler.dense.weight": ([HIDDEN, HIDDEN], None),
        "pooler.dense.bias": ([HIDDEN], 0.0),
    }
    tensors = {}
    for name, (shape, fill) in shapes.items():
        n = 1
        for d in shape:
            n *= d
        tensors[name] = (shape, _values(rng, n, fill))
    return safetensors_bytes(tensors)


def bert_config(vocab_size: int = len(VOCAB)) -> bytes:
    return dumps({
        "architectures": ["BertModel"], "model_type": "bert", "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN, "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE, "layer_norm_eps": 1e-12, "max_position_embeddings": MAX_POS,
        "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "pad_token_id": 0,
        "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": vocab_size,
        "torch_dtype": "float32", "transformers_version": "4.46.3",
    })


def tokenizer_json() -> bytes:
    """A BERT WordPiece tokenizer in the ``tokenizers`` JSON format (same as BertTokenizerFast saves)."""
    ids = {tok: i for i, tok in enumerate(VOCAB)}
    added = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIAL_TOKENS]

    def special(tok: str, type_id: int) -> dict:
        return {"SpecialToken": {"id": tok, "type_id": type_id}}

    def seq(name: str, type_id: int) -> dict:
        return {"Sequence": {"id": name, "type_id": type_id}}

    return dumps({
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0)],
            "pair": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0), seq("B", 1), special("[SEP]", 1)],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    })


def bert_tokenizer_files() -> dict[str, bytes]:
    special_map = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                   "mask_token": "[MASK]"}
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": MAX_POS,
              "tokenize_chinese_chars": True, "strip_accents": None, "clean_up_tokenization_spaces": True,
              **special_map}
    return {
        "vocab.txt": ("\n".join(VOCAB) + "\n").encode(),
        "tokenizer.json": tokenizer_json(),
        "tokenizer_config.json": dumps(config),
        "special_tokens_map.json": dumps(special_map),
    }


def model_card(title: str, body: str = "", meta: str = "license: apache-2.0") -> bytes:
    return f"---\n{meta}\n---\n\n# {title}\n\n{body}\n".encode()


def fake_onnx(seed: int, size: int) -> bytes:
    return b"\x08\x07\x12\x07hubsim" + random.Random(seed).randbytes(size)


# -- repos --------------------------------------------------------------------------------------
def add_rbt3(world: World) -> Repo:
    repo = world.add_repo(RBT3, tags=["transformers", "safetensors", "bert", "zh"], downloads=1234,
                          likes=7, extra={"pipeline_tag": "feature-extraction"})
    files = {
        ".gitattributes": GITATTRIBUTES,
        "README.md": model_card("rbt3 (hubsim fixture)", "First version.",
                                "language:\n- zh\nlicense: apache-2.0\ntags:\n- bert"),
        "config.json": bert_config(),
        "model.safetensors": bert_safetensors(seed=3),
        "onnx/model.onnx": fake_onnx(seed=4, size=4096),
        "a/b/c/deep.txt": b"deep file\n",
        "docs/read me \u00e9.txt": "a file name with a space and a non-ASCII letter \u00e9\n",
        "docs/notes #1.txt": b"a file name with a hash sign\n",
        **bert_tokenizer_files(),
    }
    first = repo.commit(files, "Initial commit")
    repo.tag("v1.0", first)
    repo.commit({"README.md": model_card("rbt3 (hubsim fixture)", "Second version: only the card changed.",
                                         "language:\n- zh\nlicense: apache-2.0\ntags:\n- bert")},
                "Update README.md")
    repo.create_pr({"README.md": model_card("rbt3", "Proposed in PR #1."), "extra/pr-file.txt": b"from the PR\n"},
                   "Propose a new card")
    return repo


def add_private_and_gated(world: World) -> None:
    private = world.add_repo(PRIVATE, private=True)
    private.commit({"README.md": model_card("private model"), "config.json": bert_config(),
                    "model.safetensors": bert_safetensors(seed=11)}, "Initial commit")
    gated = world.add_repo(GATED, gated="manual")
    gated.commit({"README.md": model_card("gated model", meta="license: other\nextra_gated_prompt: Agree."),
                  "config.json": bert_config(), "model.safetensors": bert_safetensors(seed=12)},
                 "Initial commit")
    world.add_token(TOKEN_ALICE, "alice", can_read_private=[PRIVATE], accepted_gated=[GATED])
    world.add_token(TOKEN_BOB, "bob")


def add_renamed(world: World) -> Repo:
    repo = world.add_repo(RENAMED, renamed_from=[RENAMED_OLD])
    repo.commit({"README.md": model_card("renamed model"), "config.json": bert_config(),
                 "pytorch_model.bin": random.Random(21).randbytes(3000)}, "Initial commit")
    return repo


def parquet_like(seed: int, size: int) -> bytes:
    return b"PAR1" + random.Random(seed).randbytes(size) + b"PAR1"


def add_dataset(world: World) -> Repo:
    repo = world.add_repo(DATASET, type="dataset", tags=["task_categories:question-answering"])
    parquet = {
        "data/train-00000-of-00002.parquet": parquet_like(31, 5000),
        "data/train-00001-of-00002.parquet": parquet_like(32, 4000),
        "data/validation-00000-of-00001.parquet": parquet_like(33, 2000),
    }
    meta = "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*"
    repo.commit({".gitattributes": GITATTRIBUTES, "README.md": model_card("squad-mini", meta=meta),
                 "plain_text/dataset_info.json": dumps({"splits": {"train": 20, "validation": 5}}),
                 **parquet}, "Initial commit", lfs=list(parquet))
    repo.create_convert("parquet", {"default/train/0000.parquet": parquet_like(34, 3000),
                                    "default/validation/0000.parquet": parquet_like(35, 1000)},
                        "Update parquet files", lfs=True)
    return repo


def add_space(world: World) -> Repo:
    repo = world.add_repo(SPACE, type="space")
    repo.commit({".gitattributes": GITATTRIBUTES,
                 "README.md": model_card("demo", meta="title: Demo\nsdk: gradio\napp_file: app.py"),
                 "app.py": b"import gradio as gr\n\ngr.Interface(lambda x: x, 'text', 'text').launch()\n",
                 "requirements.txt": b"gradio\n"}, "Initial commit")
    return repo


def add_legacy(world: World) -> Repo:
    repo = world.add_repo(LEGACY, tags=["gpt2"])
    vocab = {"<|endoftext|>": 0, **{chr(c): c - 96 for c in range(97, 123)}}
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 32, "n_head": 2,
              "n_layer": 2, "n_positions": 64, "vocab_size": len(vocab), "bos_token_id": 0, "eos_token_id": 0}
    repo.commit({"README.md": model_card("gpt2-tiny"), "config.json": dumps(config),
                 "vocab.json": dumps(vocab), "merges.txt": b"#version: 0.2\n",
                 "model.safetensors": safetensors_bytes({"wte.weight": ([len(vocab), 4],
                                                                         _values(random.Random(41), len(vocab) * 4))})},
                "Initial commit")
    return repo


def add_many_files(world: World, count: int = MANY_COUNT) -> Repo:
    repo = world.add_repo(MANY)
    files = {f"group_{i // 500}/sub_{(i // 100) % 5}/file_{i:04d}.txt": f"file number {i}\n".encode()
             for i in range(count)}
    files["README.md"] = model_card("many files")
    repo.commit(files, "Add many files")
    return repo


def add_with_empty_files(world: World) -> Repo:
    """Two zero-length files (one git blob, e69de29b...) beside ordinary and LFS files."""
    repo = world.add_repo(EMPTY_FILES, tags=["sentence-transformers"])
    files = {".gitattributes": GITATTRIBUTES, "README.md": model_card("with empty files"),
             "config.json": bert_config(), "model.safetensors": bert_safetensors(seed=21),
             "1_Pooling/config.json": dumps({"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True}),
             **{path: b"" for path in EMPTY_PATHS}}
    repo.commit(files, "Initial commit")
    return repo


def build_standard_world(directory) -> World:
    """Build (and save) the standard fixture world in ``directory``; returns the World."""
    world = World(directory)
    add_rbt3(world)
    add_private_and_gated(world)
    add_renamed(world)
    add_dataset(world)
    add_space(world)
    add_legacy(world)
    add_many_files(world)
    add_with_empty_files(world)
    world.save()
    return world


def add_bench_repo(world: World, n_small: int = 200, big_size: int = 1 << 30, repo_id: str = BENCH,
                   seed: int = 0) -> Repo:
    """A repo with ``n_small`` small JSON files and one big LFS ``model.safetensors`` (not saved)."""
    repo = world.add_repo(repo_id)
    rng = random.Random(seed)
    files = {f"small/file_{i:04d}.json": dumps({"i": i, "pad": rng.randbytes(rng.randint(200, 4000)).hex()})
             for i in range(n_small)}
    files["config.json"] = bert_config()
    files["model.safetensors"] = world.big_file(big_size, seed)
    repo.commit(files, "Benchmark files")
    return repo
