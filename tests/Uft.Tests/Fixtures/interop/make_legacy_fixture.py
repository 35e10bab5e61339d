"""Makes the legacy (pre-1.6, non-zip) torch.save fixtures (run once with Debian's python3-torch: /usr/bin/python3).

torch.save(obj, f, _use_new_zipfile_serialization=False) writes the format PyTorch used before 1.6, in which the
MoCo v2 release checkpoints (moco_v2_800ep_pretrain.pth.tar) were saved: five pickles and the raw storages.
The weights are the ones of make_torchvision_fixture.py's zip fixtures, read back with torch.load, so that
tv_resnet_1111_io.pth (input and PyTorch's features) is the reference for these files too. Raw storages do not
compress inside the format, so the two large files are stored gzip-compressed (98 % of their weights are zero);
the tests decompress them to a temporary folder and read the bytes exactly as torch.save wrote them.

Writes:
  tv_resnet_1111_legacy.pth.gz       the torchvision state dict (an OrderedDict with _metadata, as state_dict() gives)
  moco_v2_tiny_legacy.pth.tar.gz     a MoCo v2 checkpoint as main_moco.py's save_checkpoint writes it:
                                     {'epoch', 'arch', 'state_dict', 'optimizer'}; state_dict of the
                                     DistributedDataParallel model (module.encoder_q.*, module.encoder_k.* with the
                                     MLP head fc.0/fc.2, module.queue, module.queue_ptr; encoder_k shares
                                     encoder_q's storages); SGD state with a momentum
                                     buffer; storages tagged 'cuda:0' as on the GPUs the release was trained on
  legacy_values.pt                   small values with known contents: dtypes, views into one storage, a
                                     Parameter, a 0-d tensor, argparse.Namespace, ints beyond 64 bits, nesting
"""
import argparse, collections, gzip, io, os
import torch
from torchvision.models.resnet import ResNet, BasicBlock

here = os.path.dirname(os.path.abspath(__file__))


def legacy_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    assert data[:2] == b"\x80\x02" and not data.startswith(b"PK"), "not the legacy format"
    return data


def save_gz(obj, name):
    data = legacy_bytes(obj)
    with open(os.path.join(here, name), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as g:
        g.write(data)
    return data


# 1. torchvision state dict.
sd = torch.load(os.path.join(here, "tv_resnet_1111.pth"))
data = save_gz(sd, "tv_resnet_1111_legacy.pth.gz")
back = torch.load(io.BytesIO(data))
assert all(torch.equal(back[k], v) for k, v in sd.items()) and back._metadata == sd._metadata


# 2. MoCo v2 checkpoint: the parts of moco/builder.py that hold state, wrapped like main_moco.py wraps them.
class MoCo(torch.nn.Module):
    def __init__(self, dim=128, K=16):
        super().__init__()
        self.encoder_q = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=dim)
        self.encoder_k = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=dim)
        for enc in (self.encoder_q, self.encoder_k):  # --mlp
            enc.fc = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.ReLU(), enc.fc)
        self.register_buffer("queue", torch.nn.functional.normalize(torch.randn(dim, K), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))


zipped = torch.load(os.path.join(here, "moco_v2_tiny.pth.tar"))
model = torch.nn.DataParallel(MoCo())  # same 'module.' prefix as DistributedDataParallel, without a process group
optimizer = torch.optim.SGD(model.parameters(), 0.03, momentum=0.9, weight_decay=1e-4)
# One step on a single small parameter gives the optimizer a real momentum buffer without 5 M dense floats.
model.module.encoder_q.bn1.weight.sum().backward()
optimizer.step()
model.load_state_dict(zipped["state_dict"])  # the zip fixture's weights: its backbone gives tv_resnet_1111_io's features
msd = model.state_dict()
for k in msd:  # MoCo starts encoder_k as a copy of encoder_q; sharing the tensors halves the file (torch.save dedups)
    if k.startswith("module.encoder_k."):
        msd[k] = msd[k.replace("encoder_k", "encoder_q")]
ckpt = {"epoch": 800, "arch": "resnet18", "state_dict": msd, "optimizer": optimizer.state_dict()}
real_location_tag = torch.serialization.location_tag
torch.serialization.location_tag = lambda storage: "cuda:0"  # the release was saved from GPUs; torch.save reads this
try:
    data = save_gz(ckpt, "moco_v2_tiny_legacy.pth.tar.gz")
finally:
    torch.serialization.location_tag = real_location_tag
assert b"cuda:0" in data
back = torch.load(io.BytesIO(data), map_location="cpu")
assert back["state_dict"].keys() == ckpt["state_dict"].keys() and len(back["optimizer"]["state"]) == 1
assert torch.equal(back["state_dict"]["module.encoder_q.layer4.0.conv2.weight"], sd["layer4.0.conv2.weight"])

# 3. Values whose contents the test states by hand.
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
values = {
    "base": base,
    "row": base[1],             # shares base's storage, storage offset 4
    "column": base[:, 2],       # offset 2, stride 4
    "transposed": base.t(),     # strides (1, 4)
    "half": torch.tensor([0.5, -2.0], dtype=torch.float16),
    "double": torch.tensor([1.25], dtype=torch.float64),
    "long": torch.tensor([-3, 2**40], dtype=torch.int64),
    "int": torch.tensor([7], dtype=torch.int32),
    "bytes": torch.tensor([0, 255], dtype=torch.uint8),
    "bool": torch.tensor([True, False]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
    "param": torch.nn.Parameter(torch.full((2,), 4.0)),
    "args": argparse.Namespace(lr=0.03, arch="resnet50", mlp=True),
    "numbers": [1, -1, 300, 70000, -2**31, 2**63, -2**70, 0.5, None, True, False],
    "nested": {"t": (1, "a"), 3: [], "od": collections.OrderedDict(b=1, a=2)},
}
data = legacy_bytes(values)
with open(os.path.join(here, "legacy_values.pt"), "wb") as f:
    f.write(data)
back = torch.load(io.BytesIO(data))
assert torch.equal(back["column"], base[:, 2]) and back["row"].storage_offset() == 4

for name in ("tv_resnet_1111_legacy.pth.gz", "moco_v2_tiny_legacy.pth.tar.gz", "legacy_values.pt"):
    print(name, os.path.getsize(os.path.join(here, name)))
