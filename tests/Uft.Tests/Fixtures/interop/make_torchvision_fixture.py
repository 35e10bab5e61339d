"""Makes the torchvision/MoCo interop fixtures (run once with Debian's python3-torchvision: /usr/bin/python3).

A full resnet18 state dict is 45 MB, so the fixture is torchvision's own ResNet(BasicBlock, [1, 1, 1, 1]),
random init with a fixed seed, with 98 % of each conv/fc weight pruned to zero and the archive re-zipped with
deflate, which brings it to about 1 MB while every key, shape, stride and padding of the architecture is still
exercised. BatchNorm affine parameters and running statistics are randomised so that eval-mode BN is not a no-op.

Writes:
  tv_resnet_1111.pth      torchvision state dict (fc removed: UFT backbones have no classifier)
  moco_v2_tiny.pth.tar    the same backbone as a MoCo v2 checkpoint: {'epoch','arch','state_dict','optimizer'} with
                          keys under module.encoder_q. / module.encoder_k., fc replaced by the MLP head, a queue
  tv_resnet_1111_io.pth   {'input': (2,3,64,64), 'features': (2,512)} from PyTorch in eval mode
"""
import os, zipfile, shutil
import torch
from torchvision.models.resnet import ResNet, BasicBlock

torch.manual_seed(20211)
here = os.path.dirname(os.path.abspath(__file__))

m = ResNet(BasicBlock, [1, 1, 1, 1])
m.fc = torch.nn.Identity()
with torch.no_grad():
    for name, p in m.named_parameters():
        if p.dim() > 1:
            p.copy_(torch.where(torch.rand_like(p) < 0.02, p * 7.0, torch.zeros_like(p)))  # keep 2 % (+0.0 zeros compress), rescale so signals stay O(1)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.uniform_(-0.2, 0.2)
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 2.0)
            mod.num_batches_tracked.fill_(123)
m.eval()
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    y = m(x)
sd = m.state_dict()


def save_deflated(obj, name):
    tmp = os.path.join(here, name + ".tmp")
    torch.save(obj, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(os.path.join(here, name), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    os.remove(tmp)
    assert torch.load(os.path.join(here, name)).keys() == obj.keys()


save_deflated(sd, "tv_resnet_1111.pth")
save_deflated({"input": x, "features": y}, "tv_resnet_1111_io.pth")

# MoCo v2 (facebookresearch/moco main_moco.py): DistributedDataParallel prefix 'module.', encoder_q/encoder_k,
# fc = Sequential(Linear(512,512), ReLU, Linear(512,128)) when --mlp, queue (dim, K) and queue_ptr buffers.
msd = {}
def sparse(*shape):
    return torch.where(torch.rand(*shape) < 0.01, torch.randn(*shape), torch.zeros(*shape))


head = {"fc.0.weight": sparse(512, 512), "fc.0.bias": torch.zeros(512), "fc.2.weight": sparse(128, 512), "fc.2.bias": torch.zeros(128)}
for enc in ("encoder_q", "encoder_k"):
    for k, v in sd.items():
        msd[f"module.{enc}.{k}"] = v
    for k, v in head.items():
        msd[f"module.{enc}.{k}"] = v
msd["module.queue"] = torch.nn.functional.normalize(torch.randn(128, 16), dim=0)
msd["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.03, momentum=0.9, weight_decay=1e-4)
ckpt = {"epoch": 200, "arch": "resnet18", "state_dict": msd, "optimizer": opt.state_dict()}
save_deflated(ckpt, "moco_v2_tiny.pth.tar")
for f in ("tv_resnet_1111.pth", "tv_resnet_1111_io.pth", "moco_v2_tiny.pth.tar"):
    print(f, os.path.getsize(os.path.join(here, f)))
print("features[0,:5]", y[0, :5].tolist())
