"""PyTorch peer of UFT's end-to-end MoCo v2 training: torchvision ImageFolder + MoCo v2 aug-plus (two views, as
../shared/tools/ref_loader.py) through a DataLoader, feeding the MoCo step of ../shared/tools/ref_moco_step.py.
Usage: /usr/bin/python3 ref_epoch.py DIR --res 64 --bs 64 --batches 10 [--mix] [--workers 2] [--threads 2]
Prints: images_per_s=<float> (query images per second, first batch left out)."""
import argparse, time, torch, torch.nn as nn, torch.nn.functional as F, torchvision, torchvision.transforms as T
from torchvision.datasets import ImageFolder

p = argparse.ArgumentParser(); p.add_argument('dir'); p.add_argument('--res', type=int, default=64)
p.add_argument('--bs', type=int, default=64); p.add_argument('--batches', type=int, default=10)
p.add_argument('--workers', type=int, default=2); p.add_argument('--threads', type=int, default=2)
p.add_argument('--mix', action='store_true')
a = p.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(0)

aug = T.Compose([T.RandomResizedCrop(a.res, scale=(0.2, 1.)), T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
                 T.RandomGrayscale(p=0.2), T.RandomApply([T.GaussianBlur(2 * (a.res // 20) + 1, (0.1, 2.0))], p=0.5),
                 T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
dl = torch.utils.data.DataLoader(ImageFolder(a.dir, transform=lambda x: (aug(x), aug(x))), batch_size=a.bs, shuffle=True,
                                 num_workers=a.workers, drop_last=True)

def encoder():
    m = torchvision.models.resnet18(num_classes=128)
    d = m.fc.weight.shape[1]
    m.fc = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 128))
    return m
q_enc, k_enc = encoder(), encoder()
k_enc.load_state_dict(q_enc.state_dict())
for p_ in k_enc.parameters(): p_.requires_grad = False
K, Tmp, m = 4096, 0.2, 0.999
queue = F.normalize(torch.randn(128, K), dim=0); ptr = 0
opt = torch.optim.SGD(q_enc.parameters(), lr=0.015, momentum=0.9, weight_decay=1e-4)

def info_nce(q, k):
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / Tmp
    return F.cross_entropy(logits, torch.zeros(len(q), dtype=torch.long), reduction='none')

def step(xq, xk):
    global queue, ptr
    q = F.normalize(q_enc(xq), dim=1)
    with torch.no_grad():
        for pq, pk in zip(q_enc.parameters(), k_enc.parameters()): pk.mul_(m).add_(pq.detach(), alpha=1 - m)
        k = F.normalize(k_enc(xk), dim=1)
    loss = info_nce(q, k).mean()
    if a.mix:
        lam = float(torch.distributions.Beta(1., 1.).sample()); perm = torch.randperm(len(xq))
        H = W = a.res; rh, rw = int(H * (1 - lam) ** .5), int(W * (1 - lam) ** .5)
        cy, cx = torch.randint(H, (1,)).item(), torch.randint(W, (1,)).item()
        y0, y1, x0, x1 = max(cy - rh // 2, 0), min(cy + rh // 2, H), max(cx - rw // 2, 0), min(cx + rw // 2, W)
        xm = xq.clone(); xm[:, :, y0:y1, x0:x1] = xq[perm][:, :, y0:y1, x0:x1]
        lam = 1 - (y1 - y0) * (x1 - x0) / (H * W)
        qm = F.normalize(q_enc(xm), dim=1)
        loss = loss + (lam * info_nce(qm, k) + (1 - lam) * info_nce(qm, k[perm])).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    n = len(k); idx = torch.arange(ptr, ptr + n) % K; queue[:, idx] = k.T; ptr = (ptr + n) % K

it = iter(dl)
for _ in range(3):  # warm-up, as on UFT's side: the workers fill their prefetch meanwhile
    (xq, xk), _ = next(it); step(xq, xk)
t = time.perf_counter()
for _ in range(a.batches):
    (xq, xk), _ = next(it); step(xq, xk)
print(f"images_per_s={a.bs * a.batches / (time.perf_counter() - t):.1f}")
