#!/usr/bin/env bash
# A ResNet-50 MoCo v2 checkpoint at full size, in the legacy format of the 2020 releases, through UFT and back to
# PyTorch: Python writes it (torch.save(..., _use_new_zipfile_serialization=False)) with main_moco.py's layout and the
# features of a fixed input; `uft export` reads it and writes a torchvision state dict (zip .pth); Python loads that
# into torchvision's resnet50 and compares the features. Needs Debian's python3-torch/python3-torchvision
# (/usr/bin/python3) and ~1 GB in $dir. Usage: bench/interop/legacy_moco_r50.sh [dir]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$(mktemp -d)}"
/usr/bin/python3 - "$dir" <<'PY'
import sys, time, torch, torchvision
d = sys.argv[1]
torch.manual_seed(0)
class MoCo(torch.nn.Module):  # moco/builder.py's state: encoders with the --mlp head, queue, queue_ptr
    def __init__(self, dim=128, K=65536):
        super().__init__()
        self.encoder_q = torchvision.models.resnet50(num_classes=dim)
        self.encoder_k = torchvision.models.resnet50(num_classes=dim)
        for enc in (self.encoder_q, self.encoder_k):
            enc.fc = torch.nn.Sequential(torch.nn.Linear(2048, 2048), torch.nn.ReLU(), enc.fc)
        self.encoder_k.load_state_dict(self.encoder_q.state_dict())
        self.register_buffer("queue", torch.nn.functional.normalize(torch.randn(dim, K), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))
model = torch.nn.DataParallel(MoCo())
for m in model.modules():  # non-trivial BN statistics, so eval-mode BN is not the identity
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 2.0)
opt = torch.optim.SGD(model.parameters(), 0.03, momentum=0.9, weight_decay=1e-4)
model.module.encoder_q(torch.randn(2, 3, 64, 64)).sum().backward(); opt.step()  # momentum buffers, as in a real run
ckpt = {"epoch": 800, "arch": "resnet50", "state_dict": model.state_dict(), "optimizer": opt.state_dict()}
t = time.time(); torch.save(ckpt, f"{d}/moco_r50_legacy.pth.tar", _use_new_zipfile_serialization=False)
print(f"torch.save (legacy): {time.time() - t:.1f} s")
t = time.time(); torch.load(f"{d}/moco_r50_legacy.pth.tar", map_location="cpu"); print(f"torch.load: {time.time() - t:.1f} s")
enc = model.module.encoder_q; enc.fc = torch.nn.Identity(); enc.eval()
x = torch.randn(2, 3, 224, 224)
with torch.no_grad(): torch.save({"input": x, "features": enc(x)}, f"{d}/io.pt")
PY
ls -l "$dir/moco_r50_legacy.pth.tar"
"$here/../../uft" backbones >/dev/null   # build first, so that the time below is the export's
/usr/bin/time -f "uft export: %e s, max RSS %M KB" "$here/../../uft" export --backbone "$dir/moco_r50_legacy.pth.tar" --output "$dir/r50.pth"
/usr/bin/python3 - "$dir" <<'PY'
import sys, torch, torchvision
d = sys.argv[1]
io = torch.load(f"{d}/io.pt")
m = torchvision.models.resnet50(); m.fc = torch.nn.Identity()
print(m.load_state_dict(torch.load(f"{d}/r50.pth"), strict=True))
m.eval()
with torch.no_grad(): y = m(io["input"])
print(f"features {tuple(y.shape)}: max |uft-exported - pytorch| / max |pytorch| = {((y - io['features']).abs().max() / io['features'].abs().max()).item():.2e}")
PY
